"""The loyalty actions' answer time through the offer_actions function, in process against the
loyalty and Salesforce emulators over HTTP (moto for AWS), and the calls each spends: loyalty-platform
calls and Salesforce calls while the agent waits, then the Salesforce calls of its audit Task,
written from the queue.

One line per event file of `EVENTS` (events/<name>.json, its customer and offer ids pointed at a
customer of the sample's own): add a type by adding its file, and a `prepare` entry when its body
needs one of the sample's ids. Printed, never asserted.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import requests

from bench.harness import ROOT, Harness, harness
from bench.routing_latency import percentile

SAMPLES = int(os.environ.get("BENCH_LOYALTY_SAMPLES", "30"))
AUTH = ("local-loyalty-key", "local-loyalty-secret")
# The event files measured, in this order (the customer commands join when they are built).
EVENTS: tuple[str, ...] = (
    "offer.issue",
    "offer.revoke",
    "offer.redeem",
    "offer.unredeem",
    "offer.extend",
    "offer.reissue",
    "reward.purchase",
    "points.award",
    "note.add",
)
Customer = dict[str, str]
# event file -> what its body needs of the sample's customer (beyond data.customer).
PREPARE: dict[str, Callable[[dict[str, Any], Customer], None]] = {
    "offer.revoke": lambda data, c: data.update(user_offer_id=c["issued"]),
    "offer.redeem": lambda data, c: data.update(user_offer_id=c["issued"]),
    "offer.extend": lambda data, c: data.update(
        user_offer_id=c["issued"], redemption_start="2026-01-01T00:00:00Z", redemption_end="2099-01-01T00:00:00Z"
    ),
    "offer.unredeem": lambda data, c: data.update(user_offer_id=c["redeemed"]),
    "offer.reissue": lambda data, c: data.update(user_offer_id=c["expired"]),
}


def new_customer(bench: Harness) -> Customer:
    """A loyalty customer with 5000 points and a user offer in each state, and their Contact."""
    tag = uuid.uuid4().hex[:10]
    customer = {
        "external_id": f"BENCH_{tag}",
        "issued": f"uo-{tag}-i",
        "redeemed": f"uo-{tag}-r",
        "expired": f"uo-{tag}-e",
    }
    user = {"id": f"u-{tag}", "external_id": customer["external_id"], "email": f"{tag}@example.com"}
    seed = {
        "offers": [
            {"id": "offer-5-off-check", "name": "$5 off your next check"},
            {"id": "reward-travel-mug", "name": "Travel mug", "points_cost": 500, "redemption_days": 90},
        ],
        "users": [{**user, "point_accounts": {"Point Account": 5000}}],
        "user_offers": [
            {"id": customer[state], "user_id": user["id"], "offer_id": "offer-5-off-check", "status": state}
            for state in ("issued", "redeemed", "expired")
        ],
    }
    requests.post(f"{bench.loyalty}/_admin/seed", json=seed, timeout=10).raise_for_status()
    contact = {"LastName": "Bench", "Loyalty_External_Id__c": customer["external_id"]}
    requests.post(f"{bench.salesforce}/_admin/seed", json={"Contact": [contact]}, timeout=10).raise_for_status()
    return customer


def body_of(name: str, customer: Customer) -> dict[str, Any]:
    body = json.loads((ROOT / "events" / f"{name}.json").read_text())
    body["event_id"] = f"bench-{uuid.uuid4().hex[:16]}"
    body["occurred_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    body["data"]["customer"] = {"external_id": customer["external_id"]}
    PREPARE.get(name, lambda data, c: None)(body["data"], customer)
    return dict(body)


def platform_calls(bench: Harness) -> int:
    return int(requests.get(f"{bench.loyalty}/_admin/counters", timeout=10).json()["total"])


def write_audits(bench: Harness) -> int:
    """Feed the queued audits to the function as SQS batches; how many."""
    sqs = boto3.client("sqs")
    written = 0
    while got := sqs.receive_message(QueueUrl=bench.queues["offer_actions"], MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        bench.consume("offer_actions", [json.loads(m["Body"]) for m in got])
        for m in got:
            sqs.delete_message(QueueUrl=bench.queues["offer_actions"], ReceiptHandle=m["ReceiptHandle"])
        written += len(got)
    return written


def measure(bench: Harness, name: str) -> dict[str, float]:
    times: list[float] = []
    loyalty_calls: list[int] = []
    answer_sf: list[int] = []
    audit_sf: list[int] = []
    for sample in range(SAMPLES + 1):  # the first warms the function up, not counted
        body = body_of(name, new_customer(bench))
        platform_before, sf_before = platform_calls(bench), bench.api_calls()
        started = time.perf_counter()
        answer = bench.post("offer_actions", "/v1/loyalty/actions", body)
        elapsed = (time.perf_counter() - started) * 1000
        assert answer["status"] == 200, (name, answer)
        platform_after, sf_after = platform_calls(bench), bench.api_calls()
        assert write_audits(bench) == 1, name
        if sample:
            times.append(elapsed)
            loyalty_calls.append(platform_after - platform_before)
            answer_sf.append(sf_after - sf_before)
            audit_sf.append(bench.api_calls() - sf_after)
    return {
        "median": statistics.median(times),
        "p99": percentile(times, 0.99),
        "loyalty": statistics.mean(loyalty_calls),
        "answer_sf": statistics.mean(answer_sf),
        "audit_sf": statistics.mean(audit_sf),
    }


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the emulators' request lines
    with harness({}) as bench:
        figures = {name: measure(bench, name) for name in EVENTS}
    from connector.observability import metrics

    metrics.clear_metrics()  # kept while POWERTOOLS_METRICS_DISABLED held; never printed after it
    print(f"loyalty actions through the offer_actions function, in process ({SAMPLES} each)")
    print(f"  {'action':<18} {'median':>9} {'p99':>9}   loyalty calls   Salesforce calls (answer + audit Task)")
    for name, f in figures.items():
        print(
            f"  {name:<18} {f['median']:6.1f} ms {f['p99']:6.1f} ms   {f['loyalty']:13.1f}   "
            f"{f['answer_sf']:.0f} + {f['audit_sf']:.0f}"
        )


if __name__ == "__main__":
    main()
