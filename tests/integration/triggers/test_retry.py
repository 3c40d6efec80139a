"""Retries (DESIGN §1, §2): a transient Salesforce failure answers 202 and queues the event; the
function's own queue then completes it; a permanent refusal dead-letters it at once; after
MAX_RECEIVE_COUNT attempts the state reads DEAD; SYNC_MODE=async queues everything."""

from __future__ import annotations

from typing import Any

import pytest
from trigger_events import event_body

TRANSIENT = [
    pytest.param(503, "SERVER_UNAVAILABLE", id="server-unavailable"),
    pytest.param(400, "UNABLE_TO_LOCK_ROW", id="unable-to-lock-row"),
    pytest.param(403, "REQUEST_LIMIT_EXCEEDED", id="request-limit-exceeded"),
]


@pytest.mark.parametrize(("status", "code"), TRANSIENT)
def test_a_transient_salesforce_failure_answers_202_and_queues_the_event(
    connector: Any, status: int, code: str
) -> None:
    body = event_body("customer.registered")
    connector.salesforce.fault(status=status, errorCode=code)

    answer = connector.registration.post(body)

    assert answer == (202, {"status": "queued", "event_id": body["event_id"]})
    assert connector.registration.queue_depth() == 1
    state = connector.sync_state("commerce", "customer", "00001001").body
    assert state["status"] == "QUEUED"
    assert code in state["last_error"]


def test_draining_the_queue_after_salesforce_recovers_synchronizes_the_contact(connector: Any) -> None:
    body = event_body("customer.registered")
    connector.salesforce.fault(status=503)
    assert connector.registration.post(body).status == 202
    connector.salesforce.clear_faults()

    response = connector.registration.drain_queue()

    assert not response["batchItemFailures"]
    state = connector.sync_state("commerce", "customer", "00001001").body
    assert state["status"] == "SYNCED"
    contact = connector.salesforce.one("Contact", Commerce_Customer_No__c="00001001")
    assert state["salesforce_ids"]["contact_id"] == contact["Id"]
    assert contact["Commerce_Sync_Status__c"] == "Synchronized"
    assert connector.registration.queue_depth() == 0


def test_a_retry_that_fails_again_stays_on_the_queue_as_a_batch_item_failure(connector: Any) -> None:
    body = event_body("customer.registered")
    connector.salesforce.fault(status=503)
    connector.registration.post(body)

    response = connector.registration.drain_queue()

    assert len(response["batchItemFailures"]) == 1
    assert connector.registration.queue_depth() == 1
    state = connector.sync_state("commerce", "customer", "00001001").body
    assert (state["status"], state["attempts"]) == ("QUEUED", 1)


def test_after_max_receive_count_failed_attempts_the_state_is_dead_and_the_message_in_the_dlq(
    connector: Any,
) -> None:
    body = event_body("customer.registered")
    connector.salesforce.fault(status=503)
    connector.registration.post(body)

    for _ in range(3):  # MAX_RECEIVE_COUNT
        connector.registration.drain_queue()
    leftover = connector.registration.drain_queue()  # SQS's redrive moves it on this receive

    assert leftover is None
    state = connector.sync_state("commerce", "customer", "00001001").body
    assert state["status"] == "DEAD"
    assert "SERVER_UNAVAILABLE" in state["last_error"]
    assert [m["body"]["event_id"] for m in connector.registration.dead_letters()] == [body["event_id"]]
    assert connector.salesforce.find("Contact", Commerce_Customer_No__c="00001001") == []


def test_a_permanent_salesforce_refusal_answers_202_and_the_state_reads_dead(connector: Any) -> None:
    body = event_body("customer.registered")
    connector.salesforce.fault(status=400, errorCode="FIELD_CUSTOM_VALIDATION_EXCEPTION", count=1)

    answer = connector.registration.post(body)

    assert answer == (202, {"status": "queued", "event_id": body["event_id"]})
    state = connector.sync_state("commerce", "customer", "00001001").body
    assert state["status"] == "DEAD"
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in state["last_error"]
    assert connector.registration.queue_depth() == 0
    dead = connector.registration.dead_letters()
    assert [m["body"]["event_id"] for m in dead] == [body["event_id"]]
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in dead[0]["attributes"]["last_error"]


def test_a_permanent_refusal_from_the_queue_dead_letters_at_once(connector: Any) -> None:
    body = event_body("customer.registered")
    connector.configure(SYNC_MODE="async")
    connector.registration.post(body)
    connector.salesforce.fault(status=400, errorCode="FIELD_CUSTOM_VALIDATION_EXCEPTION", count=1)

    response = connector.registration.drain_queue()

    assert not response["batchItemFailures"]  # nothing to retry: it is in the DLQ already
    assert connector.sync_state("commerce", "customer", "00001001").body["status"] == "DEAD"
    assert len(connector.registration.dead_letters()) == 1
    assert connector.registration.queue_depth() == 0


def test_async_mode_queues_every_event_without_calling_salesforce(connector: Any) -> None:
    connector.configure(SYNC_MODE="async")
    bodies = [
        event_body("customer.registered"),
        event_body("order.created"),
        event_body("contact_us.submitted"),
    ]

    answers = [connector.send(b) for b in bodies]

    assert answers == [(202, {"status": "queued", "event_id": b["event_id"]}) for b in bodies]
    assert connector.salesforce.calls() == 0
    assert [connector.trigger(t).queue_depth() for t in ("registration", "order_header", "contact_us")] == [1, 1, 1]
    assert connector.sync_status("customer", "00001001") == "QUEUED"


def test_async_mode_synchronizes_from_the_queue(connector: Any) -> None:
    connector.configure(SYNC_MODE="async")
    connector.registration.post(event_body("customer.registered"))

    response = connector.registration.drain_queue()

    assert not response["batchItemFailures"]
    assert connector.sync_status("customer", "00001001") == "SYNCED"
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00001001")["LastName"] == "Doe"
