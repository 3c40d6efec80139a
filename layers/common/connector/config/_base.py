"""What every section of the config document shares: strictness and well-formed API names."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")


def check_api_name(value: str) -> str:
    # Field names end up in request paths and SOQL: only well-formed API names are allowed.
    if not _API_NAME.match(value):
        raise ValueError(f"not a Salesforce API name: {value!r}")
    return value


def check_field_path(value: str) -> str:
    """A field, or a relationship path to one (`Account.Owner.Email`): API names joined by dots."""
    parts = value.split(".")
    if len(parts) > 5:
        raise ValueError(f"a relationship path may not be more than 5 levels deep: {value!r}")
    for part in parts:
        check_api_name(part)
    return value


ApiName = Annotated[str, AfterValidator(check_api_name)]
FieldPath = Annotated[str, AfterValidator(check_field_path)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
