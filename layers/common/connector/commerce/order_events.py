"""The storefront's order events (the order_header function's route), in OCAPI's own field names."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, WithJsonSchema

from connector.commerce.documents import StorefrontDocument
from connector.envelope import Envelope
from connector.value_types import NOT_BLANK, Email, ExternalKey, Instant, PersonName, SalesforceId


class OrderCustomerInfo(StorefrontDocument):
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


class OrderHeader(StorefrontDocument):
    """The order header the storefront pushes (OCAPI order field names); details stay in OCAPI."""

    order_no: ExternalKey
    status: str = Field(min_length=1, max_length=40, pattern=NOT_BLANK)
    order_total: Amount
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    creation_date: Instant
    salesforce_contact_id: SalesforceId | None = None
    customer_info: OrderCustomerInfo | None = None


class OrderData(StorefrontDocument):
    site_id: ExternalKey
    order: OrderHeader


class OrderChanged(Envelope, entity="order", key="data.order.order_no"):
    """Use cases D and E: an order header, when the order is placed and when its status changes."""

    event_type: Literal["order.created", "order.updated"]
    data: OrderData
