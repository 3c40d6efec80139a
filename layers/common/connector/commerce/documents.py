"""What every storefront document shares, in OCAPI's own field names: the base of each route's event
models (connector.commerce.models, order_events, case_events)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from connector.value_types import Email, PersonName


class StorefrontDocument(BaseModel):
    # The storefront may send more than we read: extra fields are accepted and ignored. Built with
    # the event that holds it (see Envelope), or on first use.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, defer_build=True)


class StorefrontPerson(StorefrontDocument):
    """Who a storefront document is about, in OCAPI's names (a customer, a Contact Us sender)."""

    email: Email
    first_name: PersonName | None = Field(default=None, max_length=40)
    last_name: PersonName | None = Field(default=None, max_length=80)
