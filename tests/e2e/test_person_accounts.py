"""The connector configured for Person Accounts and for unlinked guest Cases, end to end through a
second local stack booted with that configuration."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from example_events import body_of, unique
from salesforce_org import SalesforceOrg

from connector.salesforce.soql import soql_quote

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def org(person_account_stack: Any) -> SalesforceOrg:
    return SalesforceOrg(person_account_stack.salesforce)


def test_a_registration_becomes_a_person_account(person_account_stack: Any, org: SalesforceOrg) -> None:
    no = unique("P")
    body = body_of("customer.registered")
    body["data"]["customer"].update(customer_no=no, email=f"{no}@example.com")

    resp = person_account_stack.send(body)

    assert resp.status_code == 200, resp.text
    answer = resp.json()
    accounts = org.query(
        "SELECT Id, IsPersonAccount, PersonContactId, FirstName, LastName, PersonEmail, Customer_Type__pc, "
        f"Commerce_Sync_Status__pc FROM Account WHERE Commerce_Customer_No__pc = {soql_quote(no)}"
    )
    assert len(accounts) == 1
    account = accounts[0]
    assert account["IsPersonAccount"] is True
    assert (account["Id"], account["PersonContactId"]) == (answer["account_id"], answer["contact_id"])
    assert (account["FirstName"], account["LastName"], account["PersonEmail"]) == (
        "Jane",
        "Doe",
        f"{no}@example.com".lower(),
    )
    assert (account["Customer_Type__pc"], account["Commerce_Sync_Status__pc"]) == ("Registered", "Synchronized")


def test_an_order_of_a_person_account_links_its_person_contact(person_account_stack: Any, org: SalesforceOrg) -> None:
    no = unique("P")
    registration = body_of("customer.registered")
    registration["data"]["customer"].update(customer_no=no, email=f"{no}@example.com")
    person = person_account_stack.send(registration).json()
    order_no = unique("O")
    order = body_of("order.created")
    order["data"]["order"].update(order_no=order_no, salesforce_contact_id=person["contact_id"])

    resp = person_account_stack.send(order)

    assert resp.status_code == 200, resp.text
    rows = org.query(
        "SELECT Id, AccountId, Contact__c, Customer_Type__c FROM Order "
        f"WHERE Commerce_Order_No__c = {soql_quote(order_no)}"
    )
    assert [(r["AccountId"], r["Contact__c"], r["Customer_Type__c"]) for r in rows] == [
        (person["account_id"], person["contact_id"], "Registered")
    ]


def test_contact_us_from_an_unknown_email_leaves_the_case_unlinked(
    person_account_stack: Any, org: SalesforceOrg
) -> None:
    email = f"{unique('nobody')}@example.com"
    body = body_of("contact_us.submitted")
    body["data"]["case"].update(email=email, order_no=None)

    resp = person_account_stack.send(body)

    assert resp.status_code == 200, resp.text
    case = org.query(
        f"SELECT ContactId, SuppliedEmail, Connector_Note__c FROM Case WHERE Id = {soql_quote(resp.json()['case_id'])}"
    )[0]
    assert case["ContactId"] is None
    assert case["SuppliedEmail"] == email
    assert "unlinked" in case["Connector_Note__c"]
    assert org.query(f"SELECT Id FROM Contact WHERE Email = {soql_quote(email)}") == []


def test_the_second_stack_answers_health(person_account_stack: Any) -> None:
    assert requests.get(f"{person_account_stack.url}/_local/health", timeout=10).status_code == 200
