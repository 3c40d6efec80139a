"""Backfilled orders: a site's orders of a date range, page by page, become Order headers upserted by
`Commerce_Order_No__c` in Bulk API jobs, linked as a live `order.created` links them
(connector.commerce.orders): to the registered customer's Contact, else to the Contact that has the
order's email, else through the live workflow itself (a new Guest Contact, one REST write each)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from connector.commerce.backfill.batch import (
    JobResults,
    Outcomes,
    Prepared,
    Settled,
    backfill_version,
    commerce_secret,
    document_key,
    entity_claimed,
    event_id_of,
    give_back_to_live_events,
    newer_than,
    record_states,
    refusal_text,
    settle_live_write,
)
from connector.commerce.contacts import fingerprint
from connector.commerce.models import OrderChanged
from connector.commerce.orders import ORDER_NO_FIELD, Link, changeable_fields, header_fields, sync_order
from connector.commerce.registration import customer_list_accounts
from connector.crm import Identity, IdentityKind
from connector.envelope import EntityRef
from connector.services import Services
from connector.state import SyncStatus
from connector.state.backfill_runs import BackfillRun

SOBJECT = "Order"
EXTERNAL_ID = ORDER_NO_FIELD
ENTITY = "order"


def read_page(services: Services, run: BackfillRun, part: int, after: str | None, count: int) -> tuple[list[Any], int]:
    """(documents, total) of one page of the run's orders: those numbered after `after`."""
    page = services.commerce.order_search(run.site_id, str(run.created_from), str(run.created_to), after, count)
    return [hit["data"] for hit in page.get("hits") or []], int(page.get("total") or 0)


def key_of(document: Any) -> str | None:
    """The key the storefront's pages are sorted and continued by."""
    return str(document["order_no"]) if isinstance(document, dict) and document.get("order_no") else None


def _as_event(run: BackfillRun, doc: dict[str, Any]) -> OrderChanged:
    """The order as the live workflow sees an order.created of it (the storefront's last change
    standing for the event's instant)."""
    return OrderChanged.model_validate(
        {
            "event_id": event_id_of(run),
            "event_type": "order.created",
            "occurred_at": doc.get("last_modified") or doc.get("creation_date"),
            "source": "commerce",
            "data": {"site_id": run.site_id, "order": doc},
        }
    )


def prepare(services: Services, run: BackfillRun, part: int, documents: list[Any]) -> Prepared:
    prepared = Prepared()
    prepared.outcomes.read = len(documents)
    events: list[tuple[OrderChanged, str]] = []
    settled: list[Settled] = []
    for doc in documents:
        version = backfill_version(doc.get("last_modified"), run)
        try:
            events.append((_as_event(run, doc), version))
        except ValidationError as exc:
            at_fault = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
            key = document_key(doc, "order_no", commerce_secret(services))
            settled.append((key, version, SyncStatus.FAILED, f"invalid storefront document: {at_fault}", {}))
            prepared.outcomes.failed += 1
    numbers = [e.data.order.order_no for e, _ in events]
    states = services.sync_state.get_many([EntityRef("commerce", ENTITY, no) for no in numbers])
    known = services.identities.entries(IdentityKind.ORDER, numbers)
    infos = [(e.data.order.customer_info.model_dump() if e.data.order.customer_info else {}) for e, _ in events]
    registered = services.identities.entries(
        IdentityKind.CONTACT, [str(i["customer_no"]) for i in infos if i.get("customer_no")]
    )
    by_email = services.identities.entries(
        IdentityKind.CONTACT_EMAIL, [str(i["email"]) for i in infos if i.get("email")]
    )
    site_list = services.settings.config.commerce.customer_list_of(run.site_id)
    site_account: str | None = None
    live: list[tuple[OrderChanged, str]] = []
    for (event, version), info in zip(events, infos, strict=True):
        order_no = event.data.order.order_no
        if newer_than(states, EntityRef("commerce", ENTITY, order_no), version):
            prepared.outcomes.skipped += 1
            continue
        entry = known.get(order_no)
        link = _link(entry, info, registered, by_email)
        if link is not None and not link.account_id:
            if site_account is None:
                site_account = customer_list_accounts([site_list], services).get(site_list, "")
            link = Link(link.contact_id, site_account, link.customer_type, link.sync_status)
        if link is None or not link.account_id:
            live.append((event, version))  # a new guest: the live workflow creates the Contact
            continue
        fields = header_fields(event) | {
            "AccountId": link.account_id,
            "Customer_Type__c": link.customer_type,
            "Commerce_Sync_Status__c": link.sync_status,
            "Contact__c": link.contact_id,
        }
        digest = fingerprint(fields)
        if entry is not None and entry.fingerprint == digest:
            prepared.outcomes.skipped += 1
            continue
        row = {ORDER_NO_FIELD: order_no, **changeable_fields(fields, entry)}
        prepared.rows.append(row)
        # The link is in the row's own columns, read back from the results; only an AccountId the
        # row leaves out (a known order keeps its Account) is kept beside the version and digest.
        prepared.manifest[order_no] = [version, digest, "" if "AccountId" in row else link.account_id]
    for event, version in live:
        order_no = event.data.order.order_no
        try:
            with entity_claimed(services, ENTITY, order_no, run):
                outcome = sync_order(event, services)
        except Exception as exc:  # a refusal is this order's own (the chunk goes on); a blip brings it back
            settled.append((order_no, version, SyncStatus.FAILED, settle_live_write(exc), {}))
            prepared.outcomes.failed += 1
            continue
        settled.append((order_no, version, SyncStatus.SYNCED, None, dict(outcome.ids)))
        prepared.outcomes.written += 1
    record_states(services, run, ENTITY, settled)
    return prepared


def _link(
    entry: Identity | None,
    info: dict[str, Any],
    registered: dict[str, Identity],
    by_email: dict[str, Identity],
) -> Link | None:
    """Who the order belongs to, by the live rules, from the identity map only (None: unknown)."""
    if entry is not None and entry.contact_id and entry.sync_status != "Draft":
        # Already linked: the link stays (connector.commerce.orders.sync_order).
        return Link(entry.contact_id, entry.account_id or "", entry.customer_type or "", entry.sync_status or "")
    customer_no = info.get("customer_no")
    contact = registered.get(str(customer_no)) if customer_no else None
    if contact is not None:
        return Link(contact.salesforce_id, contact.account_id or "", "Registered", "Synchronized")
    email = info.get("email")
    contact = by_email.get(str(email)) if email else None
    if contact is None:
        return None
    if customer_no and contact.customer_type == "Registered":
        return Link(contact.salesforce_id, contact.account_id or "", "Registered", "Synchronized")
    return Link(contact.salesforce_id, contact.account_id or "", "Guest", "Created")


def record_results(
    services: Services, run: BackfillRun, manifest: dict[str, list[str]], results: JobResults
) -> Outcomes:
    outcomes = Outcomes()
    settled: list[Settled] = []
    orders: dict[str, Identity] = {}
    for row in results.successful:
        no = row[ORDER_NO_FIELD]
        version, digest, kept_account = manifest[no][:3]
        order_id, contact_id = row["sf__Id"], row.get("Contact__c") or ""
        account_id = row.get("AccountId") or kept_account
        customer_type, sync_status = row.get("Customer_Type__c"), row.get("Commerce_Sync_Status__c")
        orders[no] = Identity(
            order_id,
            contact_id=contact_id or None,
            account_id=account_id,
            customer_type=customer_type,
            sync_status=sync_status,
            fingerprint=digest,
        )
        ids = {"order_id": order_id, "contact_id": contact_id, "account_id": account_id}
        settled.append((no, version, SyncStatus.SYNCED, None, {k: v for k, v in ids.items() if v}))
        outcomes.written += 1
    for row in results.failed:
        no = row[ORDER_NO_FIELD]
        settled.append((no, manifest[no][0], SyncStatus.FAILED, refusal_text(row), {}))
        outcomes.failed += 1
    superseded = record_states(services, run, ENTITY, settled)
    for no in (no for no in superseded if no in orders):
        orders[no] = orders[no].but(fingerprint=None)
    services.identities.put_many(IdentityKind.ORDER, orders)
    give_back_to_live_events(services, ENTITY, superseded)
    return outcomes
