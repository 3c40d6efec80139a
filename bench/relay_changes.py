"""Issue 15 through the local stack: Salesforce changes put on the local EventBridge bus as Event Relay
delivers them (events/relay/), handed by the template's rule to the salesforce_changes queue, polled
with the template's batch size and batching window, and carried to the storefront and the loyalty
emulators.

Printed, never asserted:
- platform calls per change event (storefront, loyalty, Salesforce), counted by the emulators'
  own counters (tokens included), for a Contact UPDATE that carries its link keys (enriched fields),
  one that does not, a change naming two Contacts (grouped, so not enriched), a change by the
  connector's own integration user, and a merge;
- the end-to-end delay on the local bus: PutEvents returned -> the storefront emulator received the
  PATCH, p50/p90 over BENCH_RELAY_EVENTS events (50 by default), one at a time. It includes the SQS
  event source's batching window (MaximumBatchingWindowInSeconds in template.yaml), as in AWS.
"""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import requests

from bench.routing_latency import local_stack, percentile
from devstack.buses import put_relayed_event
from devstack.signing import HEADER, secret_for, sign

ROOT = Path(__file__).resolve().parents[1]
EVENTS = int(os.environ.get("BENCH_RELAY_EVENTS", "50"))
FUNCTION = "SalesforceChangesFunction"
SAMPLE = json.loads((ROOT / "events" / "relay" / "ContactChangeEvent.update.json").read_text())
LOCAL_CONFIG: dict[str, Any] = json.loads((ROOT / "local" / "connector-config.json").read_text())
AGENT_USER = "0055f000005mc66AAA"


class World:
    """The running stack, its emulators and its bus, for the bench's own customers."""

    def __init__(self, health: dict[str, Any]) -> None:
        self.health = health
        self.http = requests.Session()
        self.http.trust_env = False
        aws = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": health["region"]}
        self.events = boto3.client("events", endpoint_url=health["moto"], **aws)
        token = self.http.post(
            f"{health['salesforce']}/services/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"},
            timeout=10,
        ).json()
        self.sf_auth = {"Authorization": f"Bearer {token['access_token']}"}
        self.sf_base = f"{token['instance_url']}/services/data/v62.0"
        self.integration_user = str(token["id"]).rstrip("/").rsplit("/", 1)[-1]

    def configure(self) -> None:
        document = {
            **LOCAL_CONFIG,
            "commerce": {**LOCAL_CONFIG["commerce"], "sync_salesforce_changes": True},
            "loyalty": {"sync_customer_changes": True},
        }
        url = f"{self.health['gateway']}/_local/config"
        self.http.put(url, data=json.dumps(document), params={"functions": FUNCTION}, timeout=120).raise_for_status()

    def linked_customer(self) -> dict[str, str]:
        """A storefront customer, registered through the gateway (its Contact and identity-map link),
        and a loyalty customer whose external id the Contact holds."""
        tag = uuid.uuid4().hex[:10]
        customer = {
            "customer_no": f"bn{tag}",
            "customer_id": f"bc{tag}",
            "email": f"bench.{tag}@example.com",
            "first_name": "Bench",
            "last_name": f"Relay{tag}",
        }
        listed = {"site_id": "RefArch", "customer_list_id": "RefArchGlobal"}
        seed = {"customers": [{**listed, **customer}]}
        self.http.post(f"{self.health['commerce']}/_admin/seed", json=seed, timeout=10).raise_for_status()
        body = json.dumps(
            {
                "event_id": f"bench-rl-{tag}",
                "event_type": "customer.registered",
                "occurred_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "source": "commerce",
                "data": {**listed, "customer": customer},
            }
        ).encode()
        path = "/v1/commerce/customers"
        headers = {"Content-Type": "application/json", HEADER: sign(secret_for(path), "POST", path, body)}
        answer = self.http.post(self.health["gateway"] + path, data=body, headers=headers, timeout=60)
        answer.raise_for_status()
        contact_id = str(answer.json()["contact_id"])
        key = f"BN_{tag}"
        user = {"id": f"user-bn-{tag}", "external_id": key, "email": customer["email"], "last_name": "Bench"}
        self.http.post(f"{self.health['loyalty']}/_admin/seed", json={"users": [user]}, timeout=10).raise_for_status()
        self.http.patch(
            f"{self.sf_base}/sobjects/Contact/{contact_id}",
            json={"Loyalty_External_Id__c": key},
            headers=self.sf_auth,
            timeout=10,
        ).raise_for_status()
        return {"customer_no": customer["customer_no"], "contact_id": contact_id, "loyalty_key": key}

    def calls(self) -> dict[str, int]:
        return {
            name: int(self.http.get(f"{self.health[name]}/_admin/counters", timeout=10).json()["total"])
            for name in ("commerce", "loyalty", "salesforce")
        }

    def patched(self, customer_no: str) -> int:
        log = self.http.get(
            f"{self.health['commerce']}/_admin/requests", params={"match": customer_no}, timeout=10
        ).json()
        return sum(r["method"] == "PATCH" for r in log)

    def queue_empty(self) -> bool:
        sqs = boto3.client(
            "sqs",
            endpoint_url=self.health["moto"],
            region_name=self.health["region"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        attributes = sqs.get_queue_attributes(
            QueueUrl=self.health["functions"][FUNCTION]["queue_url"],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return attributes["ApproximateNumberOfMessages"] == attributes["ApproximateNumberOfMessagesNotVisible"] == "0"

    def put(self, event: dict[str, Any]) -> None:
        put_relayed_event(self.events, self.health["buses"], event)


def change(
    *customers: dict[str, str], enriched: bool = True, commit_user: str = AGENT_USER, n: int = 0
) -> dict[str, Any]:
    """The sample UPDATE of Email and MailingAddress.City naming these Contacts (a transaction of its own);
    `enriched`: with the channel's enriched link keys (one record only)."""
    event = json.loads(json.dumps(SAMPLE))
    payload = event["detail"]["payload"]
    payload["ChangeEventHeader"].update(
        recordIds=[c["contact_id"] for c in customers],
        transactionKey=str(uuid.uuid4()),
        commitUser=commit_user,
        commitTimestamp=int(time.time() * 1000),
    )
    payload["Email"] = f"changed.{n}.{uuid.uuid4().hex[:8]}@example.com"
    if enriched:
        [only] = customers
        payload.update(
            Commerce_Customer_No__c=only["customer_no"],
            Loyalty_External_Id__c=only["loyalty_key"],
            Commerce_Site_Id__c="RefArch",
        )
    event["detail"]["id"] = str(uuid.uuid4())
    return dict(event)


def merged(winner: dict[str, str], loser: dict[str, str]) -> dict[str, Any]:
    """events/relay/Contact_Merged__e.json for this winner and loser (the winner kept its own key)."""
    event = json.loads((ROOT / "events" / "relay" / "Contact_Merged__e.json").read_text())
    payload = event["detail"]["payload"]
    payload.update(
        Winner_Id__c=winner["contact_id"],
        Loser_Id__c=loser["contact_id"],
        Loser_Commerce_Customer_No__c=loser["customer_no"],
        Loser_Loyalty_External_Id__c=loser["loyalty_key"],
        EventUuid=str(uuid.uuid4()),
    )
    event["detail"]["id"] = payload["EventUuid"]
    return dict(event)


def wait(predicate: Callable[[], bool], timeout: float = 60.0, interval: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the change did not reach the storefront in time")
        time.sleep(interval)


def measure() -> dict[str, Any]:
    with local_stack() as health:
        world = World(health)
        world.configure()
        customers = [world.linked_customer() for _ in range(max(EVENTS, 20))]

        def calls_of(events: list[dict[str, Any]], records: int) -> dict[str, float]:
            """Platform calls per change event (each naming `records` Contacts), once all are done."""
            before = world.calls()
            for event in events:
                world.put(event)
            wait(world.queue_empty)
            time.sleep(0.5)  # the last batch's calls are made before its messages are deleted
            after = world.calls()
            return {name: (after[name] - before[name]) / len(events) for name in before} | {"records": records}

        # Warm the function's containers (a cold start is cold_start.py's figure, not this one's).
        warm = customers[0]
        calls_of([change(warm, n=0)], 1)

        delays: list[float] = []
        for n, customer in enumerate(customers[:EVENTS], start=1):
            seen = world.patched(customer["customer_no"])
            started = time.perf_counter()
            world.put(change(customer, n=n))
            wait(lambda c=customer, s=seen: world.patched(c["customer_no"]) > s)  # type: ignore[misc]
            delays.append((time.perf_counter() - started) * 1000)
        wait(world.queue_empty)

        kinds = {
            "UPDATE of Email and MailingCity, link keys enriched": calls_of(
                [change(c, n=100 + i) for i, c in enumerate(customers[:10])], 1
            ),
            "the same UPDATE without its link keys (not enriched)": calls_of(
                [change(c, enriched=False, n=200 + i) for i, c in enumerate(customers[:10])], 1
            ),
            "one UPDATE naming two Contacts (grouped: no link keys)": calls_of(
                [change(customers[i], customers[i + 1], enriched=False, n=300 + i) for i in range(0, 10, 2)], 2
            ),
            "a change by the connector's integration user": calls_of(
                [change(c, commit_user=world.integration_user, n=400 + i) for i, c in enumerate(customers[:10])], 1
            ),
            "Contact_Merged__e of two linked Contacts": calls_of(
                [merged(customers[i], customers[i + 1]) for i in range(10, 20, 2)], 2
            ),
        }
        return {"delays": delays, "kinds": kinds}


def main() -> None:
    figures = measure()
    print("Salesforce changes through the local bus (Event Relay's EventBridge event -> rule -> SQS -> function)")
    print(f"  {'platform calls per change event':<56} {'storefront':>10} {'loyalty':>8} {'Salesforce':>10}")
    for label, calls in figures["kinds"].items():
        print(f"  {label:<56} {calls['commerce']:>10.1f} {calls['loyalty']:>8.1f} {calls['salesforce']:>10.1f}")
    delays = figures["delays"]
    print(
        f"  end-to-end delay, put_events -> storefront PATCH received ({len(delays)} events, one at a time): "
        f"p50 {statistics.median(delays):.0f} ms, p90 {percentile(delays, 0.90):.0f} ms, max {max(delays):.0f} ms"
    )
    print("  (the SQS event source's batching window, MaximumBatchingWindowInSeconds, is part of the delay)")


if __name__ == "__main__":
    main()
