"""GET /v1/commerce/orders/{order_no}: the order's details for an agent, pulled from OCAPI on demand
(the CRM is not the order master), with its Salesforce linkage."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from connector.crm.identity import IdentityKind
from connector.envelope import EntityRef
from connector.errors import MappingError, NotFoundError
from connector.services import Services

_ORDER_NO = re.compile(r"^[A-Za-z0-9._\-]{1,80}$")


class OrderLinkage(BaseModel):
    """Where the order stands in Salesforce (None where the connector has not synced it)."""

    order_id: str | None
    contact_id: str | None
    account_id: str | None
    customer_type: str | None
    sync_status: str | None


class OrderDetails(BaseModel):
    order_no: str
    order: dict[str, Any]  # the OCAPI order document as the storefront returns it
    salesforce: OrderLinkage


def order_details(services: Services, order_no: str) -> OrderDetails:
    if not _ORDER_NO.match(order_no):
        raise MappingError(["path", "order_no"], "not a valid order number")
    site_id = services.settings.config.commerce.default_site_id
    document = services.commerce.order(site_id, order_no)
    if document is None:
        raise NotFoundError(["path", "order_no"], "the storefront has no order with this number")
    known = services.identities.entry(IdentityKind.ORDER, order_no)
    state = services.sync_state.get(EntityRef("commerce", "order", order_no))
    return OrderDetails(
        order_no=order_no,
        order=document,
        salesforce=OrderLinkage(
            order_id=known.salesforce_id if known else None,
            contact_id=known.contact_id if known else None,
            account_id=known.account_id if known else None,
            customer_type=known.customer_type if known else None,
            sync_status=state.status.value if state else None,
        ),
    )
