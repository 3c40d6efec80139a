"""The storefront's event bodies, in OCAPI's own field names."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from connector.envelope import Envelope
from connector.state import EntityRef
from connector.types import Email

Key = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._\-]+$")


class _Doc(BaseModel):
    # The storefront may send more than we read: extra fields are accepted and ignored.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class CustomerAddress(_Doc):
    address_id: str | None = None
    address1: str | None = Field(default=None, max_length=255)
    address2: str | None = Field(default=None, max_length=255)
    city: str | None = Field(default=None, max_length=40)
    state_code: str | None = Field(default=None, max_length=80)
    postal_code: str | None = Field(default=None, max_length=20)
    country_code: str | None = Field(default=None, max_length=80)
    phone: str | None = Field(default=None, max_length=40)
    preferred: bool = False


class Customer(_Doc):
    """OCAPI `customer` document (the fields the connector maps)."""

    customer_no: str = Key
    customer_id: str | None = Field(default=None, max_length=80)
    email: Email
    first_name: str | None = Field(default=None, max_length=40)
    last_name: str | None = Field(default=None, max_length=80)
    salutation: str | None = Field(default=None, max_length=40)
    phone_home: str | None = Field(default=None, max_length=40)
    phone_mobile: str | None = Field(default=None, max_length=40)
    phone_business: str | None = Field(default=None, max_length=40)
    birthday: date | None = None
    gender: int | None = None
    preferred_locale: str | None = None
    addresses: list[CustomerAddress] = Field(default_factory=list)

    @property
    def is_minimal(self) -> bool:
        """Only the keys: the real-time mode's 'draft' push, to be completed from OCAPI."""
        return not (self.last_name or self.first_name)

    @property
    def preferred_address(self) -> CustomerAddress | None:
        return next((a for a in self.addresses if a.preferred), self.addresses[0] if self.addresses else None)


class CustomerData(_Doc):
    site_id: str = Key
    customer_list_id: str = Key
    customer: Customer
    salesforce_contact_id: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")


class _CustomerEvent(Envelope):
    data: CustomerData

    def entity(self) -> EntityRef:
        return EntityRef("commerce", "customer", self.data.customer.customer_no)


class CustomerRegistered(_CustomerEvent):
    event_type: Literal["customer.registered"]


class CustomerUpdated(_CustomerEvent):
    event_type: Literal["customer.updated"]
