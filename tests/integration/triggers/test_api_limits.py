"""The org's daily API allocation (a rolling 24 hours): REQUEST_LIMIT_EXCEEDED, and usage past
`salesforce.defer_at_api_usage`, make sync events wait in the queue, without using up an attempt,
so that they are never dead-lettered for it (the queue's maxReceiveCount is MAX_RECEIVE_COUNT here)."""

from __future__ import annotations

import time
from typing import Any

from trigger_events import event_body

DEFER_SECONDS = 1
MAX_RECEIVE_COUNT = 3  # conftest's


def deliver_after_the_deferral(connector: Any) -> Any:
    time.sleep(DEFER_SECONDS + 0.1)
    return connector.registration.drain_queue()


def test_request_limit_exceeded_on_the_queue_defers_the_message_past_max_receive_count_none_dead(
    connector: Any,
) -> None:
    # given a queued event, and Salesforce refusing every call for the allocation
    connector.configure({"salesforce": {"defer_seconds": DEFER_SECONDS}}, SYNC_MODE="async")
    body = event_body("customer.registered")
    connector.registration.post(body)
    connector.salesforce.fault(status=403, errorCode="REQUEST_LIMIT_EXCEEDED", count=1000)

    # when the queue delivers it more often than its maxReceiveCount
    responses = [deliver_after_the_deferral(connector) for _ in range(MAX_RECEIVE_COUNT + 1)]

    # then each delivery was acknowledged and the event sent back to wait: QUEUED, no attempt used, none dead
    assert responses == [{"batchItemFailures": []}] * (MAX_RECEIVE_COUNT + 1)
    assert connector.registration.queue_depth() == 1
    state = connector.sync_state("commerce", "customer", "00001001").body
    assert (state["status"], state["attempts"]) == ("QUEUED", 0)
    assert state["last_error"].startswith("deferred: ") and "REQUEST_LIMIT_EXCEEDED" in state["last_error"]
    assert connector.registration.dead_letters() == []


def test_a_deferred_event_syncs_once_salesforce_answers_again(connector: Any) -> None:
    # given an event deferred by REQUEST_LIMIT_EXCEEDED
    connector.configure({"salesforce": {"defer_seconds": DEFER_SECONDS}}, SYNC_MODE="async")
    connector.registration.post(event_body("customer.registered"))
    connector.salesforce.fault(status=403, errorCode="REQUEST_LIMIT_EXCEEDED", count=1)
    deliver_after_the_deferral(connector)

    # when it comes back after the deferral
    deliver_after_the_deferral(connector)

    # then it is synced
    assert connector.sync_status("customer", "00001001") == "SYNCED"


def test_past_the_threshold_a_real_time_event_is_queued_without_a_salesforce_call(connector: Any) -> None:
    # given an org at 90% of its allocation, which the connector has seen on an answer
    connector.salesforce.admin("POST", "/limits", {"allocation": 1000, "used": 899})
    assert connector.registration.post(event_body("customer.registered")).status == 200
    calls = connector.salesforce.calls()

    # when another customer registers
    body = event_body("customer.registered")
    body["data"]["customer"]["customer_no"] = "00001002"
    answer = connector.registration.post(body)

    # then it is queued (202) with no call spent, and says why
    assert answer == (202, {"status": "queued", "event_id": body["event_id"]})
    assert connector.salesforce.calls() == calls
    state = connector.sync_state("commerce", "customer", "00001002").body
    assert state["status"] == "QUEUED"
    assert state["last_error"] == "deferred: API usage 900/1000 is past 80% of the daily allocation"


def test_the_reconciler_requeues_a_deferred_event_whose_message_was_lost_but_never_kills_it(connector: Any) -> None:
    # given a deferred event
    connector.configure({"salesforce": {"defer_seconds": DEFER_SECONDS}}, SYNC_MODE="async")
    connector.registration.post(event_body("customer.registered"))
    connector.salesforce.fault(status=403, errorCode="REQUEST_LIMIT_EXCEEDED", count=1000)
    deliver_after_the_deferral(connector)

    # when its message is lost and the sweep finds it, more often than max_receive_count
    for _ in range(MAX_RECEIVE_COUNT + 1):
        connector.registration.lose_messages()
        connector.age_sync_state(3600)
        assert connector.reconciler.schedule() == {"requeued": 1, "dead": 0}

    # then it is still waiting, its attempts untouched
    state = connector.sync_state("commerce", "customer", "00001001").body
    assert (state["status"], state["attempts"]) == ("QUEUED", 0)
