"""Field values: turning JSON into typed values the way the Salesforce REST API does, and back.

Values are stored typed (str, bool, float, int, date, datetime in UTC, 18-char ids) so that
comparisons, sorting and SOQL date literals work on real types; they are rendered in
Salesforce's JSON formats (`2026-11-23T10:00:00.000+0000`) on the way out.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import ids
from .errors import ApiError, bad_request, json_parser_error
from .schema import FieldDef

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$")
# Deliberately simple: what Salesforce rejects in practice (no @, no domain, spaces).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A blob field (ContentVersion.VersionData): base64 text in JSON, bytes in the org.
BLOB_TYPE = "base64"


@dataclass(frozen=True)
class Blob:
    """A blob field's bytes: stored as such, shown as the URL that serves them (`blob_url`)."""

    data: bytes


def blob_url(version: str, object_name: str, record_id: str, field_name: str) -> str:
    return f"/services/data/v{version}/sobjects/{object_name}/{record_id}/{field_name}"


def parse_date(text: str) -> date | None:
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_datetime(text: str) -> datetime | None:
    match = _DATETIME.match(text)
    if not match:
        return None
    year, month, day, hour, minute = (int(match[i]) for i in range(1, 6))
    second = int(match[6] or 0)
    millis = int((match[7] or "0")[:3].ljust(3, "0"))
    zone = match[8]
    tz: timezone = UTC
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        moment = datetime(year, month, day, hour, minute, second, millis * 1000, tzinfo=tz)
    except ValueError:
        return None
    return moment.astimezone(UTC)


def format_datetime(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def now() -> datetime:
    """Current time at the millisecond precision Salesforce stores."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _json_token(raw: Any) -> str:
    if isinstance(raw, bool):
        return "VALUE_TRUE" if raw else "VALUE_FALSE"
    if isinstance(raw, int):
        return "VALUE_NUMBER_INT"
    if isinstance(raw, float):
        return "VALUE_NUMBER_FLOAT"
    if isinstance(raw, str):
        return "VALUE_STRING"
    if isinstance(raw, dict):
        return "START_OBJECT"
    if isinstance(raw, list):
        return "START_ARRAY"
    return "VALUE_NULL"


def _cannot_deserialize(kind: str, raw: Any) -> ApiError:
    shown = raw if not isinstance(raw, dict | list) else ""
    return json_parser_error(
        f"Cannot deserialize instance of {kind} from {_json_token(raw)} value {shown} "
        "or request may be missing a required field"
    )


def _is_number(raw: Any) -> bool:
    return isinstance(raw, int | float) and not isinstance(raw, bool)


def coerce(field_def: FieldDef, raw: Any) -> Any:
    """The stored value for a JSON value written to a field, or the error Salesforce gives."""
    kind = field_def.type
    if raw is None:
        if kind == "boolean":
            raise _cannot_deserialize("boolean", raw)
        return None
    if field_def.is_text:
        return _coerce_text(field_def, raw)
    if kind in {"reference", "id"}:
        return _coerce_id(field_def, raw)
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise _cannot_deserialize("boolean", raw)
        return raw
    if kind in {"currency", "double", "percent"}:
        return _coerce_number(field_def, raw)
    if kind == BLOB_TYPE:
        return _coerce_blob(field_def, raw)
    if kind == "int":
        if not _is_number(raw) or (isinstance(raw, float) and not raw.is_integer()):
            raise _cannot_deserialize("int", raw)
        return int(raw)
    if kind == "date":
        parsed = parse_date(raw) if isinstance(raw, str) else None
        if parsed is None:
            raise _cannot_deserialize("date", raw)
        return parsed
    if kind == "datetime":
        moment = parse_datetime(raw) if isinstance(raw, str) else None
        if moment is None:
            raise _cannot_deserialize("datetime", raw)
        return moment
    raise AssertionError(f"unhandled field type {kind}")


def _coerce_text(field_def: FieldDef, raw: Any) -> str | None:
    if _is_number(raw):
        # The REST API accepts JSON numbers for text fields and stores their text.
        raw = str(raw)
    if not isinstance(raw, str):
        raise _cannot_deserialize("String", raw)
    if raw == "":
        # Salesforce stores an empty string as null.
        return None
    if field_def.length and len(raw) > field_def.length:
        raise bad_request(
            "STRING_TOO_LONG",
            f"{field_def.label}: data value too large: {raw[:255]} (max length={field_def.length})",
            [field_def.name],
        )
    if field_def.type == "email" and not _EMAIL.match(raw):
        raise bad_request("INVALID_EMAIL_ADDRESS", f"{field_def.label}: invalid email address: {raw}", [field_def.name])
    if field_def.type == "picklist" and field_def.restricted_picklist and raw not in field_def.picklist_values:
        raise bad_request(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{field_def.label}: bad value for restricted picklist field: {raw}",
            [field_def.name],
        )
    return raw


def _coerce_blob(field_def: FieldDef, raw: Any) -> Blob:
    if not isinstance(raw, str):
        raise _cannot_deserialize("byte[]", raw)
    try:
        return Blob(base64.b64decode(raw.encode("ascii"), validate=True))
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise json_parser_error(f"Cannot deserialize instance of byte[] for {field_def.name}: not base64") from exc


def _coerce_id(field_def: FieldDef, raw: Any) -> str | None:
    if raw == "":
        return None
    normalized = ids.normalize(raw)
    if normalized is None:
        if not isinstance(raw, str):
            raise _cannot_deserialize("String", raw)
        raise bad_request("MALFORMED_ID", f"{field_def.label}: id value of incorrect type: {raw}", [field_def.name])
    return normalized


def _coerce_number(field_def: FieldDef, raw: Any) -> float:
    if not _is_number(raw):
        raise _cannot_deserialize("double", raw)
    scale = field_def.scale
    rounded = Decimal(str(raw)).quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    if field_def.precision and abs(rounded) >= Decimal(10) ** (field_def.precision - scale):
        raise bad_request(
            "NUMBER_OUTSIDE_VALID_RANGE",
            f"{field_def.label}: value outside of valid range on numeric field: {raw}",
            [field_def.name],
        )
    return float(rounded)


def index_key(field_def: FieldDef, value: Any) -> Any:
    """The key two values of a unique/external-id field collide on (text is case-insensitive
    unless the field says otherwise, like in Salesforce)."""
    if isinstance(value, str) and field_def.type not in {"id", "reference"} and not field_def.case_sensitive:
        return value.casefold()
    return value
