"""The connector at 85% of the org's daily API allocation: sync events wait in the queue (deferred)
instead of spending what is left or dying in the DLQ, and sync once the window frees.

Runs the registration function in-process against the Salesforce emulator (allocation 1,000 calls,
850 used) with `salesforce.defer_at_api_usage` 0.8, delivers its queue the way the event source
mapping does (receive counts included), and prints what happened. Figures, not assertions.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from typing import Any

import boto3
import requests

from bench.api_calls import customer, unique
from bench.harness import Harness, harness

EVENTS = 20
ALLOCATION = 1000
USED = 850  # 85%
DEFER_SECONDS = 1
CONFIG = {
    "commerce": {"site_customer_lists": {"RefArch": "RefArchGlobal"}},
    "salesforce": {"defer_at_api_usage": 0.8, "defer_seconds": DEFER_SECONDS},
}


def set_usage(h: Harness, **limits: int) -> None:
    requests.post(f"{h.salesforce}/_admin/limits", json=limits, timeout=10).raise_for_status()


def limit_checks(h: Harness) -> int:
    counters = requests.get(f"{h.salesforce}/_admin/counters", timeout=10).json()
    return int(counters["by_path"].get("GET /limits", 0))


def deliver_queue(h: Harness, rounds: int) -> int:
    """`rounds` deliveries of the registration queue, each after waiting out the deferral delay and
    each of at most EVENTS messages (in batches of 10); returns the messages delivered. Successes
    are deleted, failures left, as the event source mapping does."""
    sqs = boto3.client("sqs")
    url = h.queues["registration"]
    delivered = 0
    for _ in range(rounds):
        time.sleep(DEFER_SECONDS + 0.2)
        this_round = 0
        while this_round < EVENTS:
            resp = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(10, EVENTS - this_round),
                AttributeNames=["ApproximateReceiveCount"],
                VisibilityTimeout=30,
            )
            messages = resp.get("Messages", [])
            if not messages:
                break
            this_round += len(messages)
            records = [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": {"ApproximateReceiveCount": m["Attributes"]["ApproximateReceiveCount"]},
                    "messageAttributes": {},
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:registration",
                    "awsRegion": "us-east-1",
                }
                for m in messages
            ]
            result = h.function("registration").handler({"Records": records}, None)
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            for m in messages:
                if m["MessageId"] not in failed:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        delivered += this_round
    return delivered


def states(h: Harness, customer_nos: list[str]) -> Counter[str]:
    from connector.envelope import EntityRef

    store = h.function("registration").trigger.services.sync_state
    found = [store.get(EntityRef("commerce", "customer", no)) for no in customer_nos]
    return Counter(
        "DEFERRED"
        if s is not None and s.status == "QUEUED" and (s.last_error or "").startswith("deferred")
        else (s.status if s is not None else "MISSING")
        for s in found
    )


def measure() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with harness(CONFIG) as h:
        set_usage(h, allocation=ALLOCATION, used=USED)
        customer_nos = [unique("L") for _ in range(EVENTS)]
        before, checks_before = h.api_calls(), limit_checks(h)
        answers = Counter(
            h.post("registration", "/v1/commerce/customers", customer(no, f"{no}@x.io"))["status"]
            for no in customer_nos
        )
        out["answers"] = dict(answers)
        out["delivered_at_85"] = deliver_queue(h, rounds=3)
        out["at_85"] = dict(states(h, customer_nos))
        out["calls_at_85"] = h.api_calls() - before
        out["checks_at_85"] = limit_checks(h) - checks_before

        set_usage(h, used=100)  # the window frees
        before = h.api_calls()
        out["delivered_after"] = deliver_queue(h, rounds=2)
        out["after"] = dict(states(h, customer_nos))
        out["calls_after"] = h.api_calls() - before
    return out


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the emulators' request lines
    print(f"\nAt 85% of the daily API allocation ({USED}/{ALLOCATION} used; defer_at_api_usage 0.8)")
    figures = measure()
    at_85, after = figures["at_85"], figures["after"]
    print(f"  events sent (customer.registered, real time)       {EVENTS}")
    print(f"  answers                                             {json.dumps(figures['answers'])}")
    print(f"  queue deliveries while at 85% (3 rounds)            {figures['delivered_at_85']}")
    print("  (the first event after the crossing spends its calls: its answer reveals the usage)")
    print(f"  deferred (QUEUED, waiting for the window)           {at_85.get('DEFERRED', 0)}")
    print(f"  synced while at 85%                                 {at_85.get('SYNCED', 0)}")
    print(f"  dead                                                {at_85.get('DEAD', 0)}")
    print(f"  Salesforce calls spent while at 85%                 {figures['calls_at_85']}")
    print(f"    of which usage re-checks (GET /limits)            {figures['checks_at_85']}")
    print("  -- after the window frees (usage 10%)")
    print(f"  synced                                              {after.get('SYNCED', 0)}")
    print(f"  still deferred                                      {after.get('DEFERRED', 0)}")
    print(f"  dead                                                {after.get('DEAD', 0)}")
    print(f"  Salesforce calls spent                              {figures['calls_after']}")


if __name__ == "__main__":
    main()
