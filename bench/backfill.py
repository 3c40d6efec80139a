"""`python -m bench.backfill [CUSTOMERS [ORDERS]]`: the backfill through a fresh local stack.

The storefront emulator is seeded with CUSTOMERS registered customers (10,000 by default) in two
customer lists and ORDERS orders (5,000 by default; every 50th a guest's); the customers' run, then
the orders' run, are started through the API the operator CLI uses (`connector.commerce.backfill`)
and followed to the end while the stack's poller feeds the backfill function (RIE) its queue.
Printed per run: records read, written, failed, skipped, Salesforce API calls (and per 1,000
records), records/s; then what Salesforce holds (Contacts, Orders, and customer numbers, order
numbers or guest emails held twice: must be 0).

Kill and resume: once the customers' run has a chunk done, the backfill function's runtimes are
killed (SIGKILL, as Lambda ends an invocation that runs out of time or memory) while they work; the
queue's messages in flight come back after their visibility timeout (lowered to KILL_VISIBILITY_SECONDS
on the bench's own stack so that the bench does not wait the template's 30 minutes) and the run
resumes from its checkpoints. Printed: how many runtimes were killed and at which chunk, then the
run's end and what Salesforce holds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import requests

from bench.soak import soak_stack
from connector.commerce.backfill import BackfillRuns, RunProgress
from devstack.seeds import BACKFILL_LISTS, BACKFILL_SITE, backfill_documents, seed_backfill

STATE_DIR_NAME = "backfill"
RUN_TIMEOUT = 900.0
KILL_VISIBILITY_SECONDS = 60


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


def _runtimes_of(root_pid: int, service: str) -> list[int]:
    """The pids under `root_pid` (the bench's own stack) whose environment names the function's
    service (`POWERTOOLS_SERVICE_NAME`): its RIE and runtime processes."""
    found: list[int] = []
    frontier = [root_pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            for child in children:
                frontier.append(child)
                try:
                    environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
                except OSError:
                    continue
                if f"POWERTOOLS_SERVICE_NAME={service}".encode() in environ:
                    found.append(child)
    return found


def follow_and_kill(runs: BackfillRuns, run_id: str, stack_pid: int) -> tuple[RunProgress, str]:
    """Follow the run; once a chunk is done and more are to come, kill the backfill's runtimes."""
    end = time.monotonic() + RUN_TIMEOUT
    killed = ""
    while True:
        progress = runs.progress(run_id)
        assert progress is not None
        if progress.state == "COMPLETE" or time.monotonic() > end:
            return progress, killed or "not killed (the run ended before a chunk was done)"
        if not killed and progress.chunks_done >= 1:
            pids = _runtimes_of(stack_pid, "backfill")
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            killed = (
                f"killed {len(pids)} backfill runtime process(es) at {progress.chunks_done}/"
                f"{progress.chunks_started} chunks done, {progress.records_written} written"
            )
            print(f"backfill kill : {killed}", flush=True)
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
        # A killed invocation's messages come back after the queue's visibility timeout.
        sqs = _aws(health, "sqs")
        sqs.set_queue_attributes(
            QueueUrl=health["functions"]["BackfillFunction"]["queue_url"],
            Attributes={"VisibilityTimeout": str(KILL_VISIBILITY_SECONDS)},
        )
        kill_note = ""
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
            if name == "customers":
                progress, kill_note = follow_and_kill(runs, start().run_id, stack.proc.pid)
            else:
                progress = follow(runs, start().run_id)
            report(name, progress, time.perf_counter() - began, _api_calls(salesforce) - calls)
        records = {
            sobject: requests.get(f"{salesforce}/_admin/records/{sobject}", timeout=60).json()["records"]
            for sobject in ("Contact", "Order")
        }
        held = {
            name: Counter(r[key] for r in records[sobject] if r.get(key) and keep(r))
            for name, sobject, key, keep in (
                ("customers", "Contact", "Commerce_Customer_No__c", lambda r: True),
                ("orders", "Order", "Commerce_Order_No__c", lambda r: True),
                ("guests", "Contact", "Email", lambda r: r.get("Customer_Type__c") == "Guest"),
            )
        }
        twice = {name: sum(1 for n in counts.values() if n > 1) for name, counts in held.items()}
        print(
            f"backfill held: {len(held['customers'])} registered Contacts, {len(held['guests'])} guest Contacts, "
            f"{len(held['orders'])} Orders; held twice: {twice['customers']} customers, "
            f"{twice['orders']} orders, {twice['guests']} guest emails"
        )
        print(f"backfill kill-and-resume: {kill_note}; the run then resumed to its end (figures above)")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    customers = int(args[0]) if args else 10_000
    orders = int(args[1]) if len(args) > 1 else 5_000
    run(customers, orders)


if __name__ == "__main__":
    main()
