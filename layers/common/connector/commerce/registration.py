"""Use cases A and B: a storefront registration or profile update becomes a Contact, upserted by
customer number (one API call when nothing else is needed)."""

from __future__ import annotations

from connector.commerce.contacts import CUSTOMER_NO_FIELD, contact_fields
from connector.commerce.models import CustomerRegistered, CustomerUpdated
from connector.envelope import Outcome
from connector.services import Services


def sync_customer(event: CustomerRegistered | CustomerUpdated, services: Services) -> Outcome:
    data = event.data
    fields = contact_fields(data, services.settings.config.commerce, sync_status="Synchronized")
    result = services.salesforce.upsert("Contact", CUSTOMER_NO_FIELD, data.customer.customer_no, fields)
    services.identities.put("contact", data.customer.customer_no, result.id)
    return Outcome(ids={"contact_id": result.id}, detail={"created": result.created})
