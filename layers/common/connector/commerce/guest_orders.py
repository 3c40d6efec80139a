"""A guest's orders follow the guest's conversion: an order placed before its customer registered is
linked (by the order workflow, on its email) to the Guest Contact made for it, flagged Guest. When
that very Contact becomes the registered customer, its orders still flagged Guest are re-flagged
Registered, in the conversion's own composite call when they fit in it (allOrNone: the Contact and
its orders change together, or a retry converts it again).

The race, and why no interleaving leaves an order of a registered customer Guest. A conversion reads
the guest's orders, then converts; an order of that customer reads whether the customer is
registered, then writes. Were they free to interleave, an order could read "not registered" before
the conversion and write "Guest" after the conversion's read of the orders: neither would see the
other (the soak found it). So an order that would be written Guest while its header or OCAPI names
the customer's number holds that customer's own entity claim (`registration_excluded`), the very
claim the pipeline holds around every registration event of that customer, real-time or from the
queue, for the whole workflow (read, composite, identity map). The two are then serial:
- the order first: it is written Guest and its identity entries are remembered before it lets go;
  the registration then finds the Guest Contact, reads the order among the guest's orders and
  re-flags it in its composite;
- the registration first: its composite made the Contact Registered, with the customer number,
  before it let go, so the order's look-up of that number (the identity map, else a SOQL query that
  sees the committed Contact, even if the registration failed after its composite) finds it and the
  order is written Registered;
- one that finds the claim held fails with EntityBusy and is retried from the queue (its waits are no
  attempts spent), then runs as one of the two cases above; every retry takes the claim anew and
  reads again under it, so a retry of a partly done conversion (the composite done, a later step
  failed) and an order in between are serial too. A killed holder's claim ends with its lease.
An order that names no customer number (a guest checkout) takes no claim: racing a conversion, it
ends either re-flagged (ordered before it) or Guest, as a guest checkout by a registered customer's
email is (ordered after it); both are outcomes of some order of the two events.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from connector.crm import IdentityKind
from connector.envelope import EntityRef
from connector.errors import EntityBusy
from connector.salesforce.plan import WritePlan
from connector.salesforce.soql import soql_quote
from connector.services import Services

ORDER_NO_FIELD = "Commerce_Order_No__c"
REGISTERED_ORDER = {"Customer_Type__c": "Registered", "Commerce_Sync_Status__c": "Synchronized"}
# A composite call takes 25 subrequests; the conversion's own steps (the list's Account, the Contact,
# a person account's read) take at most 3, so 20 orders always fit beside them.
ORDERS_IN_COMPOSITE = 20
_PAGE = 100  # Contact Ids per query: its WHERE stays far below SOQL's 100,000-character limit
# The claim kind the pipeline holds per entity around each sync event's workflow
# (connector/pipeline/processing.py), and the customer entity that registration events are about.
ENTITY_CLAIM = "entity"
CUSTOMER_ENTITY = ("commerce", "customer")


@contextmanager
def registration_excluded(services: Services, customer_no: str | None, owner: str) -> Iterator[None]:
    """Hold the customer's entity claim for the block, so that no registration of that customer runs
    meanwhile (see the module's docstring); nothing to hold without a customer number. Not
    obtained: EntityBusy (the order is retried later, never dead-lettered for waiting)."""
    if not customer_no:
        yield
        return
    key = EntityRef(*CUSTOMER_ENTITY, customer_no).pk
    if not services.claims.acquire(ENTITY_CLAIM, key, owner):
        raise EntityBusy("the customer's registration is being synced; retried later")
    try:
        yield
    finally:
        services.claims.release(ENTITY_CLAIM, key, owner)


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
