"""Use case C: a newsletter/marketing opt-in becomes a Contact (or, with person accounts, a Person
Account) of type Opt-in holding the email and the opt-in flag only; an existing customer with that
email just gets the flag."""

from __future__ import annotations

from connector.commerce.customers import create_customer, person_accounts
from connector.commerce.models import CustomerOptedIn
from connector.crm import Identity, IdentityKind, heals_identity_map
from connector.crm.accounts import remember_account
from connector.crm.contacts import contact_by_email, create_once
from connector.crm.duplicates import past_duplicate_rule
from connector.crm.names import last_name
from connector.envelope import Outcome
from connector.salesforce.plan import WritePlan
from connector.services import Services


@heals_identity_map
def sync_opt_in(event: CustomerOptedIn, services: Services) -> Outcome:
    data = event.data
    # The entries this event may read, in one round trip.
    services.identities.prefetch(
        [(IdentityKind.CONTACT_EMAIL, data.email), (IdentityKind.ACCOUNT, data.customer_list_id)]
    )
    existing = contact_by_email(services, data.email, person_accounts=person_accounts(services))
    if existing is None and not data.opted_in:
        return Outcome(ids={}, detail={"unchanged": True})  # an opt-out of nobody: nothing to record
    if existing is not None:
        return _set_flag(event, services, existing)
    with create_once(services, data.email, event.event_id):
        return past_duplicate_rule(
            services.settings.config.salesforce.duplicate_rule_policy,
            lambda: _create_opt_in_customer(event, services),
            # The org's duplicate rule named the Contact with this email: it just gets the flag (a
            # person Contact takes no direct write: in that mode the person account is saved instead).
            None if person_accounts(services) else lambda matched: _set_flag(event, services, Identity(matched)),
        )


def _set_flag(event: CustomerOptedIn, services: Services, existing: Identity) -> Outcome:
    data = event.data
    if existing.opted_in == data.opted_in:
        return Outcome(ids={"contact_id": existing.salesforce_id}, detail={"unchanged": True})
    if existing.person_account and existing.account_id:
        # A person Contact takes no direct writes: its fields are the person account's `__pc` ones.
        services.salesforce.update("Account", existing.account_id, {"Email_Opt_In__pc": data.opted_in})
    else:
        services.salesforce.update("Contact", existing.salesforce_id, {"Email_Opt_In__c": data.opted_in})
    services.identities.put(IdentityKind.CONTACT_EMAIL, data.email, existing.but(opted_in=data.opted_in))
    return Outcome(ids={"contact_id": existing.salesforce_id})


def _create_opt_in_customer(event: CustomerOptedIn, services: Services) -> Outcome:
    data = event.data
    plan = WritePlan(services.salesforce)
    customer = create_customer(
        plan,
        services,
        "contact",
        data.customer_list_id,
        {
            # LastName is required on a Contact and the email is all the storefront knows.
            "LastName": last_name(data.email),
            "Email": data.email,
            "Email_Opt_In__c": data.opted_in,
            "Customer_Type__c": "Opt-in",
            "Commerce_Site_Id__c": data.site_id,
        },
    )
    results = plan.run()
    remember_account(services, data.customer_list_id, results)
    contact_id, account_id = customer.ids(results)
    services.identities.put(
        IdentityKind.CONTACT_EMAIL,
        data.email,
        Identity(
            contact_id,
            account_id=account_id,
            customer_type="Opt-in",
            opted_in=data.opted_in,
            person_account=customer.person_account or None,
        ),
    )
    return Outcome(ids={"contact_id": contact_id, "account_id": account_id}, detail={"created": True})
