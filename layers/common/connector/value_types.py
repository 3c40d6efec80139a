"""Small validated value types shared by the payload models."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

# A pragmatic address check rather than pydantic's EmailStr: EmailStr pulls in email-validator and
# dnspython (~30 ms more cold start) to reject addresses the storefront has already accepted anyway.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("not a valid email address")
    return value.lower()


Email = Annotated[str, Field(max_length=80), AfterValidator(_email)]
SalesforceId = Annotated[str, Field(pattern=r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")]
