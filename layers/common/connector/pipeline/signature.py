"""The inbound signature: `X-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<METHOD>.<path>.<body>")>`."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from connector.value_types import SOURCE_FAMILIES, SourceFamily

MAX_AGE_SECONDS = 300


def signature_base(timestamp: int, method: str, path: str, body: bytes) -> bytes:
    return f"{timestamp}.{method.upper()}.{path}.".encode() + body


def sign(secret: str, method: str, path: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value a sender puts in X-Signature."""
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), signature_base(ts, method, path, body), hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


def _parse(header: str) -> tuple[int, list[str]] | None:
    timestamp: int | None = None
    digests: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        # isdigit() alone accepts digits int() refuses ("²"): only ASCII digits make a timestamp.
        if key == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            digests.append(value.strip().lower())
    if timestamp is None or not digests:
        return None
    return timestamp, digests


def verify(
    header: str | None,
    secret: str,
    method: str,
    path: str,
    body: bytes,
    now: Callable[[], float] = time.time,
) -> bool:
    """True when the header carries a fresh, valid signature of this exact request."""
    if not header or not secret:
        return False
    parsed = _parse(header)
    if parsed is None:
        return False
    timestamp, digests = parsed
    if abs(now() - timestamp) > MAX_AGE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), signature_base(timestamp, method, path, body), hashlib.sha256).hexdigest()
    # Several v1 values let a sender sign with the old and the new secret during a rotation.
    # Compared as bytes: compare_digest raises TypeError on non-ASCII str, and the header is the caller's.
    return any(hmac.compare_digest(expected.encode(), digest.encode()) for digest in digests)


def source_family(path: str) -> SourceFamily | None:
    """Which secret a route is signed with: /v1/<family>/..., or /v1/sync/<family>/..."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if len(parts) >= 2 and parts[0] == "v1":
        family = parts[2] if parts[1] == "sync" and len(parts) > 2 else parts[1]
        for known in SOURCE_FAMILIES:
            if family == known:
                return known
    return None
