"""Idempotency (DESIGN §2): a repeated event_id answers what the first delivery answered and changes
nothing; the same event_id with another payload is refused."""

from __future__ import annotations

from typing import Any

from trigger_events import event_body


def test_a_repeated_event_answers_exactly_what_the_first_delivery_answered(connector: Any) -> None:
    body = event_body("customer.registered")
    first = connector.registration.post(body)
    assert first.status == 200

    again = connector.registration.post(body)

    assert again == first


def test_a_repeated_event_changes_nothing_in_salesforce(connector: Any) -> None:
    body = event_body("customer.registered")
    connector.registration.post(body)
    calls = connector.salesforce.calls()
    contacts = connector.salesforce.records("Contact")

    connector.registration.post(body)

    assert connector.salesforce.calls() == calls
    assert connector.salesforce.records("Contact") == contacts


def test_a_repeated_event_answers_queued_again_after_its_retry_synchronized_it(connector: Any) -> None:
    body = event_body("customer.registered")
    connector.salesforce.fault(status=503, count=1)
    first = connector.registration.post(body)
    assert first.status == 202
    connector.registration.drain_queue()
    assert connector.sync_status("customer", "00001001") == "SYNCED"
    calls = connector.salesforce.calls()

    again = connector.registration.post(body)

    assert again == first
    assert connector.salesforce.calls() == calls
    assert connector.registration.queue_depth() == 0


def test_a_repeated_order_event_creates_no_second_order(connector: Any) -> None:
    registered = connector.send(event_body("customer.registered"))
    body = event_body("order.created")
    body["data"]["order"]["salesforce_contact_id"] = registered.body["contact_id"]
    first = connector.order_header.post(body)

    again = connector.order_header.post(body)

    assert again == first
    assert len(connector.salesforce.records("Order")) == 1


def test_a_repeated_contact_us_submission_creates_no_second_case(connector: Any) -> None:
    body = event_body("contact_us.submitted")
    first = connector.contact_us.post(body)

    again = connector.contact_us.post(body)

    assert again == first
    assert len(connector.salesforce.records("Case")) == 1


def test_an_event_id_reused_with_another_payload_is_422_naming_event_id(connector: Any) -> None:
    body = event_body("customer.registered")
    connector.registration.post(body)
    calls = connector.salesforce.calls()
    other = {**body, "data": {**body["data"], "customer": {**body["data"]["customer"], "last_name": "Other"}}}

    status, answer = connector.registration.post(other)

    assert status == 422
    assert [e["loc"] for e in answer["errors"]] == [["event_id"]]
    assert connector.salesforce.calls() == calls
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00001001")["LastName"] == "Doe"
