"""Salesforce field values from a chat, by the configured field mapping, and the update rules.

- `mapped_values`: each mapped field whose chat field has a value (`chat.transcript` becomes the
  readable transcript, or an offline message's subject and content); empty values are left out,
  so a chat never blanks a field.
- `person_defaults`: what Salesforce requires and a chat may lack: a LastName (the visitor's name,
  else the email's local part, else "Chat visitor") and a Lead's Company ("[not provided]", what
  Salesforce's own Web-to-Lead writes when the form has no company:
  https://help.salesforce.com/s/articleView?id=sales.setting_up_web-to-lead.htm).
- `apply_update_rule`: the guide's three rules for a visitor who is already in Salesforce: do not
  update; overwrite the mapped fields; only fill the blank ones. Only fields that change are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from connector.chat.end_events import ChatEndedData
from connector.chat.identification import record_field
from connector.chat.models import OfflineMessageData, as_text, field_value
from connector.chat.transcripts import chat_text, offline_text
from connector.config.chat import UpdateRule
from connector.crm.names import LAST_NAME_LENGTH, SUPPLIED_NAME_LENGTH, cut_to_fit

TRANSCRIPT = "chat.transcript"
NO_COMPANY = "[not provided]"
NO_NAME = "Chat visitor"
# Lengths of the standard fields the default mapping fills from longer chat fields (visitor.name
# holds 255, prechat.company 255): a value is cut to fit rather than refused (Salesforce field
# reference: Contact/Lead LastName 80, Case SuppliedName 80, SuppliedCompany 80).
FIELD_LENGTHS = {
    ("Contact", "LastName"): LAST_NAME_LENGTH,
    ("Lead", "LastName"): LAST_NAME_LENGTH,
    ("Case", "SuppliedName"): SUPPLIED_NAME_LENGTH,
    ("Case", "SuppliedCompany"): 80,
}


def chat_value(data: BaseModel, path: str) -> Any:
    """The value a chat field path gives a Salesforce field (text, a number, or an ISO datetime)."""
    if path == TRANSCRIPT:
        if isinstance(data, OfflineMessageData):
            return offline_text(data)
        return chat_text(data) if isinstance(data, ChatEndedData) else None
    value = field_value(data, path)
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime | str):
        return as_text(value)
    return None if value is None else as_text(value)


def mapped_values(
    sobject: str, mapping: Mapping[str, str], data: BaseModel, lengths: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """Salesforce field -> value for every mapped field the chat has a value for. Text is cut to the
    field's length: `lengths` from the org's describe (a custom variable mapped into a Text(50)
    field), else the standard lengths above; a value too long would have the record refused."""
    values: dict[str, Any] = {}
    for salesforce_field, path in mapping.items():
        value = chat_value(data, path)
        if value is None or value == "":
            continue
        # (the transcript is cut by `fit_description`, which says so in it and attaches the whole)
        described = (lengths or {}).get(salesforce_field.lower()) if path != TRANSCRIPT else None
        length = described or FIELD_LENGTHS.get((sobject, salesforce_field))
        values[salesforce_field] = cut_to_fit(value, length) if length and isinstance(value, str) else value
    return values


# Field types whose values may be cut to fit: free text. An email or a URL cut short would be wrong.
CUTTABLE_TYPES = frozenset({"string", "textarea", "phone", "combobox", "picklist"})


def text_lengths(described: Any) -> dict[str, int]:
    """Field name (lower case) -> length of each free-text field of an object's describe."""
    if described is None:
        return {}
    fields = described.describe.get("fields") or ()
    return {
        str(f["name"]).lower(): int(f["length"]) for f in fields if f.get("type") in CUTTABLE_TYPES and f.get("length")
    }


def person_defaults(sobject: str, values: Mapping[str, Any], data: BaseModel) -> dict[str, Any]:
    """`values` with what a new Contact or Lead requires filled in where the chat had nothing."""
    out = dict(values)
    if not out.get("LastName"):
        email = field_value(data, "visitor.email")
        out["LastName"] = cut_to_fit(str(email).split("@")[0], LAST_NAME_LENGTH) if email else NO_NAME
    if sobject == "Lead" and not out.get("Company"):
        out["Company"] = NO_COMPANY
    return out


def _blank(value: Any) -> bool:
    return value is None or value == ""


def apply_update_rule(rule: UpdateRule, record: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The fields to write on an existing record (only those that change)."""
    if rule == "do_not_update":
        return {}
    if rule == "fill_blank_fields":
        return {name: value for name, value in values.items() if _blank(record_field(record, name))}
    return {name: value for name, value in values.items() if record_field(record, name) != value}
