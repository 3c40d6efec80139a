"""Small validated value types and the constants every floor shares (one definition each)."""

from __future__ import annotations

import re
from typing import Annotated, Final, Literal, get_args

from pydantic import AfterValidator, Field

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


Email = Annotated[str, Field(max_length=80), AfterValidator(_email)]
# A Salesforce record Id, 15 (case-sensitive) or 18 characters.
SalesforceId = Annotated[str, Field(pattern=r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")]
