"""The connector configured for Person Accounts and for unlinked guest Cases, end to end through a
second local stack booted with that configuration."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from conftest import LocalStack, booted_stack
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


# -- issue 7: person accounts as a real org has them -------------------------------------------------


class Storefront:
    """The commerce OCAPI emulator of the person-account stack, seeded with what the storefront knows."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")

    def seed_order(self, order_no: str, email: str, customer_no: str | None = None) -> None:
        info: dict[str, Any] = {"email": email, "customer_name": "Gus Guest"}
        if customer_no:
            info["customer_no"] = customer_no
        order = {"order_no": order_no, "site_id": "RefArch", "order_total": 42.0, "currency": "USD"}
        order["customer_info"] = info
        requests.post(f"{self.base}/_admin/seed", json={"orders": [order]}, timeout=10).raise_for_status()


@pytest.fixture(scope="module")
def storefront(person_account_stack: Any) -> Storefront:
    return Storefront(person_account_stack.health["commerce"])


def _registration(customer_no: str, email: str, **profile: Any) -> dict[str, Any]:
    body = body_of("customer.registered")
    body["data"]["customer"].update(customer_no=customer_no, email=email, **profile)
    return body


def _guest_order(order_no: str) -> dict[str, Any]:
    body = body_of("order.created.guest-header-only")
    body["data"]["order"].update(order_no=order_no)
    return body


def _ok(resp: requests.Response) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def _person_account(org: SalesforceOrg, where: str) -> dict[str, Any]:
    rows = org.query(
        "SELECT Id, IsPersonAccount, PersonContactId, FirstName, LastName, PersonEmail, Customer_Type__pc, "
        f"Email_Opt_In__pc, Commerce_Customer_No__c, Commerce_Converted_At__pc FROM Account WHERE {where}"
    )
    assert len(rows) == 1, rows
    return rows[0]


def test_a_person_account_is_upserted_on_the_account_customer_number_not_a_pc_field(
    person_account_stack: Any, org: SalesforceOrg
) -> None:
    # given a registered customer (a real org refuses Account upserts keyed on a __pc field:
    # https://trailhead.salesforce.com/trailblazer-community/feed/0D54V00007T4Hm4SAF)
    no = unique("P")
    first = _ok(person_account_stack.send(_registration(no, f"{no}@example.com")))
    # when the profile is updated
    update = _registration(no, f"{no}@example.com", last_name="Dough")
    update.update(event_type="customer.updated", occurred_at="2026-11-24T10:00:00Z")
    second = _ok(person_account_stack.send(update))
    # then one person account holds the customer number on the Account, updated in place
    account = _person_account(org, f"Commerce_Customer_No__c = {soql_quote(no)}")
    assert (account["Id"], account["PersonContactId"]) == (first["account_id"], first["contact_id"])
    assert second["account_id"] == first["account_id"]
    assert (account["IsPersonAccount"], account["LastName"]) == (True, "Dough")


def test_an_order_naming_a_registered_customer_number_links_the_person_account(
    person_account_stack: Any, org: SalesforceOrg, storefront: Storefront
) -> None:
    # given a registered person account, and an order OCAPI says that customer placed
    no, order_no = unique("P"), unique("O")
    person = _ok(person_account_stack.send(_registration(no, f"{no}@example.com")))
    storefront.seed_order(order_no, f"{unique('other')}@example.com", customer_no=no)
    # when the order header arrives without a Contact Id
    _ok(person_account_stack.send(_guest_order(order_no)))
    # then the order is the registered customer's, found by customer number
    rows = org.query(
        f"SELECT AccountId, Contact__c, Customer_Type__c FROM Order WHERE Commerce_Order_No__c = {soql_quote(order_no)}"
    )
    assert [(r["AccountId"], r["Contact__c"], r["Customer_Type__c"]) for r in rows] == [
        (person["account_id"], person["contact_id"], "Registered")
    ]


def test_a_guest_order_makes_a_guest_person_account_in_one_write_call(
    person_account_stack: Any, org: SalesforceOrg, storefront: Storefront
) -> None:
    # given a guest's order in the storefront
    email, order_no = f"{unique('guest')}@example.com", unique("O")
    storefront.seed_order(order_no, email)
    calls = org.api_calls()
    # when its header arrives
    answer = _ok(person_account_stack.send(_guest_order(order_no)))
    spent = org.api_calls() - calls
    # then the guest is a person account, its person Contact on the order, all in one composite call
    account = _person_account(org, f"PersonEmail = {soql_quote(email)}")
    assert (account["IsPersonAccount"], account["Customer_Type__pc"]) == (True, "Guest")
    assert (account["FirstName"], account["LastName"]) == ("Gus", "Guest")
    assert (answer["account_id"], answer["contact_id"]) == (account["Id"], account["PersonContactId"])
    rows = org.query(f"SELECT AccountId, Contact__c FROM Order WHERE Commerce_Order_No__c = {soql_quote(order_no)}")
    assert [(r["AccountId"], r["Contact__c"]) for r in rows] == [(account["Id"], account["PersonContactId"])]
    # the email look-up, the record type (once per org, then remembered), one composite call
    assert spent <= 3


def test_a_registration_converts_the_guest_person_account_of_its_email(
    person_account_stack: Any, org: SalesforceOrg, storefront: Storefront
) -> None:
    # given a guest person account made by an order
    email, order_no, no = f"{unique('guest')}@example.com", unique("O"), unique("P")
    storefront.seed_order(order_no, email)
    guest = _ok(person_account_stack.send(_guest_order(order_no)))
    # when that email registers
    registered = _ok(person_account_stack.send(_registration(no, email)))
    # then the same person account is now the registered customer
    account = _person_account(org, f"PersonEmail = {soql_quote(email)}")
    assert (registered["account_id"], registered["contact_id"]) == (guest["account_id"], guest["contact_id"])
    assert (account["Customer_Type__pc"], account["Commerce_Customer_No__c"]) == ("Registered", no)
    assert account["Commerce_Converted_At__pc"]


def test_an_opt_in_makes_an_opt_in_person_account_whose_flag_changes_through_the_account(
    person_account_stack: Any, org: SalesforceOrg
) -> None:
    # given an opt-in of a new email
    email = f"{unique('news')}@example.com"
    opt_in = body_of("customer.opted_in", email=email, opted_in=True)
    created = _ok(person_account_stack.send(opt_in))
    # when the same email opts out later
    opt_out = body_of("customer.opted_in", email=email, opted_in=False)
    opt_out["occurred_at"] = "2026-11-24T10:00:00Z"
    _ok(person_account_stack.send(opt_out))
    # then one opt-in person account holds the email as its last name, its flag now off
    account = _person_account(org, f"PersonEmail = {soql_quote(email)}")
    assert (account["IsPersonAccount"], account["Customer_Type__pc"], account["LastName"]) == (True, "Opt-in", email)
    assert (account["Id"], account["PersonContactId"]) == (created["account_id"], created["contact_id"])
    assert account["Email_Opt_In__pc"] is False


@pytest.fixture(scope="module")
def person_guest_case_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalStack]:
    """Person accounts (enabled in its emulated org once booted) with the reference's default guest
    Case policy (create_contact); the shared `person_account_stack` leaves such Cases unlinked."""
    config = tmp_path_factory.mktemp("config") / "connector-config.json"
    config.write_text(
        json.dumps(
            {"commerce": {"customer_parent": "person_account", "site_customer_lists": {"RefArch": "RefArchGlobal"}}}
        )
    )
    with booted_stack(request, "e2e-person-guests", "--config", str(config)) as local:
        SalesforceOrg(local.salesforce or "").enable_person_accounts()
        yield local


def test_contact_us_from_an_unknown_email_makes_a_guest_person_account_linked_to_the_case(
    person_guest_case_stack: Any,
) -> None:
    # given an email nobody has
    org = SalesforceOrg(person_guest_case_stack.salesforce)
    email = f"{unique('nobody')}@example.com"
    body = body_of("contact_us.submitted")
    body["data"]["case"].update(email=email, order_no=None)
    # when that email sends the Contact Us form
    answer = _ok(person_guest_case_stack.send(body))
    # then a guest person account is made, and the Case names its person Contact and the account
    account = _person_account(org, f"PersonEmail = {soql_quote(email)}")
    assert (account["IsPersonAccount"], account["Customer_Type__pc"]) == (True, "Guest")
    case = org.query(f"SELECT ContactId, AccountId FROM Case WHERE Id = {soql_quote(answer['case_id'])}")[0]
    assert (case["ContactId"], case["AccountId"]) == (account["PersonContactId"], account["Id"])
    assert answer["contact_id"] == account["PersonContactId"]
