"""The Salesforce session (DESIGN §3): the OAuth token is cached across invocations and renewed once
on 401 INVALID_SESSION_ID; the emulator counts token requests apart from API calls."""

from __future__ import annotations

from typing import Any

from trigger_events import event_body


def second_customer() -> dict[str, Any]:
    body = event_body("customer.registered")
    body["data"]["customer"].update(customer_no="00001002", email="li.wei@example.com")
    return body


def test_the_token_is_cached_across_invocations(connector: Any) -> None:
    connector.registration.post(event_body("customer.registered"))
    tokens = connector.salesforce.counters()["token_requests"]

    connector.registration.post(second_customer())

    assert connector.salesforce.counters()["token_requests"] == tokens


def test_an_expired_session_is_renewed_once_and_the_event_synchronizes(connector: Any) -> None:
    connector.registration.post(event_body("customer.registered"))
    tokens = connector.salesforce.counters()["token_requests"]
    connector.salesforce.admin("POST", "expire-sessions")

    status, _ = connector.registration.post(second_customer())

    assert status == 200
    assert connector.salesforce.counters()["token_requests"] == tokens + 1
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00001002")


def test_a_session_refused_again_after_renewal_is_queued_not_looped(connector: Any) -> None:
    connector.registration.post(event_body("customer.registered"))
    tokens = connector.salesforce.counters()["token_requests"]
    connector.salesforce.fault(status=401, errorCode="INVALID_SESSION_ID", count=2)

    status, _ = connector.registration.post(second_customer())

    assert status == 202
    assert connector.salesforce.counters()["token_requests"] == tokens + 1
