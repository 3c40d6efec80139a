"""Backfilled customers: the storefront's customer lists, page by page, become Contacts upserted by
`Commerce_Customer_No__c` in Bulk API jobs, with the fields, Account and identity-map entries a live
`customer.registered` would give them (connector.commerce.registration)."""

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
    give_back_to_live_events,
    newer_than,
    record_states,
    refusal_text,
    settle_live_write,
)
from connector.commerce.contacts import CUSTOMER_NO_FIELD, contact_fields, fingerprint
from connector.commerce.models import Customer, CustomerData
from connector.commerce.registration import CONVERTIBLE_TYPES, customer_list_accounts, write_customer
from connector.crm import Identity, IdentityKind
from connector.envelope import EntityRef
from connector.services import Services
from connector.state.backfill_runs import BackfillRun
from connector.state.sync_state import SyncStatus

SOBJECT = "Contact"
EXTERNAL_ID = CUSTOMER_NO_FIELD
ENTITY = "customer"


def read_page(services: Services, run: BackfillRun, part: int, after: str | None, count: int) -> tuple[list[Any], int]:
    """(documents, total) of one page of the part's customer list: the customers numbered after
    `after`, and how many there are."""
    page = services.commerce.customer_search(run.parts[part], after, count)
    return [hit["data"] for hit in page.get("hits") or []], int(page.get("total") or 0)


def key_of(document: Any) -> str | None:
    """The key the storefront's pages are sorted and continued by."""
    return str(document["customer_no"]) if isinstance(document, dict) and document.get("customer_no") else None


def prepare(services: Services, run: BackfillRun, part: int, documents: list[Any]) -> Prepared:
    """The chunk's rows: each customer mapped as a live registration maps it; skipped when the sync
    state holds a newer version or the identity map says Salesforce holds this very profile; a
    guest or opt-in Contact with the customer's email converted as a registration converts it."""
    config = services.settings.config
    list_id = run.parts[part]
    prepared = Prepared()
    prepared.outcomes.read = len(documents)
    customers: list[tuple[Customer, str]] = []
    invalid: list[Settled] = []
    for doc in documents:
        version = backfill_version(doc.get("last_modified"), run)
        try:
            customers.append((Customer.model_validate(doc), version))
        except ValidationError as exc:
            # The storefront's own document breaks a rule Salesforce or the mapping relies on:
            # FAILED with the fields at fault (names, never values).
            key = document_key(doc, "customer_no", commerce_secret(services))
            at_fault = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
            invalid.append((key, version, SyncStatus.FAILED, f"invalid storefront document: {at_fault}", {}))
    prepared.outcomes.failed += len(invalid)
    record_states(services, run, ENTITY, invalid)
    if not customers:
        return prepared

    states = services.sync_state.get_many([EntityRef("commerce", ENTITY, c.customer_no) for c, _ in customers])
    known = services.identities.entries(IdentityKind.CONTACT, [c.customer_no for c, _ in customers])
    by_email = services.identities.entries(IdentityKind.CONTACT_EMAIL, [c.email for c, _ in customers])
    person_accounts = config.commerce.customer_parent == "person_account"
    account = None if person_accounts else customer_list_accounts([list_id], services).get(list_id)
    conversions: list[tuple[CustomerData, Customer, str]] = []
    for customer, version in customers:
        if newer_than(states, EntityRef("commerce", ENTITY, customer.customer_no), version):
            prepared.outcomes.skipped += 1
            continue
        data = CustomerData(site_id=run.site_id, customer_list_id=list_id, customer=customer)
        if person_accounts:
            # A person account is an Account upsert plus its person Contact's Id: the live
            # registration's own path, one REST call each (a Contact job would make business Contacts).
            conversions.append((data, customer, version))
            continue
        fields = contact_fields(
            data, config.commerce, "Synchronized", state_country_picklists=config.salesforce.state_country_picklists
        )
        digest = fingerprint({**fields, "list": list_id})
        entry = known.get(customer.customer_no)
        if entry is not None and entry.fingerprint == digest:
            prepared.outcomes.skipped += 1  # Salesforce holds this very profile: no write, as live
            continue
        email_entry = by_email.get(customer.email)
        if entry is None and email_entry is not None and email_entry.customer_type in CONVERTIBLE_TYPES:
            conversions.append((data, customer, version))
            continue
        prepared.rows.append({CUSTOMER_NO_FIELD: customer.customer_no, **fields, "AccountId": account})
        prepared.manifest[customer.customer_no] = [version, digest]
    if account is None and prepared.rows:
        # The list's Account could not be upserted: nothing of the list is sent without it.
        error = "the customer list's Account could not be upserted"
        failed: list[Settled] = [
            (no, entry[0], SyncStatus.FAILED, error, {}) for no, entry in prepared.manifest.items()
        ]
        record_states(services, run, ENTITY, failed)
        prepared.outcomes.failed += len(failed)
        prepared.rows, prepared.manifest = [], {}
    _convert(services, run, conversions, prepared.outcomes)
    return prepared


def _convert(
    services: Services, run: BackfillRun, conversions: list[tuple[CustomerData, Customer, str]], outcomes: Outcomes
) -> None:
    """A guest (or opt-in) Contact that has the customer's email becomes the registered customer,
    orders and all: the live registration's own path, one REST call each (rare in a backfill: a
    guest exists only where a live order came before the customer's backfill). An org of person
    accounts has every customer written this way."""
    settled: list[Settled] = []
    for data, customer, version in conversions:
        try:
            with entity_claimed(services, ENTITY, customer.customer_no, run):
                outcome = write_customer(data, customer, services, "Synchronized")
        except Exception as exc:  # a refusal is this customer's own (the chunk goes on); a blip brings it back
            settled.append((customer.customer_no, version, SyncStatus.FAILED, settle_live_write(exc), {}))
            outcomes.failed += 1
            continue
        settled.append((customer.customer_no, version, SyncStatus.SYNCED, None, dict(outcome.ids)))
        outcomes.written += 1
    record_states(services, run, ENTITY, settled)


def record_results(
    services: Services, run: BackfillRun, manifest: dict[str, list[str]], results: JobResults
) -> Outcomes:
    """The job's results: Contacts written are remembered (identity map by customer number and by
    email, as a live registration remembers them) and SYNCED; refused ones FAILED with Salesforce's
    error (the rows a job did not process are sent again: connector.commerce.backfill.steps)."""
    outcomes = Outcomes()
    settled: list[Settled] = []
    contacts: dict[str, Identity] = {}
    emails: dict[str, Identity] = {}
    for row in results.successful:
        no = row[CUSTOMER_NO_FIELD]
        version, digest = manifest[no][0], manifest[no][1]
        contact_id, account_id = row["sf__Id"], row.get("AccountId") or ""
        registered = Identity(contact_id, account_id=account_id or None, customer_type="Registered")
        contacts[no] = registered.but(fingerprint=digest)
        if row.get("Email"):
            emails[row["Email"]] = registered
        settled.append((no, version, SyncStatus.SYNCED, None, {"contact_id": contact_id, "account_id": account_id}))
        outcomes.written += 1
    for row in results.failed:
        no = row[CUSTOMER_NO_FIELD]
        settled.append((no, manifest[no][0], SyncStatus.FAILED, refusal_text(row), {}))
        outcomes.failed += 1
    superseded = record_states(services, run, ENTITY, settled)
    for no in (no for no in superseded if no in contacts):
        # A live event wrote newer data while the job ran: the job's write is not what it holds.
        contacts[no] = contacts[no].but(fingerprint=None)
    services.identities.put_many(IdentityKind.CONTACT, contacts)
    services.identities.put_many(IdentityKind.CONTACT_EMAIL, emails)
    give_back_to_live_events(services, ENTITY, superseded)
    return outcomes
