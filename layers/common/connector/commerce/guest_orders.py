"""A guest's orders follow the guest's conversion: an order placed before its customer registered is
linked (by the order workflow, on its email) to the Guest Contact made for it, flagged Guest. When
that very Contact becomes the registered customer, its orders still flagged Guest are re-flagged
Registered, in the conversion's own composite call when they fit in it (allOrNone: the Contact and
its orders change together, or a retry converts it again)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connector.crm import IdentityKind
from connector.salesforce.plan import WritePlan
from connector.salesforce.soql import soql_quote
from connector.services import Services

ORDER_NO_FIELD = "Commerce_Order_No__c"
REGISTERED_ORDER = {"Customer_Type__c": "Registered", "Commerce_Sync_Status__c": "Synchronized"}
# A composite call takes 25 subrequests; the conversion's own steps (the list's Account, the Contact,
# a person account's read) take at most 3, so 20 orders always fit beside them.
ORDERS_IN_COMPOSITE = 20
_PAGE = 100  # Contact Ids per query: its WHERE stays far below SOQL's 100,000-character limit


def guest_orders(services: Services, contact_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Per Contact Id, its Orders still flagged Guest (one query per 100 Contacts)."""
    found: dict[str, list[dict[str, Any]]] = {}
    unique = list(dict.fromkeys(contact_ids))
    for start in range(0, len(unique), _PAGE):
        ids = ", ".join(soql_quote(i) for i in unique[start : start + _PAGE])
        soql = (
            f"SELECT Id, Contact__c, {ORDER_NO_FIELD} FROM Order "
            f"WHERE Contact__c IN ({ids}) AND Customer_Type__c = 'Guest'"
        )
        for record in services.salesforce.query(soql):
            found.setdefault(str(record["Contact__c"]), []).append(record)
    return found


def plan_reflag(plan: WritePlan, orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the re-flag of the first orders to the conversion's plan; the ones that do not fit."""
    for n, order in enumerate(orders[:ORDERS_IN_COMPOSITE]):
        plan.update(f"order{n}", "Order", str(order["Id"]), dict(REGISTERED_ORDER))
    return orders[ORDERS_IN_COMPOSITE:]


def reflag(services: Services, orders: list[dict[str, Any]]) -> None:
    """Re-flag orders in collection calls (200 a call); raises if Salesforce refuses one."""
    for start in range(0, len(orders), 200):
        records = [{"Id": str(o["Id"]), **REGISTERED_ORDER} for o in orders[start : start + 200]]
        for result in services.salesforce.update_many("Order", records, all_or_none=True):
            if not result.success:
                raise result.error(operation="collections")


def remember_reflagged(services: Services, orders: list[dict[str, Any]]) -> None:
    """The identity map says so too: a later update of the order keeps it registered."""
    for order in orders:
        order_no = order.get(ORDER_NO_FIELD)
        known = services.identities.entry(IdentityKind.ORDER, str(order_no)) if order_no else None
        if known is not None:
            changed = known.but(customer_type="Registered", sync_status="Synchronized", fingerprint=None)
            services.identities.put(IdentityKind.ORDER, str(order_no), changed)
