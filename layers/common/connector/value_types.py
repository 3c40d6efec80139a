"""Small validated value types and the constants every floor shares (one definition each)."""

from __future__ import annotations

import re
from typing import Annotated, Final, Literal, get_args
from urllib.parse import quote

from pydantic import AfterValidator, Field

from connector.errors import PermanentError

# The four source families of DESIGN §2: each has its own routes and its own webhook secret.
SourceFamily = Literal["commerce", "chat", "social", "loyalty"]
SOURCE_FAMILIES: Final[tuple[SourceFamily, ...]] = get_args(SourceFamily)

# Every timestamp the connector stores or compares: UTC, microseconds, a Z. Two such strings
# compare like the moments they name (sync-state versions rely on that in DynamoDB conditions).
TIMESTAMP_FORMAT: Final = "%Y-%m-%dT%H:%M:%S.%fZ"

# A pragmatic address check rather than pydantic's EmailStr: EmailStr pulls in email-validator and
# dnspython (~30 ms more cold start) to reject addresses the storefront has already accepted anyway.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("not a valid email address")
    return value.lower()


# The document states the rule the validator applies (the pattern), and the format.
Email = Annotated[
    str, Field(max_length=80, pattern=_EMAIL.pattern, json_schema_extra={"format": "email"}), AfterValidator(_email)
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


# A storefront key (customer number, order number, customer list or site id): an external-id value.
ExternalKey = Annotated[
    str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._\-]+$"), AfterValidator(path_segment_safe)
]
# A Salesforce record Id, 15 (case-sensitive) or 18 characters.
SalesforceId = Annotated[str, Field(pattern=r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")]
