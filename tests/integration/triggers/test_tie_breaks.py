"""Issue 11, ties: two events of one customer with the same `occurred_at` (a storefront's clock
dates to the millisecond, a bulk export to the second). The greater event_id wins, whatever their
order of arrival, and Salesforce and the sync state name the same winner."""

from __future__ import annotations

from typing import Any

from test_batch import registration
from trigger_events import now_iso


def _tied(at: str) -> tuple[dict[str, Any], dict[str, Any]]:
    a = registration("00005001", occurred_at=at, last_name="Alpha")
    b = registration("00005001", occurred_at=at, last_name="Bravo")
    a["event_id"], b["event_id"] = "evt-tie-a", "evt-tie-b"
    return a, b


def test_in_a_queue_batch_salesforce_and_the_sync_state_name_the_same_winner(connector: Any) -> None:
    # given two events of one instant queued, the winner first
    a, b = _tied(now_iso(-5))
    connector.configure(SYNC_MODE="async")
    connector.registration.post(b)
    connector.registration.post(a)

    # when the queue delivers them
    while connector.registration.drain_queue() is not None:
        pass

    # then both name evt-tie-b
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00005001")["LastName"] == "Bravo"
    state = connector.sync_state("commerce", "customer", "00005001").body
    assert (state["status"], state["event_id"]) == ("SYNCED", "evt-tie-b")


def test_in_real_time_the_greater_event_id_wins_whatever_arrives_last(connector: Any) -> None:
    a, b = _tied(now_iso(-5))

    connector.registration.post(b)
    answer = connector.registration.post(a)

    assert answer.body.get("stale") is True
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00005001")["LastName"] == "Bravo"
    assert connector.sync_state("commerce", "customer", "00005001").body["event_id"] == "evt-tie-b"
