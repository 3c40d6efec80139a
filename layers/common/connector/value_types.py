"""Small validated value types and the constants every floor shares (one definition each)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Final, Literal, get_args
from urllib.parse import quote

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from connector.errors import PermanentError

# The four source families of DESIGN §2: each has its own routes and its own webhook secret.
SourceFamily = Literal["commerce", "chat", "social", "loyalty"]
SOURCE_FAMILIES: Final[tuple[SourceFamily, ...]] = get_args(SourceFamily)

# Every timestamp the connector stores or compares: UTC, microseconds, a Z. Two such strings
# compare like the moments they name (sync-state versions rely on that in DynamoDB conditions).
TIMESTAMP_FORMAT: Final = "%Y-%m-%dT%H:%M:%S.%fZ"

# C0 controls (NUL first), DEL and the C1 controls: no storefront, chat, inbox or loyalty platform
# puts one in a name or an address, and Salesforce, logs and CSV exports all mishandle them.
CONTROL_CHARACTERS: Final = r"\x00-\x1f\x7f-\x9f"
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
# The same rule as a JSON Schema pattern (ECMA-262, which the document's readers and schemathesis use;
# pydantic checks it with the same meaning): the document states what the models refuse.
NO_CONTROL_CHARACTERS: Final = f"^[^{CONTROL_CHARACTERS}]*$"

# "At least one character that is not whitespace": what `min_length=1` means once the models strip
# whitespace (str_strip_whitespace), stated as a pattern so the document says it (ECMA's \s, and
# U+0085, which pydantic strips too; a required text of blanks is refused).
NOT_BLANK: Final = "[^\\s\\u0085]"

# A pragmatic address check rather than pydantic's EmailStr: EmailStr pulls in email-validator and
# dnspython (~30 ms more cold start) to reject addresses the storefront has already accepted anyway.
# No control character either, so the pattern alone says everything the check refuses.
_ADDRESS_CHARACTER = f"[^@\\s{CONTROL_CHARACTERS}]"
_EMAIL = re.compile(f"^{_ADDRESS_CHARACTER}{{1,64}}@{_ADDRESS_CHARACTER}+\\.{_ADDRESS_CHARACTER}+$")


def no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("contains a control character")
    return value


def without_control_characters(value: str) -> str:
    """The text with its control characters removed: for what the connector builds from a platform's
    free text (a chat transcript's speaker) and would rather keep than refuse."""
    return _CONTROL.sub("", value)


def _email(value: str) -> str:
    no_control_characters(value)
    if not _EMAIL.match(value):
        raise ValueError("not a valid email address")
    return value.lower()


# The document states the rule the validator applies (the pattern), and the format.
Email = Annotated[
    str, Field(max_length=80, pattern=_EMAIL.pattern, json_schema_extra={"format": "email"}), AfterValidator(_email)
]
# A person's name or part of it (first, last, full, a display name): free text, one line, no control
# character. Each field gives its own max_length. The rule is a pattern, so the OpenAPI document
# states it and pydantic applies that very pattern (a 422 naming the field).
PersonName = Annotated[str, Field(pattern=NO_CONTROL_CHARACTERS)]

# The years a real business date falls in: a value outside them is a sender's bug (an epoch 0, a
# year typed 20266), and as occurred_at it would freeze or bypass the version check.
FIRST_YEAR: Final = 1900
LAST_YEAR: Final = 2200


def _within_years[D: (date, datetime)](value: D) -> D:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}")
    return value


def _rfc3339_text(value: object) -> object:
    # pydantic takes a number for seconds since the epoch; a storefront sends RFC 3339 text, and a
    # number here is a sender's bug (milliseconds read as seconds land in the year 58000).
    if isinstance(value, int | float):  # bool is an int
        raise ValueError("must be an RFC 3339 date-time string, not a number")
    return value


# The years above as the start of an RFC 3339 text: what the document states for every date and
# date-time (JSON Schema has no bound on a date; a test compares it with `_within_years` year by year).
WITHIN_YEARS: Final = r"^(19[0-9]{2}|2[01][0-9]{2}|2200)-"

# A moment a platform sends: RFC 3339 text with its offset, within the years above (a number is refused).
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339_text),
    AfterValidator(_within_years),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": WITHIN_YEARS}),
]
# A calendar date a platform sends (a birthday): within the years above.
CalendarDate = Annotated[
    date,
    BeforeValidator(_rfc3339_text),
    AfterValidator(_within_years),
    WithJsonSchema({"type": "string", "format": "date", "pattern": WITHIN_YEARS}),
]


def path_segment_safe(value: str) -> str:
    """A key that will be one segment of a request path (an upsert by external id, an OCAPI document):
    "." and ".." are dot segments that HTTP clients resolve away before sending (RFC 3986 §5.2.4;
    urllib3, under requests, does), so `/sobjects/Contact/Commerce_Customer_No__c/..` would reach
    `/sobjects/Contact`. Salesforce documents that values in that path have limits of their own
    (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_upsert_patch.htm)."""
    if not value.strip("."):
        raise ValueError("a key cannot be only dots")
    if "/" in value:
        raise ValueError("a key cannot contain '/'")
    return value


def quoted_path_segment(value: str, api: str) -> str:
    """`value` percent-encoded as one segment of a request path to `api`, or a PermanentError when
    it would change the path (defence in depth behind the models' key validation)."""
    try:
        path_segment_safe(value)
    except ValueError as exc:
        raise PermanentError(f"refused to build a {api} path from an unsafe key: {exc}") from None
    return quote(value, safe="")


def _json_integer(value: object) -> object:
    # JSON Schema's "integer" is any number whose fraction is zero (5.0 is one); a boolean or a
    # string of digits is not (pydantic's lax int would take "5", its strict int would refuse 5.0).
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "Input should be a JSON integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise PydanticCustomError("int_from_float", "Input should be a whole number")
        return int(value)
    return value


# An integer as JSON Schema's "integer" means it, which the document says (a count, points, an id).
WholeNumber = Annotated[int, BeforeValidator(_json_integer)]


# A storefront key (customer number, order number, customer list or site id): an external-id value.
# Its pattern says "not only dots" too (at least one character that is not a dot), so the document
# states all that path_segment_safe refuses; path_segment_safe stays as the defence every path builder shares.
ExternalKey = Annotated[
    str,
    Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._\-]*[A-Za-z0-9_\-][A-Za-z0-9._\-]*$"),
    AfterValidator(path_segment_safe),
]
# A Salesforce record Id, 15 (case-sensitive) or 18 characters.
SalesforceId = Annotated[str, Field(pattern=r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")]
