"""The storefront's event bodies, in OCAPI's own field names."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from connector.envelope import Envelope
from connector.value_types import NOT_BLANK, CalendarDate, Email, ExternalKey, Instant, PersonName, SalesforceId


class _Doc(BaseModel):
    # The storefront may send more than we read: extra fields are accepted and ignored. Built with
    # the event that holds it (see Envelope), or on first use.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, defer_build=True)


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


class _Person(_Doc):
    """Who a storefront document is about, in OCAPI's names (a customer, a Contact Us sender)."""

    email: Email
    first_name: PersonName | None = Field(default=None, max_length=40)
    last_name: PersonName | None = Field(default=None, max_length=80)


class Customer(_Person):
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


class CustomerData(_Doc):
    site_id: ExternalKey
    customer_list_id: ExternalKey
    customer: Customer
    salesforce_contact_id: SalesforceId | None = None


class CustomerChanged(Envelope, entity="customer", key="data.customer.customer_no"):
    """Use cases A and B: a registration, or an update of a registered customer's profile."""

    event_type: Literal["customer.registered", "customer.updated"]
    data: CustomerData


class OptInData(_Doc):
    site_id: ExternalKey
    customer_list_id: ExternalKey
    email: Email
    opted_in: bool = True


class CustomerOptedIn(Envelope, entity="opt_in", key="data.email", personal=True):
    """Use case C: newsletter/marketing opt-in; little more than an email is known."""

    event_type: Literal["customer.opted_in"]
    data: OptInData


class OrderCustomerInfo(_Doc):
    customer_no: str | None = Field(default=None, max_length=80)
    customer_id: str | None = None
    email: Email | None = None
    customer_name: PersonName | None = Field(default=None, max_length=121)


# An amount as the storefront sends it: a JSON number, at most 2 decimals and 16 digits (a Currency
# field of Salesforce: 18 digits, 2 of them decimals). pydantic would publish an `anyOf` of a number
# with no decimal rule and a string whose pattern stops short of the end (so "1x" is schema-valid):
# the document states the rule the model applies, as the storefront sends it.
AMOUNT_DIGITS, AMOUNT_PLACES = 16, 2
Amount = Annotated[
    Decimal,
    Field(ge=0, max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES),
    WithJsonSchema(
        {
            "type": "number",
            "minimum": 0,
            "maximum": float(Decimal(10) ** (AMOUNT_DIGITS - AMOUNT_PLACES) - Decimal(10) ** -AMOUNT_PLACES),
            "multipleOf": float(Decimal(10) ** -AMOUNT_PLACES),
        }
    ),
]


class OrderHeader(_Doc):
    """The order header the storefront pushes (OCAPI order field names); details stay in OCAPI."""

    order_no: ExternalKey
    status: str = Field(min_length=1, max_length=40, pattern=NOT_BLANK)
    order_total: Amount
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    creation_date: Instant
    salesforce_contact_id: SalesforceId | None = None
    customer_info: OrderCustomerInfo | None = None


class OrderData(_Doc):
    site_id: ExternalKey
    order: OrderHeader


class OrderChanged(Envelope, entity="order", key="data.order.order_no"):
    """Use cases D and E: an order header, when the order is placed and when its status changes."""

    event_type: Literal["order.created", "order.updated"]
    data: OrderData


class ContactUsForm(_Person):
    subject: str = Field(min_length=1, max_length=255, pattern=NOT_BLANK)
    description: str | None = Field(default=None, max_length=32000)
    topic: str | None = Field(default=None, max_length=80)
    phone: str | None = Field(default=None, max_length=40)
    order_no: str | None = Field(default=None, max_length=80)
    customer_no: str | None = Field(default=None, max_length=80)
    salesforce_contact_id: SalesforceId | None = None


class ContactUsData(_Doc):
    site_id: ExternalKey
    case: ContactUsForm


class ContactUsSubmitted(Envelope, entity="case", key="event_id"):
    """Use case F: the storefront's Contact Us form becomes a Case (each submission its own)."""

    event_type: Literal["contact_us.submitted"]
    data: ContactUsData
