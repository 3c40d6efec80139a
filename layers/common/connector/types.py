"""Small validated value types shared by the payload models."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

# A pragmatic address check rather than pydantic's EmailStr: EmailStr pulls in email-validator and
# dnspython (~30 ms more cold start) to reject addresses the storefront has already accepted anyway.
_EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"

Email = Annotated[str, Field(max_length=80, pattern=_EMAIL_PATTERN), AfterValidator(str.lower)]
SalesforceId = Annotated[str, Field(pattern=r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")]
