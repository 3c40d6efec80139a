"""The backfill (issue 13) through the backfill function, its queue, moto and the emulators: the
storefront's existing customers and orders into Salesforce through Bulk API 2.0 jobs, resumable,
exactly once, refused records FAILED with Salesforce's error, newer live data never overwritten.

A run is started through the public API the operator CLI uses (`connector.commerce.backfill`)."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from trigger_events import event_body

from connector.commerce.backfill import BackfillRuns, RunProgress

SITE = "RefArch"
LISTS = ("ListA", "ListB")
OLD = "2026-01-15T10:00:00.000Z"


def customers(count: int, lists: tuple[str, ...] = LISTS, last_modified: str = OLD) -> list[dict[str, Any]]:
    return [
        {
            "customer_no": f"B{n:05d}",
            "email": f"backfill.{n}@example.com",
            "first_name": f"First{n}",
            "last_name": f"Last{n}",
            "site_id": SITE,
            "customer_list_id": lists[n % len(lists)],
            "last_modified": last_modified,
        }
        for n in range(count)
    ]


def runs(connector: Any) -> BackfillRuns:
    aws = connector.aws
    return BackfillRuns(aws.dynamodb, aws.sync_state_table, aws.sqs, connector.backfill.queue_url)


def run_to_the_end(connector: Any, run_id: str, deadline_seconds: float = 60) -> RunProgress:
    """Feed the backfill function its queue, one message at a time, as its event source does."""
    backfill = connector.backfill
    end = time.monotonic() + deadline_seconds
    while backfill.queue_depth() and time.monotonic() < end:
        if backfill.drain_queue(1) is None:
            time.sleep(0.1)  # a delayed poll
    progress = runs(connector).progress(run_id)
    assert progress is not None
    return progress


def contacts_by_number(connector: Any) -> Counter[str]:
    return Counter(c["Commerce_Customer_No__c"] for c in connector.salesforce.records("Contact"))


# -- customers --------------------------------------------------------------------------------------


def test_backfilled_customers_are_contacts_under_their_lists_accounts_once_each(connector: Any) -> None:
    connector.storefront.seed({"customers": customers(120), "customer_lists": list(LISTS)})

    started = runs(connector).start_customers(SITE, list(LISTS), records_per_job=40)
    done = run_to_the_end(connector, started.run_id)

    assert (done.state, done.records_read, done.records_written, done.records_failed) == ("COMPLETE", 120, 120, 0)
    assert done.chunks_done == done.chunks_started == 4  # 60 customers per list, 40 a job
    by_number = contacts_by_number(connector)
    assert len(by_number) == 120 and set(by_number.values()) == {1}
    accounts = {a["Commerce_Customer_List_Id__c"]: a["Id"] for a in connector.salesforce.records("Account")}
    contact = connector.salesforce.one("Contact", Commerce_Customer_No__c="B00003")
    assert contact["AccountId"] == accounts["ListB"]
    assert (contact["Customer_Type__c"], contact["Commerce_Sync_Status__c"]) == ("Registered", "Synchronized")
    assert (contact["FirstName"], contact["Email"]) == ("First3", "backfill.3@example.com")


def test_backfilled_customers_read_synced_in_the_sync_state_with_their_ids(connector: Any) -> None:
    connector.storefront.seed({"customers": customers(4), "customer_lists": list(LISTS)})

    run_to_the_end(connector, runs(connector).start_customers(SITE, list(LISTS)).run_id)

    status, state = connector.sync_state("commerce", "customer", "B00002")
    contact = connector.salesforce.one("Contact", Commerce_Customer_No__c="B00002")
    assert status == 200
    assert (state["status"], state["event_type"]) == ("SYNCED", "backfill.customer")
    assert state["salesforce_ids"] == {"contact_id": contact["Id"], "account_id": contact["AccountId"]}


def test_three_hundred_customers_in_two_lists_cost_a_handful_of_salesforce_calls(connector: Any) -> None:
    connector.storefront.seed({"customers": customers(300), "customer_lists": list(LISTS)})

    done = run_to_the_end(connector, runs(connector).start_customers(SITE, list(LISTS)).run_id)

    # Per list one job: create, upload, close, poll, 3 results; plus the two lists' Accounts.
    assert done.records_written == 300
    assert connector.salesforce.calls() <= 16
    assert done.salesforce_calls == connector.salesforce.calls()


def test_a_customer_salesforce_refuses_is_failed_with_its_error_and_not_counted_written(connector: Any) -> None:
    connector.storefront.seed({"customers": customers(10), "customer_lists": list(LISTS)})
    connector.salesforce.fault(
        scope="record",
        externalId="B00004",
        errorCode="FIELD_CUSTOM_VALIDATION_EXCEPTION",
        message="backfill.4@example.com needs a mailing address",
        fields=["MailingStreet"],
    )

    done = run_to_the_end(connector, runs(connector).start_customers(SITE, list(LISTS)).run_id)

    assert (done.records_written, done.records_failed) == (9, 1)
    assert "B00004" not in contacts_by_number(connector)
    _, state = connector.sync_state("commerce", "customer", "B00004")
    assert state["status"] == "FAILED"
    # Salesforce's code and field, not its message (it may quote the record's values).
    assert state["last_error"] == "Salesforce refused the record: FIELD_CUSTOM_VALIDATION_EXCEPTION on MailingStreet"


def test_a_run_killed_after_its_job_was_created_resumes_without_writing_a_record_twice(connector: Any) -> None:
    connector.storefront.seed({"customers": customers(40), "customer_lists": list(LISTS)})
    # The first upload dies (the invocation "killed" after the job id was checkpointed): the step's
    # message comes back, the Open job is aborted and the chunk sent again in a new job.
    connector.salesforce.fault(match="PUT /services/data/v62.0/jobs/ingest", status=503, count=1)

    done = run_to_the_end(connector, runs(connector).start_customers(SITE, list(LISTS)).run_id)

    by_number = contacts_by_number(connector)
    assert len(by_number) == 40 and set(by_number.values()) == {1}
    assert (done.state, done.records_read, done.records_written, done.records_failed) == ("COMPLETE", 40, 40, 0)
    assert Counter(r["status"] for r in connector.salesforce.requests_log("PUT /services")) == {503: 1, 201: 2}
    assert job_states_set(connector).count("Aborted") == 1


def job_states_set(connector: Any) -> list[str]:
    """The states the backfill asked its Bulk API jobs to take (PATCH .../jobs/ingest/{id})."""
    return [r["json"]["state"] for r in connector.salesforce.requests_log("PATCH /services/data/v62.0/jobs/ingest")]


def test_a_run_killed_before_its_closed_job_was_read_resumes_from_the_job(connector: Any) -> None:
    connector.storefront.seed({"customers": customers(40), "customer_lists": list(LISTS)})
    # Every read of the first job fails (the client tries a read 3 times): the step dies after close.
    connector.salesforce.fault(match="GET /services/data/v62.0/jobs/ingest", status=503, count=3)

    done = run_to_the_end(connector, runs(connector).start_customers(SITE, list(LISTS)).run_id)

    by_number = contacts_by_number(connector)
    assert len(by_number) == 40 and set(by_number.values()) == {1}
    assert (done.state, done.records_written) == ("COMPLETE", 40)
    assert 503 in [r["status"] for r in connector.salesforce.requests_log("GET /services/data/v62.0/jobs/ingest")]
    assert "Aborted" not in job_states_set(connector)  # the closed job was read, not replaced


def test_a_newer_live_update_is_not_overwritten_by_the_backfill(connector: Any) -> None:
    connector.storefront.seed({"customers": customers(2), "customer_lists": list(LISTS)})
    live = event_body("customer.updated")
    live["data"]["customer"].update(customer_no="B00001", email="backfill.1@example.com", first_name="Newer")
    live["data"]["customer_list_id"] = "ListB"
    assert connector.send(live).status == 200

    done = run_to_the_end(connector, runs(connector).start_customers(SITE, list(LISTS)).run_id)

    assert (done.records_written, done.records_skipped) == (1, 1)
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="B00001")["FirstName"] == "Newer"
    _, state = connector.sync_state("commerce", "customer", "B00001")
    assert state["event_id"] == live["event_id"]


def test_a_live_update_after_the_backfill_wins_by_the_usual_version_rule(connector: Any) -> None:
    connector.storefront.seed({"customers": customers(2), "customer_lists": list(LISTS)})
    run_to_the_end(connector, runs(connector).start_customers(SITE, list(LISTS)).run_id)
    older = event_body("customer.updated", occurred_at="2026-01-01T00:00:00.000Z")
    older["data"]["customer"].update(customer_no="B00001", email="backfill.1@example.com", first_name="Older")
    newer = event_body("customer.updated")
    newer["data"]["customer"].update(customer_no="B00001", email="backfill.1@example.com", first_name="Newer")

    stale = connector.send(older)
    fresh = connector.send(newer)

    assert stale.body.get("stale") is True
    assert fresh.status == 200
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="B00001")["FirstName"] == "Newer"


# -- orders -----------------------------------------------------------------------------------------


def order(order_no: str, created: str, **customer_info: Any) -> dict[str, Any]:
    return {
        "order_no": order_no,
        "site_id": SITE,
        "creation_date": created,
        "last_modified": created,
        "order_total": 42.5,
        "product_items": [{"product_id": "P1", "quantity": 1, "price": 42.5}],
        "customer_info": customer_info,
    }


def test_backfilled_orders_link_to_their_customers_as_live_orders_do(connector: Any) -> None:
    connector.storefront.seed(
        {
            "customers": customers(2),
            "customer_lists": list(LISTS),
            "orders": [
                order("O1", "2026-02-01T10:00:00.000Z", customer_no="B00001", email="backfill.1@example.com"),
                order("O2", "2026-02-02T10:00:00.000Z", email="guest.shopper@example.com", customer_name="Gus Guest"),
                order("O3", "2026-03-05T10:00:00.000Z", customer_no="B00000", email="backfill.0@example.com"),
            ],
        }
    )
    backfill = runs(connector)
    run_to_the_end(connector, backfill.start_customers(SITE, list(LISTS)).run_id)

    from datetime import UTC, datetime

    done = run_to_the_end(
        connector,
        backfill.start_orders(SITE, datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)).run_id,
    )

    assert (done.state, done.records_read, done.records_written) == ("COMPLETE", 2, 2)
    registered = connector.salesforce.one("Order", Commerce_Order_No__c="O1")
    customer = connector.salesforce.one("Contact", Commerce_Customer_No__c="B00001")
    assert (registered["Contact__c"], registered["AccountId"]) == (customer["Id"], customer["AccountId"])
    assert (registered["Customer_Type__c"], registered["Commerce_Sync_Status__c"]) == ("Registered", "Synchronized")
    guest_order = connector.salesforce.one("Order", Commerce_Order_No__c="O2")
    guest = connector.salesforce.one("Contact", Email="guest.shopper@example.com")
    assert (guest_order["Contact__c"], guest_order["Customer_Type__c"]) == (guest["Id"], "Guest")
    assert guest["Customer_Type__c"] == "Guest"
    assert connector.salesforce.find("Order", Commerce_Order_No__c="O3") == []  # outside the date range


def test_new_guests_of_an_orders_backfill_cost_a_few_calls_a_page_not_a_call_per_guest(connector: Any) -> None:
    # Given 30 guest orders of 20 shoppers Salesforce does not know (ten of them ordered twice)
    from datetime import UTC, datetime

    guest_orders = [
        order(
            f"G{n:03d}",
            f"2026-02-{1 + n % 27:02d}T10:00:00.000Z",
            email=f"shopper.{n % 20}@example.com",
            customer_name=f"Gus Shopper{n % 20}",
        )
        for n in range(30)
    ]
    connector.storefront.seed({"orders": guest_orders})

    # When the site's orders are backfilled
    done = run_to_the_end(
        connector,
        runs(connector).start_orders(SITE, datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)).run_id,
    )

    # Then each shopper is one Guest Contact, each order linked to its shopper's, for a handful of
    # API calls (a live order.created of a new guest costs a look-up and a write each: 60 here)
    assert (done.state, done.records_written, done.records_failed) == ("COMPLETE", 30, 0)
    guests = connector.salesforce.records("Contact")
    assert sorted(c["Email"] for c in guests) == sorted(f"shopper.{n}@example.com" for n in range(20))
    assert {c["Customer_Type__c"] for c in guests} == {"Guest"}
    contact_of = {c["Email"]: c["Id"] for c in guests}
    for n in (0, 19, 29):
        placed = connector.salesforce.one("Order", Commerce_Order_No__c=f"G{n:03d}")
        assert placed["Contact__c"] == contact_of[f"shopper.{n % 20}@example.com"]
        assert (placed["Customer_Type__c"], placed["Commerce_Sync_Status__c"]) == ("Guest", "Created")
    assert connector.salesforce.calls() <= 20
