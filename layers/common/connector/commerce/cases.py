"""Use case F: the Contact Us form becomes a Case, linked to the Contact (by Id, else by email, else
a new guest Contact or none, per configuration) and to the Order when its number is known."""

from __future__ import annotations

from typing import Any

from connector.commerce.case_events import ContactUsSubmitted
from connector.commerce.customers import NewCustomer, create_customer, person_accounts
from connector.crm import Identity, IdentityKind, heals_identity_map
from connector.crm.accounts import remember_account
from connector.crm.contacts import create_once, email_match_soql, remember_email_match
from connector.crm.duplicates import past_duplicate_rule
from connector.crm.names import last_name, supplied_name
from connector.crm.policy import unless_gone
from connector.envelope import Outcome
from connector.salesforce.plan import WritePlan
from connector.salesforce.soql import soql_quote
from connector.services import Services

# The event id is the Case's external id: a retry after a lost response updates, never duplicates.
CASE_EVENT_FIELD = "Commerce_Event_Id__c"


@heals_identity_map
def submit_case(event: ContactUsSubmitted, services: Services) -> Outcome:
    form = event.data.case
    contact_id = form.salesforce_contact_id
    # The entries this event may read, in one round trip.
    services.identities.prefetch(
        [
            *([(IdentityKind.CONTACT, form.customer_no)] if form.customer_no else []),
            (IdentityKind.CONTACT_EMAIL, form.email),
            *([(IdentityKind.ORDER, form.order_no)] if form.order_no else []),
        ]
    )
    # A stale or wrong Contact Id from the storefront: fall back to matching by email.
    if contact_id and (written := unless_gone(lambda: _write_case(event, services, contact_id))):
        return written
    return _write_case(event, services, None)


def _write_case(event: ContactUsSubmitted, services: Services, contact_id: str | None) -> Outcome:
    data = event.data
    form = data.case
    config = services.settings.config.commerce
    account_id: str | None = None
    if contact_id is None and form.customer_no:
        known = services.identities.entry(IdentityKind.CONTACT, form.customer_no)
        if known:
            contact_id, account_id = known.salesforce_id, known.account_id
    if contact_id is None:
        email_known = services.identities.entry(IdentityKind.CONTACT_EMAIL, form.email)
        if email_known:
            contact_id, account_id = email_known.salesforce_id, email_known.account_id
    order_id = services.identities.get(IdentityKind.ORDER, form.order_no) if form.order_no else None

    # What the identity map could not answer, Salesforce answers in one call.
    lookups: dict[str, str] = {}
    if contact_id is None:
        lookups["contact"] = email_match_soql(form.email, person_accounts=person_accounts(services))
    if form.order_no and order_id is None:
        lookups["order"] = f"SELECT Id FROM Order WHERE Commerce_Order_No__c = {soql_quote(form.order_no)} LIMIT 1"
    found = services.salesforce.query_many(lookups) if lookups else {}
    if found.get("contact"):
        matched = remember_email_match(services, form.email, found["contact"][0])
        contact_id, account_id = matched.salesforce_id, matched.account_id
    if found.get("order"):
        order_id = found["order"][0]["Id"]

    if contact_id is None and config.guest_case_policy == "create_contact":
        # Create-once per email, as guest orders do: a concurrent event for it retries and links.
        with create_once(services, form.email, event.event_id):
            return past_duplicate_rule(
                services.settings.config.salesforce.duplicate_rule_policy,
                lambda: _upsert_case(event, services, None, account_id, order_id),
                # The org's duplicate rule named the Contact this sender is: the Case goes to it.
                lambda matched: _upsert_case(event, services, matched, None, order_id),
            )
    return _upsert_case(event, services, contact_id, account_id, order_id)


def _upsert_case(
    event: ContactUsSubmitted,
    services: Services,
    contact_id: str | None,
    account_id: str | None,
    order_id: str | None,
) -> Outcome:
    data = event.data
    form = data.case
    config = services.settings.config.commerce
    plan = WritePlan(services.salesforce)
    notes: list[str] = []
    guest: NewCustomer | None = None
    if contact_id is None and config.guest_case_policy == "create_contact":
        guest = create_customer(
            plan,
            services,
            "guest",
            config.customer_list_of(data.site_id),
            {
                "FirstName": form.first_name,
                "LastName": last_name(form.last_name or form.email),
                "Email": form.email,
                "Phone": form.phone,
                "Customer_Type__c": "Guest",
                "Commerce_Site_Id__c": data.site_id,
            },
        )
        contact_id, account_id = guest.contact, guest.account
    elif contact_id is None:
        notes.append("No Contact has this email; the Case is left unlinked (guest_case_policy=leave_unlinked).")
    if form.order_no and order_id is None:
        notes.append(f"Order number {form.order_no} is not known in Salesforce; the Case is not linked to an order.")

    fields: dict[str, Any] = {
        "Subject": form.subject,
        "Description": form.description,
        "Topic__c": form.topic,
        "Origin": "Web",
        "SuppliedName": supplied_name(form.first_name, form.last_name),
        "SuppliedEmail": form.email,
        "SuppliedPhone": form.phone,
        "ContactId": contact_id,
        "AccountId": account_id or None,
        "Order__c": order_id,
        "Commerce_Order_No__c": form.order_no,
        "Connector_Note__c": " ".join(notes) or None,
    }
    plan.upsert("case", "Case", CASE_EVENT_FIELD, event.event_id, {k: v for k, v in fields.items() if v is not None})
    results = plan.run()
    remember_account(services, config.customer_list_of(data.site_id), results)
    if guest is not None:
        contact_id, account_id = guest.ids(results)
        services.identities.put(
            IdentityKind.CONTACT_EMAIL,
            form.email,
            Identity(
                contact_id,
                account_id=account_id or None,
                customer_type="Guest",
                person_account=guest.person_account or None,
            ),
        )
    ids = {"case_id": str(results["case"]["id"])}
    if contact_id:
        ids["contact_id"] = contact_id
    if order_id:
        ids["order_id"] = order_id
    return Outcome(ids=ids, detail={"linked_order": bool(order_id), "contact_created": guest is not None})
