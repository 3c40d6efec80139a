"""Use cases A and B: a storefront registration or profile update becomes a Contact (or a Person
Account) under its customer list's Account, upserted by customer number in one API call."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connector.commerce.accounts import CUSTOMER_LIST_FIELD, customer_list_account
from connector.commerce.contacts import (
    CUSTOMER_NO_FIELD,
    PERSON_CUSTOMER_NO_FIELD,
    as_person_account,
    contact_fields,
    fingerprint,
)
from connector.commerce.guest_orders import guest_orders, plan_reflag, reflag, remember_reflagged
from connector.commerce.models import Customer, CustomerChanged, CustomerData
from connector.commerce.storefront import MissingFromStorefront, missing_from_storefront, save_draft
from connector.crm import Identity, IdentityKind, heals_identity_map, heals_identity_map_in_batch
from connector.crm.accounts import person_account_record_type, remember_account, resolved_account_id
from connector.crm.duplicates import is_duplicate_refusal, past_duplicate_rule
from connector.envelope import Outcome
from connector.errors import PermanentError, TransientError
from connector.salesforce import RecordResult
from connector.salesforce.duplicate_rules import allowing_duplicate_saves
from connector.salesforce.plan import WritePlan
from connector.services import Services

CustomerEvent = CustomerChanged
# The key person accounts are upserted on: Account.Commerce_Customer_No__c (External ID, unique). The
# person Contact's own field, seen on Account as Commerce_Customer_No__pc, cannot key an Account upsert
# ("does not match an External ID, Salesforce Id, or indexed field for Account":
# https://trailhead.salesforce.com/trailblazer-community/feed/0D54V00007T4Hm4SAF).
PERSON_ACCOUNT_KEY = "Commerce_Customer_No__c"
CONVERTIBLE_TYPES = ("Guest", "Opt-in")


@heals_identity_map
def sync_customer(event: CustomerEvent, services: Services) -> Outcome:
    data = event.data
    draft_status = "Created" if event.event_type == "customer.registered" else "Updated"
    if not data.customer.is_minimal:
        return write_customer(data, data.customer, services, "Synchronized")
    # Real-time mode as the reference describes it: the storefront pushed only the keys, the
    # profile is pulled from OCAPI. If OCAPI is unreachable the draft is saved now and completed
    # from the queue.
    try:
        customer = complete_from_storefront(data, services, event.occurred_at)
    except MissingFromStorefront:
        raise
    except (TransientError, PermanentError):
        # Whatever kept OCAPI from answering (down, refusing our credentials, or not showing the
        # customer yet), the reference wants the draft saved now; the error then decides between
        # retry and the DLQ (a failure of the draft never replaces it).
        save_draft(services, "customer", lambda: _save_draft(data, services, draft_status))
        raise
    return write_customer(data, customer, services, "Synchronized")


def _save_draft(data: CustomerData, services: Services, status: str) -> None:
    """OCAPI cannot complete the event: a new customer is saved from the keys it pushed; a known one
    only gets its sync status, on its record by Id (the keys alone must neither overwrite a
    synchronized profile nor make a record of their own), once: the identity map then says so."""
    customer_no = data.customer.customer_no
    known = services.identities.entry(IdentityKind.CONTACT, customer_no)
    if known is None:
        write_customer(data, data.customer, services, status)
        known = services.identities.entry(IdentityKind.CONTACT, customer_no)
    elif known.sync_status == status:
        return  # marked already (a retry, or another event while the storefront lags)
    elif known.person_account or services.settings.config.commerce.customer_parent == "person_account":
        if known.account_id is None:
            return  # a person Contact's fields are written through its Account, which is not known
        services.salesforce.update("Account", known.account_id, {"Commerce_Sync_Status__pc": status})
    else:
        services.salesforce.update("Contact", known.salesforce_id, {"Commerce_Sync_Status__c": status})
    if known is not None:
        # No fingerprint: the record no longer holds what was last synchronized (its status is a
        # draft's), so the completed profile is written even when it did not change.
        services.identities.put(IdentityKind.CONTACT, customer_no, known.but(sync_status=status, fingerprint=None))


def complete_from_storefront(data: CustomerData, services: Services, occurred_at: datetime) -> Customer:
    document = services.commerce.customer(data.site_id, data.customer.customer_no)
    if document is None:
        raise missing_from_storefront("customer", occurred_at, services.settings.config.commerce)
    merged = {**document, **data.customer.model_dump(exclude_none=True, exclude_defaults=True)}
    return Customer.model_validate(merged)


def write_customer(data: CustomerData, customer: Customer, services: Services, status: str) -> Outcome:
    config = services.settings.config.commerce
    if config.customer_parent == "person_account":
        # A person-account duplicate rule (inactive in new orgs) names Accounts, never a Contact to
        # link to: under either policy a flagged person account is saved with the header.
        return past_duplicate_rule(
            services.settings.config.salesforce.duplicate_rule_policy,
            lambda: _write_person_account(data, customer, services, status),
        )
    fields = contact_fields(
        data.model_copy(update={"customer": customer}),
        config,
        status,
        state_country_picklists=services.settings.config.salesforce.state_country_picklists,
    )
    # Every identity-map entry this write may read, in one round trip (the email's for a conversion).
    services.identities.prefetch(
        [
            (IdentityKind.CONTACT, customer.customer_no),
            (IdentityKind.CONTACT_EMAIL, customer.email),
            (IdentityKind.ACCOUNT, data.customer_list_id),
        ]
    )
    known = services.identities.entry(IdentityKind.CONTACT, customer.customer_no)
    digest = fingerprint({**fields, "list": data.customer_list_id})
    if known and known.fingerprint == digest:
        return Outcome(ids={"contact_id": known.salesforce_id}, detail={"unchanged": True})

    converted: str | None = None
    if known is None:
        by_email = services.identities.entry(IdentityKind.CONTACT_EMAIL, customer.email)
        if by_email and by_email.customer_type in CONVERTIBLE_TYPES:
            # The guest or opt-in Contact becomes this registered customer: same record, and the
            # conversion is traceable on it (Customer_Type__c history, Commerce_Converted_At__c).
            converted = by_email.salesforce_id

    def write(onto: str | None, *, conversion: bool = False) -> Outcome:
        plan = WritePlan(services.salesforce)
        account = customer_list_account(plan, services, data.customer_list_id)
        body = {**fields, "AccountId": account}
        orders: list[dict[str, Any]] = []
        if onto is None:
            plan.upsert("contact", "Contact", CUSTOMER_NO_FIELD, customer.customer_no, body)
        else:
            body[CUSTOMER_NO_FIELD] = customer.customer_no
            if conversion:
                body["Commerce_Converted_At__c"] = datetime.now(UTC).isoformat()
                orders = guest_orders(services, [onto]).get(onto, [])
            plan.update("contact", "Contact", onto, body)
        beyond = plan_reflag(plan, orders)
        results = plan.run()
        # Before the Contact is remembered as registered: should this fail, the retry converts again.
        reflag(services, beyond)
        remember_reflagged(services, orders)
        remember_account(services, data.customer_list_id, results)
        contact_id = onto or str(results["contact"]["id"])
        account_id = resolved_account_id(account, results)
        remember_contact(services, customer, contact_id, account_id, digest if status == "Synchronized" else None)
        detail: dict[str, Any] = {"created": bool(results["contact"].get("created"))}
        if conversion:
            detail["converted"] = True
        elif onto:
            detail["linked"] = True
        return Outcome(ids={"contact_id": contact_id, "account_id": account_id}, detail=detail)

    if converted is not None:
        return write(converted, conversion=True)
    return past_duplicate_rule(
        services.settings.config.salesforce.duplicate_rule_policy,
        lambda: write(None),
        lambda matched: write(matched) if _without_customer_no(services, matched) else None,
    )


def _without_customer_no(services: Services, contact_id: str) -> bool:
    """A look-alike Contact the duplicate rule named may become this customer only if it is nobody
    else's registration (one call, only when the rule fires)."""
    return not services.salesforce.get("Contact", contact_id, [CUSTOMER_NO_FIELD]).get(CUSTOMER_NO_FIELD)


def remember_contact(
    services: Services,
    customer: Customer,
    contact_id: str,
    account_id: str,
    digest: str | None,
    *,
    person_account: bool = False,
) -> None:
    registered = Identity(
        contact_id, account_id=account_id, customer_type="Registered", person_account=person_account or None
    )
    services.identities.put(IdentityKind.CONTACT, customer.customer_no, registered.but(fingerprint=digest))
    services.identities.put(IdentityKind.CONTACT_EMAIL, customer.email, registered)


def _write_person_account(data: CustomerData, customer: Customer, services: Services, status: str) -> Outcome:
    """Upsert the person account on the Account's own customer number: a real org refuses the person
    Contact's `Commerce_Customer_No__pc` as an Account upsert key (see PERSON_ACCOUNT_KEY). The
    `__pc` copy is written too, so that Contact look-ups by customer number find the person Contact."""
    config = services.settings.config.commerce
    fields = as_person_account(
        contact_fields(
            data.model_copy(update={"customer": customer}),
            config,
            status,
            state_country_picklists=services.settings.config.salesforce.state_country_picklists,
        )
    )
    fields[PERSON_CUSTOMER_NO_FIELD] = customer.customer_no
    known = services.identities.entry(IdentityKind.CONTACT, customer.customer_no)
    digest = fingerprint({**fields, "mode": "person"})
    if known and known.fingerprint == digest:
        return Outcome(ids={"contact_id": known.salesforce_id, "account_id": known.account_id or ""})
    fields["RecordTypeId"] = person_account_record_type(services, config.person_account_record_type_id)
    plan = WritePlan(services.salesforce)
    converted = _convertible_person_account(services, customer) if known is None else None
    orders: list[dict[str, Any]] = []
    if converted is not None and converted.account_id is not None:
        # The guest or opt-in person account becomes this registered customer: same record.
        fields[PERSON_ACCOUNT_KEY] = customer.customer_no
        fields["Commerce_Converted_At__pc"] = datetime.now(UTC).isoformat()
        plan.update("account", "Account", converted.account_id, fields)
        orders = guest_orders(services, [converted.salesforce_id]).get(converted.salesforce_id, [])
    else:
        plan.upsert("account", "Account", PERSON_ACCOUNT_KEY, customer.customer_no, fields)
        if known is None:
            # The person Contact's Id (orders and cases link to it) comes back in the same call.
            plan.get("person", "Account", "@{account.id}", ["PersonContactId"])
    beyond = plan_reflag(plan, orders)
    results = plan.run()
    reflag(services, beyond)
    remember_reflagged(services, orders)
    account_id = str(results["account"]["id"])
    if converted is not None:
        contact_id = converted.salesforce_id
    else:
        contact_id = str(results["person"]["PersonContactId"]) if known is None else known.salesforce_id
    remember_contact(
        services, customer, contact_id, account_id, digest if status == "Synchronized" else None, person_account=True
    )
    detail: dict[str, Any] = {"created": bool(results["account"].get("created"))}
    if converted is not None:
        detail["converted"] = True
    return Outcome(ids={"contact_id": contact_id, "account_id": account_id}, detail=detail)


def _convertible_person_account(services: Services, customer: Customer) -> Identity | None:
    """The guest or opt-in person account that has this customer's email, if the connector made one."""
    by_email = services.identities.entry(IdentityKind.CONTACT_EMAIL, customer.email)
    if by_email and by_email.customer_type in CONVERTIBLE_TYPES and by_email.person_account and by_email.account_id:
        return by_email
    return None


@heals_identity_map_in_batch(sync_customer)
def sync_customers(events: Sequence[CustomerEvent], services: Services) -> list[Outcome | Exception]:
    """A queue batch: complete what needs OCAPI, then one sObject-collection upsert for all the
    Contacts whose Account is known (one more call upserts the Accounts that are not)."""
    config = services.settings.config.commerce
    results: list[Outcome | Exception] = [TransientError("not processed")] * len(events)
    ready: list[tuple[int, CustomerData, Customer]] = []
    for i, event in enumerate(events):
        try:
            minimal = event.data.customer.is_minimal
            customer = complete_from_storefront(event.data, services, event.occurred_at) if minimal else None
            ready.append((i, event.data, customer or event.data.customer))
        except Exception as exc:
            results[i] = exc
    if config.customer_parent == "person_account":
        for i, data, customer in ready:
            try:
                results[i] = write_customer(data, customer, services, "Synchronized")
            except Exception as exc:
                results[i] = exc
        return results
    _batch_upsert_contacts(ready, [event.version for event in events], services, results)
    return results


@dataclass
class _Pending:
    index: int
    data: CustomerData
    customer: Customer
    fields: dict[str, Any]
    digest: str


def customer_list_accounts(customer_list_ids: Iterable[str], services: Services) -> dict[str, str]:
    """customer_list_id -> Account Id for a batch (or a backfill): pinned, known, or upserted in one
    call; a list whose Account could not be upserted is missing from the answer."""
    config = services.settings.config.commerce
    lists = sorted(set(customer_list_ids))
    accounts = {lst: pin for lst in lists if (pin := config.customer_list_accounts.get(lst))}
    accounts |= services.identities.get_many(IdentityKind.ACCOUNT, [lst for lst in lists if lst not in accounts])
    missing = [lst for lst in lists if lst not in accounts]
    if missing:
        records = [
            {CUSTOMER_LIST_FIELD: lst, "Name": config.account_name_format.format(customer_list_id=lst)}
            for lst in missing
        ]
        outcomes = services.salesforce.upsert_many("Account", CUSTOMER_LIST_FIELD, records)
        for lst, res in zip(missing, outcomes, strict=True):
            if res.success and res.id:
                accounts[lst] = res.id
                services.identities.put(IdentityKind.ACCOUNT, lst, Identity(res.id))
    return accounts


def _batch_upsert_contacts(
    ready: list[tuple[int, CustomerData, Customer]],
    versions: list[str],
    services: Services,
    results: list[Outcome | Exception],
) -> None:
    config = services.settings.config.commerce
    # The batch's identity-map entries (customers, emails, customer lists) in one round trip.
    services.identities.prefetch(
        [(IdentityKind.CONTACT, c.customer_no) for _, _, c in ready]
        + [(IdentityKind.CONTACT_EMAIL, c.email) for _, _, c in ready]
        + [(IdentityKind.ACCOUNT, d.customer_list_id) for _, d, _ in ready]
    )
    known = services.identities.entries(IdentityKind.CONTACT, [c.customer_no for _, _, c in ready])
    by_email = services.identities.entries(IdentityKind.CONTACT_EMAIL, [c.email for _, _, c in ready])
    accounts = customer_list_accounts((data.customer_list_id for _, data, _ in ready), services)
    # The newest version per customer wins inside a batch (one record per external id per request),
    # ties broken as everywhere else by the versions themselves, never by the order of the batch.
    latest: dict[str, _Pending] = {}
    for i, data, customer in sorted(ready, key=lambda item: versions[item[0]]):
        if data.customer_list_id not in accounts:
            results[i] = TransientError("the customer list's Account could not be upserted")
            continue
        fields = contact_fields(
            data.model_copy(update={"customer": customer}),
            config,
            "Synchronized",
            state_country_picklists=services.settings.config.salesforce.state_country_picklists,
        )
        digest = fingerprint({**fields, "list": data.customer_list_id})
        entry = known.get(customer.customer_no)
        if entry and entry.fingerprint == digest:
            results[i] = Outcome(ids={"contact_id": entry.salesforce_id}, detail={"unchanged": True})
            continue
        fields["AccountId"] = accounts[data.customer_list_id]
        latest[customer.customer_no] = _Pending(i, data, customer, fields, digest)
    upserts: list[_Pending] = []
    updates: list[_Pending] = []
    for no, pending in latest.items():
        email_entry = by_email.get(pending.customer.email)
        if no not in known and email_entry and email_entry.customer_type in CONVERTIBLE_TYPES:
            pending.fields |= {
                "Id": email_entry.salesforce_id,
                CUSTOMER_NO_FIELD: no,
                "Commerce_Converted_At__c": datetime.now(UTC).isoformat(),
            }
            updates.append(pending)
        else:
            pending.fields = {CUSTOMER_NO_FIELD: no, **pending.fields}
            upserts.append(pending)
    # A conversion whose Contact has guest orders takes the single-event path, whose composite
    # re-flags them with the Contact (rare: most conversions have none, and share one collection).
    try:
        with_orders = guest_orders(services, [str(p.fields["Id"]) for p in updates]) if updates else {}
    except Exception as exc:  # the look-up failed: the conversions wait, the new Contacts go on
        for pending in updates:
            results[pending.index] = exc
        updates, with_orders = [], {}
    for pending in [p for p in updates if p.fields["Id"] in with_orders]:
        results[pending.index] = _write_one(pending, services)
    updates = [p for p in updates if p.fields["Id"] not in with_orders]
    # Two calls, each read before the next is made: a record's outcome is its own call's. Were the
    # conversions' call to fail after the upsert wrote the new Contacts, those Contacts are written and
    # must read so (a DEAD state always means "not in Salesforce as sent").
    _record_outcomes(
        upserts, lambda fields: services.salesforce.upsert_many("Contact", CUSTOMER_NO_FIELD, fields), services, results
    )
    _record_outcomes(updates, lambda fields: services.salesforce.update_many("Contact", fields), services, results)
    for i, _data, customer in ready:  # older duplicates in the same batch share the newest one's outcome
        newest = latest.get(customer.customer_no)
        if newest is not None and newest.index != i and isinstance(results[newest.index], Outcome):
            results[i] = results[newest.index]


def _record_outcomes(
    group: list[_Pending],
    call: Callable[[list[dict[str, Any]]], list[RecordResult]],
    services: Services,
    results: list[Outcome | Exception],
) -> None:
    """One collection call for `group`, each record's result (or the call's failure) its outcome."""
    if not group:
        return
    # With the allow_save policy the collection itself acknowledges the duplicate rule's alert.
    policy = services.settings.config.salesforce.duplicate_rule_policy
    try:
        with allowing_duplicate_saves() if policy == "allow_save" else nullcontext():
            outcomes = call([p.fields for p in group])
    except Exception as exc:  # the call itself failed: its records only, nothing else in the batch
        for pending in group:
            results[pending.index] = exc
        return
    for pending, res in zip(group, outcomes, strict=True):
        if not res.success or not res.id:
            error = res.error(operation="collections")
            # A look-alike Contact flagged by the org's duplicate rule: the single-event path
            # applies the duplicate policy (linking or saving past the rule) for this one.
            results[pending.index] = _write_one(pending, services) if is_duplicate_refusal(error) else error
            continue
        account_id = str(pending.fields["AccountId"])
        remember_contact(services, pending.customer, res.id, account_id, pending.digest)
        results[pending.index] = Outcome(ids={"contact_id": res.id, "account_id": account_id})


def _write_one(pending: _Pending, services: Services) -> Outcome | Exception:
    try:
        return write_customer(pending.data, pending.customer, services, "Synchronized")
    except Exception as exc:
        return exc
