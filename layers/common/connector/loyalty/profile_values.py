"""A loyalty profile field's value as the platform takes it, from what an agent or a record sends.

Its own module, apart from the customer commands (connector.loyalty.customer_steps): the Salesforce
changes relayed to the loyalty platform check their values with it, and their function builds none
of the customer commands' models at its cold start.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import TypeAdapter, ValidationError

from connector.errors import MappingError
from connector.value_types import Email

# The platform's longest profile text.
MAX_TEXT = 255
EMAIL: TypeAdapter[str] = TypeAdapter(Email)
_BOOLEAN_FIELDS = ("opted_in",)

Loc = list[str | int]


def profile_value(name: str, value: Any, loc: Loc) -> Any:
    """A loyalty profile field's value as the platform takes it; else a 422 at `loc`."""
    if value is None:
        return None
    if name in _BOOLEAN_FIELDS:
        if not isinstance(value, bool):
            raise MappingError(loc, "must be true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MappingError(loc, "must be a text")
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise MappingError(loc, f"at most {MAX_TEXT} characters")
    if name == "dob" and text:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise MappingError(loc, "must be a date, YYYY-MM-DD") from None
    if name == "email" and text:
        try:
            return EMAIL.validate_python(text)
        except ValidationError:
            raise MappingError(loc, "not a valid email address") from None
    return text or None
