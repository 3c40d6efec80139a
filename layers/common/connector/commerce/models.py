"""The storefront's customer events, in OCAPI's own field names.

One module per route's events (orders: `order_events`, Contact Us: `case_events`; what every
storefront document shares: `documents`): a function imports the models of the routes it serves, and
builds no other route's classes at its cold start."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from connector.commerce.documents import StorefrontDocument, StorefrontPerson
from connector.envelope import Envelope
from connector.value_types import CalendarDate, Email, ExternalKey, SalesforceId


class CustomerAddress(StorefrontDocument):
    address_id: str | None = None
    address1: str | None = Field(default=None, max_length=255)
    address2: str | None = Field(default=None, max_length=255)
    city: str | None = Field(default=None, max_length=40)
    state_code: str | None = Field(default=None, max_length=80)
    postal_code: str | None = Field(default=None, max_length=20)
    country_code: str | None = Field(default=None, max_length=80)
    phone: str | None = Field(default=None, max_length=40)
    preferred: bool = False


class Customer(StorefrontPerson):
    """OCAPI `customer` document (the fields the connector maps)."""

    customer_no: ExternalKey
    customer_id: str | None = Field(default=None, max_length=80)
    salutation: str | None = Field(default=None, max_length=40)
    phone_home: str | None = Field(default=None, max_length=40)
    phone_mobile: str | None = Field(default=None, max_length=40)
    phone_business: str | None = Field(default=None, max_length=40)
    birthday: CalendarDate | None = None
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


class CustomerData(StorefrontDocument):
    site_id: ExternalKey
    customer_list_id: ExternalKey
    customer: Customer
    salesforce_contact_id: SalesforceId | None = None


class CustomerChanged(Envelope, entity="customer", key="data.customer.customer_no"):
    """Use cases A and B: a registration, or an update of a registered customer's profile."""

    event_type: Literal["customer.registered", "customer.updated"]
    data: CustomerData


class OptInData(StorefrontDocument):
    site_id: ExternalKey
    customer_list_id: ExternalKey
    email: Email
    opted_in: bool = True


class CustomerOptedIn(Envelope, entity="opt_in", key="data.email", personal=True):
    """Use case C: newsletter/marketing opt-in; little more than an email is known."""

    event_type: Literal["customer.opted_in"]
    data: OptInData
