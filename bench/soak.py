"""`make soak` (`python -m bench.soak [N]`): the standing fault soak.

N events (default 10,000; `SOAK_EVENTS` or the first argument) of every live sync event type go
through a freshly booted local stack (gateway, RIE functions, queues, pollers), from several
senders at once, while about 20% of Salesforce's data calls fail transiently: 503s, per-record
UNABLE_TO_LOCK_ROW inside sObject collections and composite subrequests, REQUEST_LIMIT_EXCEEDED,
and calls that answer after the connector's real-time timeout (the write still happens, as when a
real org is slow). 10% of deliveries are duplicates, and the order is shuffled. Then the faults
stop, the queues drain, and the verifier (`bench.soak_verifier`) compares Salesforce with the
expected end state entity by entity. It prints events/s, API calls per event and the counts.

The soak stack retries fast (RetryBaseSeconds=1) so that the drain does not wait minutes; the
fault rates are the ones the issue names.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import requests.adapters

from bench.soak_events import Plan, plan
from bench.soak_verifier import OUTCOMES, Records, Verdict, verify
from devstack.signing import FAMILY_SECRETS, HEADER, route_for, sign

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVENTS = 10_000
READY_TIMEOUT = 120.0
STATE_DIR = ROOT / ".devstack" / "soak"
# A real-time Salesforce call gives up after this long; the timeout faults answer later.
REALTIME_TIMEOUT_SECONDS = 1.0
TIMEOUT_LATENCY_MS = 1_500
# The injected faults: about 20% of the data calls fail or answer late (each rule draws on its own;
# the per-record and per-subrequest rules only where a call carries several).
FAULTS: tuple[dict[str, Any], ...] = (
    {"status": 503, "errorCode": "SERVER_UNAVAILABLE", "ratio": 0.13, "seed": 1},
    {"errorCode": "REQUEST_LIMIT_EXCEEDED", "ratio": 0.03, "seed": 2},
    # One record of a collection call, one subrequest of a composite: the rest of the call goes on.
    {"errorCode": "UNABLE_TO_LOCK_ROW", "scope": "record", "ratio": 0.05, "seed": 3},
    {"errorCode": "UNABLE_TO_LOCK_ROW", "scope": "subrequest", "ratio": 0.02, "seed": 4},
    {"latency_ms": TIMEOUT_LATENCY_MS, "ratio": 0.02, "seed": 5},
)
SOBJECTS = ("Contact", "Order", "Case", "Task", "Social_Conversation__c")
# A platform redelivers what was not accepted (409: the same event still in progress; 5xx).
REDELIVER_STATUSES = frozenset({409, 429, 500, 502, 503, 504})
REDELIVERIES = 8
DRAIN_TIMEOUT = 600.0
STUCK_SECONDS = 15.0


class SoakStack:
    """`python -m devstack run` as a subprocess, with the soak's settings."""

    def __init__(self, state_dir: Path, concurrency: int) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        config = json.loads((ROOT / "local" / "connector-config.json").read_text())
        # REQUEST_LIMIT_EXCEEDED defers work for `defer_seconds` (300 by default): the soak's
        # faults stop before the drain, so it looks again after 2 s instead.
        config["salesforce"] = {**config.get("salesforce", {}), "defer_seconds": 2}
        (state_dir / "connector-config.json").write_text(json.dumps(config))
        self._log = (state_dir / "devstack.out").open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "devstack",
                "run",
                "--port",
                "0",
                "--quiet",
                "--state-dir",
                str(state_dir),
                "--concurrency",
                str(concurrency),
                "--param",
                "RetryBaseSeconds=1",
                "--env",
                f"SALESFORCE_TIMEOUT_SECONDS={REALTIME_TIMEOUT_SECONDS}",
                "--config",
                str(state_dir / "connector-config.json"),
                "--schedule-seconds",
                "0",
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
            start_new_session=True,
        )
        self.health = self._wait_ready()

    def _wait_ready(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        found: dict[str, Any] = {}
        ready = threading.Event()

        def read() -> None:
            assert self.proc.stdout is not None
            for raw in iter(self.proc.stdout.readline, b""):
                if raw.startswith(b"READY ") and not found:
                    found.update(json.loads(raw[len(b"READY ") :]))
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        ready.wait(READY_TIMEOUT)
        if not found:
            self.stop()
            raise RuntimeError(f"the soak stack was not READY (exit code {self.proc.returncode}); see {self._log.name}")
        return found

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._log.close()


@contextlib.contextmanager
def soak_stack(concurrency: int, state_dir: Path = STATE_DIR) -> Iterator[SoakStack]:
    """The soak's own stack; its logs stay in `state_dir` for the findings' post-mortem."""
    stack = SoakStack(state_dir, concurrency)
    try:
        yield stack
    finally:
        stack.stop()


@dataclass
class SoakResult:
    plan: Plan
    verdict: Verdict
    seconds_sending: float
    seconds_total: float
    api_calls: int
    answers: collections.Counter[int] = field(default_factory=collections.Counter)
    # rule -> the calls (or records, subrequests) it failed or delayed
    faults_injected: dict[str, int] = field(default_factory=dict)

    @property
    def events_per_second(self) -> float:
        return self.plan.events / self.seconds_total if self.seconds_total else 0.0

    @property
    def calls_per_event(self) -> float:
        return self.api_calls / self.plan.events if self.plan.events else 0.0


class _Client:
    def __init__(self, health: Mapping[str, Any]) -> None:
        self.health = health
        self.gateway = str(health["gateway"])
        self.salesforce = str(health["salesforce"])
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.mount("http://", requests.adapters.HTTPAdapter(pool_connections=8, pool_maxsize=64))
        # Each source family's webhook secret where the stack lists them, else the shared default.
        self.secrets: Mapping[str, str] = health.get("webhook_secrets") or {}

    def deliver(self, body: Mapping[str, Any]) -> int:
        """Posts one delivery as its platform would, redelivering what was not accepted."""
        raw = json.dumps(body).encode()
        path = route_for(str(body["event_type"])) or ""
        secret = self.secrets.get(str(body["source"])) or FAMILY_SECRETS[str(body["source"])]
        status = 0
        for attempt in range(REDELIVERIES):
            headers = {"Content-Type": "application/json", HEADER: sign(secret, "POST", path, raw)}
            try:
                status = self.http.post(self.gateway + path, data=raw, headers=headers, timeout=60).status_code
            except requests.RequestException:
                status = 599
            if status not in REDELIVER_STATUSES:
                return status
            time.sleep(0.2 * (attempt + 1))
        return status

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        resp = self.http.request(method, f"{self.salesforce}/_admin/{path}", json=body, timeout=30)
        resp.raise_for_status()
        return resp.json()

    def records(self) -> Records:
        return Records({sobject: self.admin("GET", f"records/{sobject}")["records"] for sobject in SOBJECTS})

    def _aws(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.health["moto"],
            region_name=self.health.get("region", "us-east-1"),
            aws_access_key_id="soak",
            aws_secret_access_key="soak",  # moto accepts any credentials
        )

    def states(self) -> dict[str, dict[str, Any]]:
        """Every entity's sync state, by the event_id of the version it holds."""
        from boto3.dynamodb.types import TypeDeserializer

        ddb, plain = self._aws("dynamodb"), TypeDeserializer()
        table = self.health["tables"]["SyncStateTable"]
        out: dict[str, dict[str, Any]] = {}
        for page in ddb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                state = {key: plain.deserialize(value) for key, value in item.items()}
                if state.get("sk") == "STATE" and state.get("event_id"):
                    out[str(state["event_id"])] = state
        return out

    def queued_messages(self) -> int:
        sqs = self._aws("sqs")
        total = 0
        for function in self.health["functions"].values():
            if not function.get("queue_url"):
                continue
            attributes = sqs.get_queue_attributes(
                QueueUrl=function["queue_url"],
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed",
                ],
            )["Attributes"]
            total += sum(int(value) for value in attributes.values())
        return total

    def drain(self, timeout: float = DRAIN_TIMEOUT) -> None:
        """Until every queue is empty and no sync state waits, twice in a row; a state still
        waiting once the queues have been empty for STUCK_SECONDS has nothing left to carry it
        (the verifier counts it), and the timeout bounds the whole."""
        deadline, quiet, empty_since = time.monotonic() + timeout, 0, None
        while time.monotonic() < deadline and quiet < 2:
            queued = self.queued_messages()
            empty_since = None if queued else (empty_since or time.monotonic())
            if empty_since is not None and time.monotonic() - empty_since > STUCK_SECONDS:
                return
            waiting = queued or sum(1 for s in self.states().values() if s.get("status") in ("RECEIVED", "QUEUED"))
            quiet = quiet + 1 if not waiting else 0
            time.sleep(1.0)


def prepare(client: _Client, soak: Plan) -> None:
    """What the platforms know before their events arrive: the storefront its orders (the order
    workflow reads an order's details there), the org a Contact per social user (a reply to a user
    matched to no Contact is ignored: nothing would be left to verify)."""
    orders = [
        {**entity.newest["data"]["order"], "site_id": "RefArch"} for entity in soak.entities if entity.kind == "order"
    ]
    for chunk in range(0, len(orders), 500):
        resp = client.http.post(
            f"{client.health['commerce']}/_admin/seed", json={"orders": orders[chunk : chunk + 500]}
        )
        resp.raise_for_status()
    conversations = [entity for entity in soak.entities if entity.kind == "conversation"]
    if conversations:
        contacts = [{"LastName": "Soak", "FirstName": "Social"} for _ in conversations]
        ids = client.admin("POST", "seed", {"Contact": contacts})["Contact"]
        for entity, contact_id in zip(conversations, ids, strict=True):
            for body in entity.versions:
                body["data"]["salesforce_contact_id"] = contact_id


def run(
    events: int, concurrency: int = 8, functions_concurrency: int = 4, seed: int = 11, state_dir: Path = STATE_DIR
) -> SoakResult:
    """Boots a soak stack, runs the soak of `events` events and verifies the end state."""
    soak = plan(events, seed)
    with soak_stack(functions_concurrency, state_dir) as stack:
        client = _Client(stack.health)
        prepare(client, soak)
        started = time.monotonic()
        client.admin("POST", "counters/reset")
        client.admin("POST", "faults", list(FAULTS))
        with ThreadPoolExecutor(max_workers=concurrency) as senders:
            answers = collections.Counter(senders.map(client.deliver, soak.deliveries))
        sent = time.monotonic()
        injected = {_fault_name(rule): rule["hits"] for rule in client.admin("GET", "faults")["faults"]}
        client.admin("DELETE", "faults")
        client.drain()
        total = time.monotonic() - started
        api_calls = int(client.admin("GET", "counters")["total"])
        records, states = client.records(), client.states()
    registered = {entity.key for entity in soak.entities if entity.kind == "customer"}
    registered &= {key for key in registered if records.find("Contact", "Commerce_Customer_No__c", key)}
    verdict = verify(soak.entities, records, states, registered)
    return SoakResult(soak, verdict, sent - started, total, api_calls, answers, injected)


def report(result: SoakResult) -> None:
    verdict, soak = result.verdict, result.plan
    kinds = collections.Counter(body["event_type"] for entity in soak.entities for body in entity.versions)
    print(f"\nFault soak: {soak.events} events, {len(soak.deliveries)} deliveries (10% duplicates, shuffled)")
    print(f"  faults while sending (rule: times it hit)     {json.dumps(result.faults_injected)}")
    print(f"  event types                                   {json.dumps(dict(sorted(kinds.items())))}")
    print(f"  answers                                       {json.dumps(dict(sorted(result.answers.items())))}")
    print(f"  sending {result.seconds_sending:.1f} s, sending + drain {result.seconds_total:.1f} s")
    print(f"  events/s (through the drain)                  {result.events_per_second:.1f}")
    print(f"  Salesforce API calls per event                {result.calls_per_event:.2f}")
    print(f"  entities verified                             {verdict.entities}")
    print(f"  still waiting after the drain                 {verdict.unsettled}")
    for outcome in OUTCOMES:
        print(f"  {outcome:<46}{verdict.counts[outcome]}")
    for finding in verdict.findings:
        print(f"    {finding.line()}")


def _fault_name(rule: Mapping[str, Any]) -> str:
    what = rule.get("errorCode") or f"answer after {rule['latency_ms']} ms"
    scope = f" per {rule['scope']}" if "scope" in rule else ""
    return f"{what}{scope} {rule['ratio']:.0%}"


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    events = int(args[0]) if args else int(os.environ.get("SOAK_EVENTS", DEFAULT_EVENTS))
    report(run(events))


if __name__ == "__main__":
    main()
