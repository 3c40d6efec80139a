"""GET /v1/commerce/orders/{order_no}: the order's details for an agent, pulled from OCAPI on demand
(the CRM is not the order master), with its Salesforce linkage."""

from __future__ import annotations

import re

from connector.pipeline.responses import Answer, errors
from connector.services import Services
from connector.state import EntityRef

_ORDER_NO = re.compile(r"^[A-Za-z0-9._\-]{1,80}$")


def order_details(services: Services, order_no: str) -> Answer:
    if not _ORDER_NO.match(order_no):
        return errors(422, ["path", "order_no"], "not a valid order number")
    site_id = services.settings.config.commerce.default_site_id
    document = services.commerce.order(site_id, order_no)
    if document is None:
        return errors(404, ["path", "order_no"], "the storefront has no order with this number")
    known = services.identities.entry("order", order_no)
    state = services.sync_state.get(EntityRef("commerce", "order", order_no))
    salesforce = {
        "order_id": known.salesforce_id if known else None,
        "contact_id": known.attrs.get("contact_id") if known else None,
        "account_id": known.attrs.get("account_id") if known else None,
        "customer_type": known.attrs.get("type") if known else None,
        "sync_status": state.status.value if state else None,
    }
    return Answer(200, {"order_no": order_no, "order": document, "salesforce": salesforce})
