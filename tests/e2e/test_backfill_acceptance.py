"""Issue 13's backfill acceptance through the local stack (RIE functions, the backfill queue's
poller, moto, the emulators), at a tenth of the bench's size: seeded customers in two lists and
their orders end in Salesforce exactly once, linked as live events link them."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from connector.commerce.backfill import BackfillRuns, RunProgress
from devstack.seeds import backfill_documents, seed_backfill

pytestmark = pytest.mark.e2e

SITE = "E2EBackfill"
LISTS = ("E2EBackfillA", "E2EBackfillB")
PREFIX = "EBF"


def _aws(stack: Any, service: str) -> Any:
    return boto3.client(
        service, endpoint_url=stack.moto, region_name="us-east-1", aws_access_key_id="e2e", aws_secret_access_key="e2e"
    )


def follow(runs: BackfillRuns, run_id: str, timeout: float = 180) -> RunProgress:
    end = time.monotonic() + timeout
    while True:
        progress = runs.progress(run_id)
        assert progress is not None
        if progress.state == "COMPLETE" or time.monotonic() > end:
            return progress
        time.sleep(0.3)


def held(stack: Any, sobject: str, key: str) -> dict[str, list[dict[str, Any]]]:
    records = stack.http.get(f"{stack.salesforce}/_admin/records/{sobject}", timeout=60).json()["records"]
    found: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if str(record.get(key) or "").startswith(PREFIX):
            found.setdefault(record[key], []).append(record)
    return found


def test_customers_of_two_lists_then_their_orders_end_in_salesforce_once_each_and_linked(stack: Any) -> None:
    documents = backfill_documents(1000, 500, LISTS, site=SITE, prefix=PREFIX)
    seed_backfill(str(stack.commerce), documents)
    runs = BackfillRuns(
        _aws(stack, "dynamodb"),
        stack.health["tables"]["SyncStateTable"],
        _aws(stack, "sqs"),
        stack.function("BackfillFunction")["queue_url"],
    )

    customers = follow(runs, runs.start_customers(SITE, list(LISTS)).run_id)
    orders = follow(
        runs,
        runs.start_orders(SITE, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)).run_id,
    )

    assert (customers.state, customers.records_written, customers.records_failed) == ("COMPLETE", 1000, 0)
    assert (orders.state, orders.records_written, orders.records_failed) == ("COMPLETE", 500, 0)
    contacts = held(stack, "Contact", "Commerce_Customer_No__c")
    placed = held(stack, "Order", "Commerce_Order_No__c")
    assert len(contacts) == 1000 and Counter(len(v) for v in contacts.values()) == {1: 1000}
    assert len(placed) == 500 and Counter(len(v) for v in placed.values()) == {1: 500}
    # Order n was placed by customer n (every 50th by a guest), as the seed says.
    [first] = placed[f"{PREFIX}O0000001"]
    [buyer] = contacts[f"{PREFIX}000001"]
    assert (first["Contact__c"], first["AccountId"], first["Customer_Type__c"]) == (
        buyer["Id"],
        buyer["AccountId"],
        "Registered",
    )
    [guest_order] = placed[f"{PREFIX}O0000000"]
    assert guest_order["Customer_Type__c"] == "Guest" and guest_order["Contact__c"]
