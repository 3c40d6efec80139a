"""`python -m bench.backfill [CUSTOMERS [ORDERS]]`: the backfill through a fresh local stack.

The storefront emulator is seeded with CUSTOMERS registered customers (10,000 by default) in two
customer lists and ORDERS orders (5,000 by default; every 50th a guest's); the customers' run, then
the orders' run, are started through the API the operator CLI uses (`connector.commerce.backfill`)
and followed to the end while the stack's poller feeds the backfill function (RIE) its queue.
Printed per run: records read, written, failed, skipped, Salesforce API calls (and per 1,000
records), records/s; then what Salesforce holds (Contacts, Orders, and customer numbers or order
numbers held twice: must be 0).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import boto3
import requests

from bench.soak import soak_stack
from connector.commerce.backfill import BackfillRuns, RunProgress
from devstack.seeds import BACKFILL_LISTS, BACKFILL_SITE, backfill_documents, seed_backfill

STATE_DIR_NAME = "backfill"
RUN_TIMEOUT = 900.0


def _aws(health: dict[str, Any], service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=health["moto"],
        region_name=health.get("region", "us-east-1"),
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # moto accepts any credentials
    )


def _api_calls(salesforce: str) -> int:
    return int(requests.get(f"{salesforce}/_admin/counters", timeout=30).json()["total"])


def follow(runs: BackfillRuns, run_id: str, timeout: float = RUN_TIMEOUT) -> RunProgress:
    """Poll the run's progress until it is COMPLETE (or the timeout: then as far as it got)."""
    end = time.monotonic() + timeout
    while True:
        progress = runs.progress(run_id)
        assert progress is not None
        if progress.state == "COMPLETE" or time.monotonic() > end:
            return progress
        time.sleep(0.5)


def report(name: str, progress: RunProgress, seconds: float, api_calls: int) -> None:
    handled = progress.records_written + progress.records_failed + progress.records_skipped
    per_thousand = api_calls * 1000 / handled if handled else 0.0
    print(
        f"backfill {name:9s}: {progress.state}, read {progress.records_read}, written {progress.records_written}, "
        f"failed {progress.records_failed}, skipped {progress.records_skipped}; "
        f"Salesforce API calls {api_calls} ({per_thousand:.1f} per 1,000 records; the run counted "
        f"{progress.salesforce_calls}); {handled / seconds:.0f} records/s ({seconds:.1f} s, "
        f"{progress.chunks_done} jobs)"
    )


def run(customers: int = 10_000, orders: int = 5_000) -> None:
    from bench.soak import ROOT

    with soak_stack(concurrency=2, state_dir=ROOT / ".devstack" / STATE_DIR_NAME) as stack:
        health = stack.health
        started = time.perf_counter()
        seed_backfill(health["commerce"], backfill_documents(customers, orders))
        print(
            f"backfill seed: {customers} customers in {len(BACKFILL_LISTS)} lists, {orders} orders "
            f"in {time.perf_counter() - started:.1f} s"
        )
        runs = BackfillRuns(
            _aws(health, "dynamodb"),
            health["tables"]["SyncStateTable"],
            _aws(health, "sqs"),
            health["functions"]["BackfillFunction"]["queue_url"],
        )
        salesforce = health["salesforce"]
        for name, start in (
            ("customers", lambda: runs.start_customers(BACKFILL_SITE, list(BACKFILL_LISTS))),
            (
                "orders",
                lambda: runs.start_orders(
                    BACKFILL_SITE, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)
                ),
            ),
        ):
            calls = _api_calls(salesforce)
            began = time.perf_counter()
            progress = follow(runs, start().run_id)
            report(name, progress, time.perf_counter() - began, _api_calls(salesforce) - calls)
        held = {
            sobject: Counter(
                r[key]
                for r in requests.get(f"{salesforce}/_admin/records/{sobject}", timeout=60).json()["records"]
                if r.get(key)
            )
            for sobject, key in (("Contact", "Commerce_Customer_No__c"), ("Order", "Commerce_Order_No__c"))
        }
        print(
            f"backfill held: {len(held['Contact'])} registered Contacts, {len(held['Order'])} Orders; "
            f"held twice: {sum(1 for n in held['Contact'].values() if n > 1)} customers, "
            f"{sum(1 for n in held['Order'].values() if n > 1)} orders"
        )


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    customers = int(args[0]) if args else 10_000
    orders = int(args[1]) if len(args) > 1 else 5_000
    run(customers, orders)


if __name__ == "__main__":
    main()
