"""Backfilled orders: a site's orders of a date range, page by page, become Order headers upserted by
`Commerce_Order_No__c` in Bulk API jobs, linked as a live `order.created` links them
(connector.commerce.orders): to the registered customer's Contact, else to the Contact that has the
order's email, else to a new Guest Contact, made with the chunk's other new guests in one Bulk
insert job (connector.commerce.backfill.guests), a few API calls a page rather than a live workflow's
calls per guest."""

from __future__ import annotations

import uuid
from collections.abc import Callable
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
from connector.commerce.backfill.guests import GuestContacts, claimed, find_contacts
from connector.commerce.contacts import fingerprint
from connector.commerce.customers import person_accounts
from connector.commerce.order_events import OrderChanged
from connector.commerce.orders import (
    ORDER_NO_FIELD,
    Link,
    changeable_fields,
    header_fields,
    split_name,
    sync_order,
)
from connector.commerce.registration import customer_list_accounts
from connector.crm import Identity, IdentityKind
from connector.envelope import EntityRef
from connector.services import Services
from connector.state.backfill_runs import BackfillRun
from connector.state.sync_state import SyncStatus

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


def prepare(
    services: Services, run: BackfillRun, part: int, documents: list[Any], guests: GuestContacts | None = None
) -> Prepared:
    """The chunk's rows: each order linked by the live rules (connector.commerce.backfill.guests),
    skipped when the sync state holds a newer version or Salesforce holds this very header."""
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
    infos = [_info(e) for e, _ in events]
    registered = services.identities.entries(
        IdentityKind.CONTACT, [str(i["customer_no"]) for i in infos if i.get("customer_no")]
    )
    by_email = services.identities.entries(
        IdentityKind.CONTACT_EMAIL, [str(i["email"]) for i in infos if i.get("email")]
    )
    site_list = services.settings.config.commerce.customer_list_of(run.site_id)
    accounts: dict[str, str] = {}

    def site_account() -> str:
        if site_list not in accounts:
            accounts[site_list] = customer_list_accounts([site_list], services).get(site_list, "")
        return accounts[site_list]

    unlinked: list[tuple[OrderChanged, str, dict[str, Any]]] = []
    for (event, version), info in zip(events, infos, strict=True):
        if newer_than(states, EntityRef("commerce", ENTITY, event.data.order.order_no), version):
            prepared.outcomes.skipped += 1
            continue
        link = _link(known.get(event.data.order.order_no), info, registered, by_email)
        if link is None:
            unlinked.append((event, version, info))
            continue
        _add_row(prepared, event, version, known.get(event.data.order.order_no), link, site_account)
    live: list[tuple[OrderChanged, str]] = []
    if unlinked and (guests is None or person_accounts(services)):
        # A person account is an Account insert plus its person Contact's Id: the live workflow's
        # own path, one REST write each (a Contact job would make business Contacts).
        live = [(event, version) for event, version, _ in unlinked]
    elif unlinked:
        assert guests is not None
        live = _link_new_customers(services, run, unlinked, known, prepared, settled, guests, site_account)
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


def _info(event: OrderChanged) -> dict[str, Any]:
    """The order's customer_info, its email as the identity map keys it (trimmed, lower case)."""
    info = event.data.order.customer_info.model_dump() if event.data.order.customer_info else {}
    if info.get("email"):
        info["email"] = str(info["email"]).strip().lower()
    return info


def _add_row(
    prepared: Prepared,
    event: OrderChanged,
    version: str,
    entry: Identity | None,
    link: Link,
    site_account: Callable[[], str],
) -> None:
    """The order's row in the chunk's job, unless Salesforce holds this very header already."""
    order_no = event.data.order.order_no
    if not link.account_id:
        link = Link(link.contact_id, site_account(), link.customer_type, link.sync_status)
    fields = header_fields(event) | {
        "AccountId": link.account_id,
        "Customer_Type__c": link.customer_type,
        "Commerce_Sync_Status__c": link.sync_status,
        "Contact__c": link.contact_id,
    }
    digest = fingerprint(fields)
    if entry is not None and entry.fingerprint == digest:
        prepared.outcomes.skipped += 1
        return
    row = {ORDER_NO_FIELD: order_no, **changeable_fields(fields, entry)}
    prepared.rows.append(row)
    # The link is in the row's own columns, read back from the results; only an AccountId the
    # row leaves out (a known order keeps its Account) is kept beside the version and digest.
    prepared.manifest[order_no] = [version, digest, "" if "AccountId" in row else link.account_id]


def _link_new_customers(
    services: Services,
    run: BackfillRun,
    unlinked: list[tuple[OrderChanged, str, dict[str, Any]]],
    known: dict[str, Identity],
    prepared: Prepared,
    settled: list[Settled],
    guests: GuestContacts,
    site_account: Callable[[], str],
) -> list[tuple[OrderChanged, str]]:
    """Orders the identity map could not link: their Contacts looked up in Salesforce a hundred at a
    time, the new guests made in one Bulk job; answers the few orders left to the live workflow
    (a duplicate rule's look-alikes)."""
    emails = [str(info["email"]) for _, _, info in unlinked if info.get("email")]
    numbers = [str(info["customer_no"]) for _, _, info in unlinked if info.get("customer_no")]
    by_email, registered = find_contacts(services, emails, numbers)
    new_guests: dict[str, dict[str, Any]] = {}
    waiting: list[tuple[OrderChanged, str, str]] = []
    for event, version, info in unlinked:
        order_no = event.data.order.order_no
        link = _link(known.get(order_no), info, registered, by_email)
        if link is not None:
            _add_row(prepared, event, version, known.get(order_no), link, site_account)
            continue
        email = info.get("email")
        if not email:
            # As the live workflow refuses it: no email, no Contact to link the order to.
            error = "MappingError: data.order.customer_info.email neither the header nor OCAPI gives an email"
            settled.append((order_no, version, SyncStatus.FAILED, error, {}))
            prepared.outcomes.failed += 1
            continue
        if email not in new_guests:
            first, last = split_name(info.get("customer_name"), email)
            new_guests[email] = {
                "FirstName": first,
                "LastName": last,
                "Email": email,
                "Customer_Type__c": "Guest",
                "Commerce_Site_Id__c": run.site_id,
            }
        waiting.append((event, version, email))
    if not new_guests:
        return []
    account = site_account()
    order_keys = [event.data.order.order_no for event, _, _ in waiting]
    with claimed(services, order_keys, list(new_guests), f"{event_id_of(run)}:{uuid.uuid4().hex}"):
        made = guests.create(services, new_guests, account)
    live: list[tuple[OrderChanged, str]] = []
    for event, version, email in waiting:
        order_no = event.data.order.order_no
        if email in made.created:
            guest = made.created[email]
            link = Link(guest.salesforce_id, account, "Guest", "Created")
            _add_row(prepared, event, version, known.get(order_no), link, site_account)
        elif email in made.refused:
            settled.append((order_no, version, SyncStatus.FAILED, made.refused[email], {}))
            prepared.outcomes.failed += 1
        else:
            live.append((event, version))  # a duplicate rule's look-alike: linked as live links it
    return live


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
