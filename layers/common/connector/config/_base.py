"""What every section of the config document shares: strictness and well-formed API names."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, JsonValue, WithJsonSchema

_API_NAME_TEXT = "[A-Za-z][A-Za-z0-9_]{0,79}"
_API_NAME = re.compile(f"^{_API_NAME_TEXT}$")
# The two checks below as the patterns the OpenAPI document states (the chatbot's object and field
# names are these types): tests/unit/test_document_states_the_rules.py draws names from the document
# and has the checks accept them.
_MOST_LEVELS = 5
_FIELD_PATH = f"^{_API_NAME_TEXT}(\\.{_API_NAME_TEXT}){{0,{_MOST_LEVELS - 1}}}$"


def check_api_name(value: str) -> str:
    # Field names end up in request paths and SOQL: only well-formed API names are allowed.
    if not _API_NAME.match(value):
        raise ValueError(f"not a Salesforce API name: {value!r}")
    return value


def check_field_path(value: str) -> str:
    """A field, or a relationship path to one (`Account.Owner.Email`): API names joined by dots."""
    parts = value.split(".")
    if len(parts) > _MOST_LEVELS:
        raise ValueError(f"a relationship path may not be more than 5 levels deep: {value!r}")
    for part in parts:
        check_api_name(part)
    return value


API_NAME_SCHEMA: dict[str, JsonValue] = {"type": "string", "pattern": _API_NAME.pattern}
ApiName = Annotated[str, AfterValidator(check_api_name), WithJsonSchema(API_NAME_SCHEMA)]
FieldPath = Annotated[str, AfterValidator(check_field_path), WithJsonSchema({"type": "string", "pattern": _FIELD_PATH})]


class Strict(BaseModel):
    # defer_build: a section is validated as part of the document, by the one validator the document's
    # model (ConnectorConfig) builds at import for every function, so a section's own validator is
    # never needed there: built on first use alone (a test), not at every cold start. The sections'
    # defaults are validated by the document's validator too (`validate_default`), never by calling a
    # section's class.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
