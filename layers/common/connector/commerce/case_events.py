"""The storefront's Contact Us events (the contact_us function's route), in OCAPI's own field names."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from connector.commerce.documents import StorefrontDocument, StorefrontPerson
from connector.envelope import Envelope
from connector.value_types import NOT_BLANK, ExternalKey, SalesforceId


class ContactUsForm(StorefrontPerson):
    subject: str = Field(min_length=1, max_length=255, pattern=NOT_BLANK)
    description: str | None = Field(default=None, max_length=32000)
    topic: str | None = Field(default=None, max_length=80)
    phone: str | None = Field(default=None, max_length=40)
    order_no: str | None = Field(default=None, max_length=80)
    customer_no: str | None = Field(default=None, max_length=80)
    salesforce_contact_id: SalesforceId | None = None


class ContactUsData(StorefrontDocument):
    site_id: ExternalKey
    case: ContactUsForm


class ContactUsSubmitted(Envelope, entity="case", key="event_id"):
    """Use case F: the storefront's Contact Us form becomes a Case (each submission its own)."""

    event_type: Literal["contact_us.submitted"]
    data: ContactUsData
