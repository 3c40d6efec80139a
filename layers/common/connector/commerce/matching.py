"""Finding the Contact of an email: the identity map first, then one SOQL query (email is the
reference's unique key for Contacts), and create-once claims so concurrent events make one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from connector.errors import TransientError
from connector.salesforce.soql import soql_quote
from connector.services import Services
from connector.state import Identity


def contact_by_email(services: Services, email: str) -> Identity | None:
    known = services.identities.entry("contact-email", email)
    if known:
        return known
    rows = services.salesforce.query(
        "SELECT Id, AccountId, Customer_Type__c FROM Contact WHERE Email = "
        + soql_quote(email)
        + " ORDER BY CreatedDate ASC LIMIT 1"
    )
    if not rows:
        return None
    row = rows[0]
    found = Identity(row["Id"], {"account_id": row.get("AccountId") or "", "type": row.get("Customer_Type__c") or ""})
    services.identities.put("contact-email", email, found.salesforce_id, **found.attrs)
    return found


@contextmanager
def creating_contact_for(services: Services, email: str, owner: str) -> Iterator[None]:
    """Hold the email's create-once claim; a concurrent event retries later and finds the Contact."""
    if not services.claims.acquire("contact-email", email, owner):
        raise TransientError("another event is creating the Contact for this email; retried later")
    try:
        yield
    finally:
        services.claims.release("contact-email", email, owner)
