"""What a real org refuses, through the local stack (issue 7): its duplicate rule, state and country
picklists, activated orders, and keys that would change a request path. The emulated org is put in
the matching real-org mode through its admin API, and put back afterwards."""

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


@pytest.fixture
def org(stack: LocalStack) -> Iterator[SalesforceOrg]:
    org = SalesforceOrg(stack.salesforce or "")
    before = org.settings()
    org.clear_faults()
    yield org
    org.change_settings(**before)


@pytest.fixture(scope="module")
def real_org_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A stack whose connector config says what a real org's settings need: state and country
    picklists on, and the `allow_save` duplicate-rule policy (the other choice than `link`)."""
    config = tmp_path_factory.mktemp("config") / "connector-config.json"
    config.write_text(
        json.dumps({"salesforce": {"state_country_picklists": True, "duplicate_rule_policy": "allow_save"}})
    )
    with booted_stack(request, "e2e-real-org", "--config", str(config)) as local:
        # Its own emulated org, in the same mode as the connector's settings.
        SalesforceOrg(local.salesforce or "").change_settings(state_country_picklists=True, duplicate_rule="alert")
        yield local


def registration(customer_no: str, email: str, **profile: Any) -> dict[str, Any]:
    body = body_of("customer.registered")
    body["data"]["customer"].update(customer_no=customer_no, email=email, **profile)
    return body


def ok(resp: requests.Response) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


# -- duplicate rules --------------------------------------------------------------------------------


def test_a_registration_the_duplicate_rule_flags_is_linked_to_the_look_alike_contact(
    stack: LocalStack, org: SalesforceOrg
) -> None:
    # given a new org's standard Contact duplicate rule, and a Contact an agent made for the customer
    org.change_settings(duplicate_rule="alert")
    no, email = unique("C"), f"{unique('dup')}@example.com"
    agents_contact = org.create("Contact", {"FirstName": "Jane", "LastName": "Doe", "Email": email})

    # when the storefront registers a customer with that name and email
    answer = ok(stack.send(registration(no, email, first_name="Jane", last_name="Doe")))

    # then the customer is that Contact, now carrying the customer number: one Contact, not a dead letter
    assert answer["contact_id"] == agents_contact
    contacts = org.query(f"SELECT Id, Commerce_Customer_No__c FROM Contact WHERE Email = {soql_quote(email)}")
    assert contacts == [{"attributes": contacts[0]["attributes"], "Id": agents_contact, "Commerce_Customer_No__c": no}]


def test_with_the_allow_save_policy_a_flagged_registration_is_saved_for_the_orgs_duplicate_reports(
    real_org_stack: LocalStack,
) -> None:
    # given the allow_save policy, the duplicate rule active, and a look-alike Contact
    org = SalesforceOrg(real_org_stack.salesforce or "")
    no, email = unique("C"), f"{unique('dup')}@example.com"
    look_alike = org.create("Contact", {"FirstName": "Jane", "LastName": "Doe", "Email": email})

    # when the customer registers
    answer = ok(real_org_stack.send(registration(no, email, first_name="Jane", last_name="Doe")))

    # then the customer's own Contact is saved past the rule's alert
    assert answer["contact_id"] != look_alike
    assert [c["Id"] for c in org.contacts_with_customer_no(no)] == [answer["contact_id"]]


# -- state and country picklists --------------------------------------------------------------------


def test_with_state_and_country_picklists_the_iso_codes_go_to_the_code_fields(real_org_stack: LocalStack) -> None:
    # given an org with state and country picklists, and the connector set for them
    org = SalesforceOrg(real_org_stack.salesforce or "")
    no = unique("C")

    # when a customer with a US address (state_code MA, country_code US) registers
    answer = ok(real_org_stack.send(registration(no, f"{no}@example.com")))

    # then the codes are in the Code fields and the org filled in the full names
    [contact] = org.contacts_with_customer_no(
        no, "Id, MailingStateCode, MailingCountryCode, MailingState, MailingCountry"
    )
    assert contact["Id"] == answer["contact_id"]
    assert (contact["MailingStateCode"], contact["MailingCountryCode"]) == ("MA", "US")
    assert (contact["MailingState"], contact["MailingCountry"]) == ("Massachusetts", "United States")


# -- activated orders -------------------------------------------------------------------------------


def order(order_no: str, contact_id: str, *, at: str, event_type: str, status: str) -> dict[str, Any]:
    body = body_of("order.created.guest-header-only")
    body["event_type"] = event_type
    body["occurred_at"] = at
    body["data"]["order"].update(order_no=order_no, salesforce_contact_id=contact_id, status=status)
    return body


def test_an_order_activated_in_salesforce_takes_later_updates_and_stays_activated(
    stack: LocalStack, org: SalesforceOrg
) -> None:
    # given an order the connector created, then activated by an agent in Salesforce
    no = unique("C")
    contact_id = ok(stack.send(registration(no, f"{no}@example.com")))["contact_id"]
    order_no = unique("O")
    created = ok(
        stack.send(order(order_no, contact_id, at="2026-11-23T10:00:00Z", event_type="order.created", status="new"))
    )
    org.update("Order", created["order_id"], {"Status": "Activated"})

    # when the storefront's next status change arrives
    updated = stack.send(
        order(order_no, contact_id, at="2026-11-24T10:00:00Z", event_type="order.updated", status="shipped")
    )

    # then it is synced onto the activated order, which stays activated
    assert ok(updated)["order_id"] == created["order_id"]
    rows = org.query(
        "SELECT Status, StatusCode, Commerce_Order_Status__c FROM Order "
        f"WHERE Commerce_Order_No__c = {soql_quote(order_no)}"
    )
    assert [(r["Status"], r["StatusCode"], r["Commerce_Order_Status__c"]) for r in rows] == [
        ("Activated", "Activated", "shipped")
    ]


# -- keys that would change a request path ----------------------------------------------------------


@pytest.mark.parametrize("key", ["..", ".", "a/b"])
def test_a_customer_number_that_would_change_the_request_path_is_refused_with_422(
    stack: LocalStack, org: SalesforceOrg, key: str
) -> None:
    # given a customer number made of dot segments, or with a slash
    calls_before = org.api_calls()

    # when it is registered
    resp = stack.send(registration(key, f"{unique('k')}@example.com"))

    # then the answer is a 422 naming the field, and nothing reached Salesforce
    assert resp.status_code == 422, resp.text
    assert ["data", "customer", "customer_no"] in [e["loc"][-3:] for e in resp.json()["errors"]]
    assert org.api_calls() == calls_before


def test_an_order_number_of_dots_is_refused_with_422(stack: LocalStack, org: SalesforceOrg) -> None:
    calls_before = org.api_calls()

    resp = stack.send(
        order("..", "003000000000001AAA", at="2026-11-23T10:00:00Z", event_type="order.created", status="new")
    )

    assert resp.status_code == 422, resp.text
    assert ["data", "order", "order_no"] in [e["loc"][-3:] for e in resp.json()["errors"]]
    assert org.api_calls() == calls_before


def test_an_org_with_picklists_the_connector_was_not_told_of_dead_letters_with_what_to_set(
    stack: LocalStack, org: SalesforceOrg
) -> None:
    # given an org with State and Country/Territory Picklists, and a connector left in the text mode
    org.change_settings(state_country_picklists=True)
    no = unique("P")

    # when a customer with an address registers
    resp = stack.send(registration(no, f"{no.lower()}@example.com"))

    # then the event is dead-lettered (nothing the caller sent was wrong), and its state says what to set
    assert resp.status_code == 202, resp.text
    state = stack.get(f"/v1/sync/commerce/customer/{no}").json()
    assert state["status"] == "DEAD"
    assert "set salesforce.state_country_picklists true" in state["last_error"]
