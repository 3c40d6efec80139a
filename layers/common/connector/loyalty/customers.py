"""The customer's loyalty profile, enrolment, update, sync and merge (engineer C replaces this
placeholder): until then no customer command is declared and every profile read is a 404."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from connector.errors import NotFoundError
from connector.services import Services


class LoyaltyProfile(BaseModel):
    """The profile a read answers (C's model replaces it)."""


# The customer commands' handlers (CommandHandler), declared on POST /v1/loyalty/actions.
CUSTOMER_HANDLERS: tuple[Any, ...] = ()


def read_profile(services: Services, key: str, salesforce_id: str | None = None) -> LoyaltyProfile:
    raise NotFoundError(["key"], "the customer's loyalty profile is not available yet")
