"""What every loyalty workflow does first: the customer's platform id from the key the action names."""

from __future__ import annotations

from connector.errors import NotFoundError
from connector.loyalty.models import CustomerRef
from connector.services import Services


def customer_id_of(services: Services, customer: CustomerRef) -> str:
    """The platform id of the customer (422 when the configured key is missing, 404 when unknown)."""
    key_field, _ = customer.key(services.settings.config.loyalty.search_by_external_id)
    found = services.loyalty.find_user(customer)
    if found is None:
        raise NotFoundError(["data", "customer", key_field], "the loyalty platform has no such customer")
    return str(found["id"])
