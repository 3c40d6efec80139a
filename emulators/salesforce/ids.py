"""Salesforce record ids: 15-char case-sensitive ids and their 18-char case-safe form.

Clients compare ids, slice key prefixes and convert 15 <-> 18 chars, so the emulator issues ids
with the real layout (3-char key prefix, then a 12-char body) and the real checksum suffix.
"""

from __future__ import annotations

import itertools
import threading

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Two "instance" characters after the key prefix, as in real ids (e.g. 0035g...).
_INSTANCE = "Hn"
_BODY_DIGITS = 10

# Key prefixes of the standard objects the emulator knows.
ORGANIZATION_PREFIX = "00D"
QUERY_LOCATOR_PREFIX = "01g"
MASTER_RECORD_TYPE_ID = "012000000000000AAA"


def checksum(id15: str) -> str:
    """The 3-char suffix that makes a 15-char id case-insensitive-safe."""
    out = []
    for chunk in range(3):
        flags = 0
        for position, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                flags |= 1 << position
        out.append(_SUFFIX_ALPHABET[flags])
    return "".join(out)


def normalize(raw: object) -> str | None:
    """The canonical 18-char id for a 15- or 18-char id, or None when it is not an id.

    An 18-char id may arrive in any letter case (that is what the suffix is for): its case is
    restored from the suffix, so lookups are case-safe like in Salesforce.
    """
    if not isinstance(raw, str) or not raw.isascii() or not raw.isalnum():
        return None
    if len(raw) == 15:
        return raw + checksum(raw)
    if len(raw) != 18:
        return None
    suffix = raw[15:].upper()
    chars = list(raw[:15])
    for chunk, flag_char in enumerate(suffix):
        flags = _SUFFIX_ALPHABET.find(flag_char)
        if flags < 0:
            return None
        for position in range(5):
            index = chunk * 5 + position
            upper = bool(flags >> position & 1)
            if chars[index].isalpha():
                chars[index] = chars[index].upper() if upper else chars[index].lower()
            elif upper:
                return None
    return "".join(chars) + suffix


def key_prefix(record_id: str) -> str:
    return record_id[:3]


def base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


class IdFactory:
    """Issues unique ids; one counter for the whole org, so no two records ever share a body."""

    def __init__(self, start: int = 1_000_000) -> None:
        self._counter = itertools.count(start)
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        with self._lock:
            number = next(self._counter)
        id15 = prefix + _INSTANCE + base62(number, _BODY_DIGITS)
        return id15 + checksum(id15)


def issued_by_emulator(record_id: str) -> bool:
    """Whether an id has the layout of the ones `IdGenerator.new` issues (the emulator's instance)."""
    return record_id[3:5] == _INSTANCE


def custom_prefix(index: int) -> str:
    """Key prefix of the index-th custom object (a0A, a0B, ...): each custom object its own."""
    return "a" + base62(10 + index, 2)
