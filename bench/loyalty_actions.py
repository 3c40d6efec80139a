"""The loyalty actions' answer time through the offer_actions function, in process against the
loyalty and Salesforce emulators over HTTP (moto for AWS), and the calls each spends: loyalty-platform
calls and Salesforce calls while the agent waits, then the Salesforce calls of its audit Task,
written from the queue.

One line per entry of `EVENTS` (events/<name>.json, its customer, offer and record ids pointed at
a customer of the sample's own; and the profile read): add a type by adding its file, and a
`PREPARE` entry when its body needs one of the sample's ids. Printed, never asserted.
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
# Sync Customer Changes on, so that customer.sync to_loyalty is applied (off, it is ignored).
CONFIG: dict[str, Any] = {"loyalty": {"sync_customer_changes": True}}
# What is measured, in this order: an event file's name, or "<file> <variant>" when one file is
# measured several ways; PROFILE_READ is the profile's GET, not an action.
PROFILE_READ = "GET customers/{key}"
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
    "customer.update",
    "customer.sync to_loyalty",
    "customer.sync from_loyalty",
    "customer.merge",
    "customer.enroll",
    PROFILE_READ,
)
Customer = dict[str, str]
# what is measured -> what its body needs of the sample's customer (beyond data.customer).
PREPARE: dict[str, Callable[[dict[str, Any], Customer], None]] = {
    "offer.revoke": lambda data, c: data.update(user_offer_id=c["issued"]),
    "offer.redeem": lambda data, c: data.update(user_offer_id=c["issued"]),
    "offer.extend": lambda data, c: data.update(
        user_offer_id=c["issued"], redemption_start="2026-01-01T00:00:00Z", redemption_end="2099-01-01T00:00:00Z"
    ),
    "offer.unredeem": lambda data, c: data.update(user_offer_id=c["redeemed"]),
    "offer.reissue": lambda data, c: data.update(user_offer_id=c["expired"]),
    # The mapped fields change on the platform and on the Contact.
    "customer.update": lambda data, c: data.update(salesforce_id=c["contact"]),
    # The Contact's changed first name, sent by a flow: one loyalty field updated.
    "customer.sync to_loyalty": lambda data, c: data.update(
        salesforce_id=c["contact"],
        fields={
            "FirstName": "Benchley",
            "LastName": "Bench",
            "Email": c["email"],
            "Loyalty_External_Id__c": c["external_id"],
        },
    ),
    # The platform's email is written into the Contact, which has none: one update.
    "customer.sync from_loyalty": lambda data, c: data.update(
        direction="from_loyalty", salesforce_id=c["contact"], fields={}
    ),
    "customer.merge": lambda data, c: data.update(
        survivor={"external_id": c["external_id"]}, victim={"external_id": c["victim"]}
    ),
    # A new customer whose external id is their Contact's Id (written back to the Contact).
    "customer.enroll": lambda data, c: data.update(
        customer={"external_id": None, "salesforce_id": c["new_contact"], "email": f"new-{c['email']}"}
    ),
}


def new_customer(bench: Harness) -> Customer:
    """A loyalty customer with 5000 points and a user offer in each state, and their Contact; a second
    customer (merged into the first by customer.merge); a Contact not enrolled yet."""
    tag = uuid.uuid4().hex[:10]
    customer = {
        "external_id": f"BENCH_{tag}",
        "victim": f"BENCH_{tag}_V",
        "email": f"{tag}@example.com",
        "issued": f"uo-{tag}-i",
        "redeemed": f"uo-{tag}-r",
        "expired": f"uo-{tag}-e",
    }
    user = {"id": f"u-{tag}", "external_id": customer["external_id"], "email": customer["email"]}
    victim = {"id": f"u-{tag}-v", "external_id": customer["victim"], "email": f"v-{customer['email']}"}
    seed = {
        "offers": [
            {"id": "offer-5-off-check", "name": "$5 off your next check"},
            {"id": "reward-travel-mug", "name": "Travel mug", "points_cost": 500, "redemption_days": 90},
        ],
        "users": [
            {**user, "point_accounts": {"Point Account": 5000}},
            {**victim, "point_accounts": {"Point Account": 10}},
        ],
        "user_offers": [
            {"id": customer[state], "user_id": user["id"], "offer_id": "offer-5-off-check", "status": state}
            for state in ("issued", "redeemed", "expired")
        ],
    }
    requests.post(f"{bench.loyalty}/_admin/seed", json=seed, timeout=10).raise_for_status()
    contacts = [
        {"LastName": "Bench", "Loyalty_External_Id__c": customer["external_id"]},
        {"LastName": "Newcomer", "Email": f"new-{customer['email']}"},
    ]
    created = requests.post(f"{bench.salesforce}/_admin/seed", json={"Contact": contacts}, timeout=10)
    created.raise_for_status()
    customer["contact"], customer["new_contact"] = (str(i) for i in created.json()["Contact"])
    return customer


def body_of(name: str, customer: Customer) -> dict[str, Any]:
    body = json.loads((ROOT / "events" / f"{name.split()[0]}.json").read_text())
    body["event_id"] = f"bench-{uuid.uuid4().hex[:16]}"
    body["occurred_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if "customer" in body["data"]:
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
        customer = new_customer(bench)
        platform_before, sf_before = platform_calls(bench), bench.api_calls()
        started = time.perf_counter()
        if name == PROFILE_READ:
            answer = bench.get("offer_actions", f"/v1/loyalty/customers/{customer['external_id']}")
        else:
            answer = bench.post("offer_actions", "/v1/loyalty/actions", body_of(name, customer))
        elapsed = (time.perf_counter() - started) * 1000
        assert answer["status"] == 200 and answer["body"].get("status") != "ignored", (name, answer)
        platform_after, sf_after = platform_calls(bench), bench.api_calls()
        # A read is no action: nothing to audit.
        assert write_audits(bench) == (0 if name == PROFILE_READ else 1), name
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
    with harness(CONFIG) as bench:
        figures = {name: measure(bench, name) for name in EVENTS}
    from connector.observability import metrics

    metrics.clear_metrics()  # kept while POWERTOOLS_METRICS_DISABLED held; never printed after it
    print(f"loyalty actions through the offer_actions function, in process ({SAMPLES} each)")
    print(f"  {'action':<27} {'median':>9} {'p99':>9}   loyalty calls   Salesforce calls (answer + audit Task)")
    for name, f in figures.items():
        print(
            f"  {name:<27} {f['median']:6.1f} ms {f['p99']:6.1f} ms   {f['loyalty']:13.1f}   "
            f"{f['answer_sf']:.0f} + {f['audit_sf']:.0f}"
        )


if __name__ == "__main__":
    main()
