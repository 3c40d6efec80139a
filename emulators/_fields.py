"""Checks of JSON request fields that several emulators make; each raises the caller's own
error (a platform-shaped ApiError, a FaultSpecError...) built from the message."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Invalid = Callable[[str], Exception]


def optional_str(body: Mapping[str, Any], key: str, invalid: Invalid) -> str | None:
    """`body[key]` when it is a string, None when absent or null."""
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise invalid(f"'{key}' must be a string.")
    return value
