"""Finding a platform's customer among Salesforce Contacts: by Id, by external id, by email.

The identity map answers first; Salesforce is asked once when it cannot (and the answer is
remembered). Creating a Contact for an email goes through a create-once claim, so that two
concurrent events for one new customer make one Contact.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from connector.crm.context import CrmServices
from connector.crm.identity import Identity, IdentityKind
from connector.errors import TransientError
from connector.salesforce.plan import WritePlan
from connector.salesforce.soql import soql_quote

CONTACT_MATCH_FIELDS = "Id, AccountId, Customer_Type__c"
# Contact.IsPersonAccount exists only in an org with person accounts: asked for only in that mode.
PERSON_MATCH_FIELDS = CONTACT_MATCH_FIELDS + ", IsPersonAccount"


def _identity(row: dict[str, object]) -> Identity:
    return Identity(
        str(row["Id"]),
        account_id=str(row.get("AccountId") or "") or None,
        customer_type=str(row.get("Customer_Type__c") or "") or None,
        person_account=bool(row["IsPersonAccount"]) if "IsPersonAccount" in row else None,
    )


def contact_by_email(crm: CrmServices, email: str, *, person_accounts: bool = False) -> Identity | None:
    """The Contact of an email (email is the reference's match key): the oldest one when several.
    A person account's person Contact is a Contact too (its Email is the account's PersonEmail)."""
    known = crm.identities.entry(IdentityKind.CONTACT_EMAIL, email)
    if known:
        return known
    rows = crm.salesforce.query(email_match_soql(email, person_accounts=person_accounts))
    if not rows:
        return None
    found = _identity(rows[0])
    crm.identities.put(IdentityKind.CONTACT_EMAIL, email, found)
    return found


def email_match_soql(email: str, *, person_accounts: bool = False) -> str:
    """The query behind `contact_by_email`, for workflows that batch it with other look-ups."""
    fields = PERSON_MATCH_FIELDS if person_accounts else CONTACT_MATCH_FIELDS
    return f"SELECT {fields} FROM Contact WHERE Email = {soql_quote(email)} ORDER BY CreatedDate ASC LIMIT 1"


def remember_email_match(crm: CrmServices, email: str, row: dict[str, object]) -> Identity:
    found = _identity(row)
    crm.identities.put(IdentityKind.CONTACT_EMAIL, email, found)
    return found


def contact_by_external_id(crm: CrmServices, kind: IdentityKind, field: str, key: str) -> Identity | None:
    """The Contact whose external-id `field` holds `key` (a customer number, a loyalty id)."""
    known = crm.identities.entry(kind, key)
    if known:
        return known
    rows = crm.salesforce.query(f"SELECT {CONTACT_MATCH_FIELDS} FROM Contact WHERE {field} = {soql_quote(key)} LIMIT 1")
    if not rows:
        return None
    found = _identity(rows[0])
    crm.identities.put(kind, key, found)
    return found


def account_of_contact(crm: CrmServices, plan: WritePlan, contact_id: str) -> str:
    """The AccountId of a Contact known by Id: remembered, else read inside `plan`'s own call (the
    answer is then a composite reference, resolved once the plan ran)."""
    known = crm.identities.get(IdentityKind.CONTACT_ACCOUNT, contact_id)
    if known:
        return known
    plan.get("contact", "Contact", contact_id, ["Id", "AccountId"])
    return "@{contact.AccountId}"


def remember_account_of_contact(crm: CrmServices, contact_id: str, account_id: str) -> None:
    if contact_id and account_id and not account_id.startswith("@{"):
        crm.identities.put(IdentityKind.CONTACT_ACCOUNT, contact_id, Identity(account_id))


@contextmanager
def create_once(crm: CrmServices, email: str, owner: str) -> Iterator[None]:
    """Hold the email's create-once claim while creating its Contact; a concurrent event for the
    same email fails transiently, is retried later, and then finds the Contact."""
    if not crm.claims.acquire("contact-email", email, owner):
        raise TransientError("another event is creating the Contact for this email; retried later")
    try:
        yield
    finally:
        crm.claims.release("contact-email", email, owner)
