"""The queue path (DESIGN §1): the function consumes its own queue in SQS batches with
ReportBatchItemFailures; a failing record never fails its neighbours; the newest version of an
entity wins inside a batch; batches write through sObject collections (README, API economy)."""

from __future__ import annotations

from typing import Any

from trigger_events import event_body, now_iso


def registration(customer_no: str, *, minimal: bool = False, occurred_at: str | None = None, **customer: Any) -> dict:
    body = event_body("customer.registered.minimal" if minimal else "customer.registered", occurred_at=occurred_at)
    body["data"]["customer"].update(customer_no=customer_no, email=f"c{customer_no}@example.com", **customer)
    return body


def queue(connector: Any, *bodies: dict) -> None:
    """Accept `bodies` in async mode: each is on the registration queue, none written yet."""
    connector.configure(SYNC_MODE="async")
    for body in bodies:
        assert connector.registration.post(body).status == 202


def test_several_registrations_in_one_batch_all_synchronize(connector: Any) -> None:
    nos = ["00003001", "00003002", "00003003"]
    queue(connector, *(registration(no) for no in nos))

    response = connector.registration.drain_queue()

    assert response == {"batchItemFailures": []}
    assert sorted(c["Commerce_Customer_No__c"] for c in connector.salesforce.records("Contact")) == nos
    assert [connector.sync_status("customer", no) for no in nos] == ["SYNCED"] * 3
    assert connector.registration.queue_depth() == 0


def test_a_batch_of_registrations_costs_one_collection_call_per_object(connector: Any) -> None:
    queue(connector, *(registration(no) for no in ("00003001", "00003002", "00003003")))

    connector.registration.drain_queue()

    counters = connector.salesforce.counters()
    assert counters["total"] == 2  # the customer list's Account, then the three Contacts
    assert counters["by_operation"]["collections"] == 2


def test_a_partial_failure_reports_only_the_failing_message(connector: Any) -> None:
    connector.storefront.seed({"customers": [{"customer_no": "00003002", "email": "c00003002@example.com"}]})
    queue(
        connector,
        registration("00003001"),
        registration("00003002", minimal=True),  # needs OCAPI, which is down for this customer
        registration("00003003"),
    )
    connector.storefront.fault(status=503, match="/customers/00003002")
    messages = connector.registration.receive()
    failing = next(m["MessageId"] for m in messages if '"00003002"' in m["Body"])

    response = connector.registration.feed(messages)

    assert response == {"batchItemFailures": [{"itemIdentifier": failing}]}
    assert [connector.sync_status("customer", no) for no in ("00003001", "00003002", "00003003")] == [
        "SYNCED",
        "QUEUED",
        "SYNCED",
    ]
    assert connector.registration.queue_depth() == 1


def test_the_failed_message_of_a_batch_synchronizes_on_its_next_receive(connector: Any) -> None:
    connector.storefront.seed(
        {"customers": [{"customer_no": "00003002", "email": "c00003002@example.com", "first_name": "Li"}]}
    )
    queue(connector, registration("00003001"), registration("00003002", minimal=True))
    connector.storefront.fault(status=503, match="/customers/00003002", count=1)
    connector.registration.drain_queue()

    response = connector.registration.drain_queue()

    assert response == {"batchItemFailures": []}
    assert connector.sync_status("customer", "00003002") == "SYNCED"
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00003002")["FirstName"] == "Li"


def test_two_versions_of_one_customer_in_one_batch_the_newest_wins(connector: Any) -> None:
    older = registration("00003001", occurred_at=now_iso(-60), last_name="Older")
    newer = registration("00003001", occurred_at=now_iso(), last_name="Newer")
    newer["event_type"] = "customer.updated"
    queue(connector, older, newer)
    messages = connector.registration.receive()
    assert len(messages) == 2

    response = connector.registration.feed(messages)

    assert response == {"batchItemFailures": []}
    contacts = connector.salesforce.find("Contact", Commerce_Customer_No__c="00003001")
    assert [c["LastName"] for c in contacts] == ["Newer"]
    state = connector.sync_state("commerce", "customer", "00003001").body
    assert (state["status"], state["event_id"]) == ("SYNCED", newer["event_id"])


def test_a_queued_older_version_never_overwrites_a_newer_one_synchronized_meanwhile(connector: Any) -> None:
    older = registration("00003001", occurred_at=now_iso(-60), last_name="Older")
    connector.salesforce.fault(status=503, count=1)
    assert connector.registration.post(older).status == 202  # waits on the queue
    newer = registration("00003001", occurred_at=now_iso(), last_name="Newer")
    newer["event_type"] = "customer.updated"
    assert connector.registration.post(newer).status == 200

    response = connector.registration.drain_queue()

    assert response == {"batchItemFailures": []}
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00003001")["LastName"] == "Newer"
    assert connector.sync_state("commerce", "customer", "00003001").body["event_id"] == newer["event_id"]


def test_an_at_least_once_duplicate_of_done_work_is_dropped_without_a_salesforce_call(connector: Any) -> None:
    queue(connector, registration("00003001"))
    messages = connector.registration.receive()
    connector.registration.invoke(connector.registration.batch_event(messages))  # processed, but not deleted
    calls = connector.salesforce.calls()

    response = connector.registration.feed(messages)  # SQS delivers the same message again

    assert response == {"batchItemFailures": []}
    assert connector.salesforce.calls() == calls
    assert len(connector.salesforce.records("Contact")) == 1


def test_an_update_from_the_queue_that_changes_nothing_spends_no_salesforce_call(connector: Any) -> None:
    queue(connector, registration("00003001", occurred_at=now_iso(-60)))
    connector.registration.drain_queue()
    calls = connector.salesforce.calls()
    same = registration("00003001")
    same["event_type"] = "customer.updated"
    assert connector.registration.post(same).status == 202

    assert connector.registration.drain_queue() == {"batchItemFailures": []}

    assert connector.salesforce.calls() == calls
    assert connector.sync_state("commerce", "customer", "00003001").body["event_id"] == same["event_id"]
