"""The duplicate-rule header, sent only inside `allowing_duplicate_saves()`.

A duplicate rule whose action is "Allow" with an alert (the Standard Contact Duplicate Rule of a new
org) refuses an API insert with DUPLICATES_DETECTED unless the request acknowledges the alert with
`Sforce-Duplicate-Rule-Header: allowSave=true`; the org's duplicate reports then show the record
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api/headers_duplicaterules.htm).
A context variable rather than an argument: the same workflow code runs with and without it, and
each thread or task keeps its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

HEADER = "Sforce-Duplicate-Rule-Header"
_ALLOW_SAVE = ContextVar("salesforce_allow_duplicate_save", default=False)


@contextmanager
def allowing_duplicate_saves() -> Iterator[None]:
    token = _ALLOW_SAVE.set(True)
    try:
        yield
    finally:
        _ALLOW_SAVE.reset(token)


def duplicate_rule_headers() -> dict[str, str]:
    """The header for the current writes, if any (composite subrequests need it in their own httpHeaders)."""
    return {HEADER: "allowSave=true"} if _ALLOW_SAVE.get() else {}
