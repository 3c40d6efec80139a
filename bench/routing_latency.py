"""The latency of a routing decision (`chat.requested`) through the local stack: gateway -> RIE ->
conversation_routing -> the Salesforce emulator, as a chat platform waits for it.

Printed, never asserted:
  - the whole request, for a visitor whose Account a rule reads (one composite call to Salesforce);
  - the emulator's own time for that same composite call, sent directly from here;
  - our own time = the difference (the goal: p99 <= 50 ms above the emulator's);
  - the whole request for a chat that needs no Salesforce call (no identification value): the
    floor of gateway + RIE + pipeline (signature, validation, the command's idempotency record);
  - a signed body refused by validation (422): gateway + RIE + the function, before idempotency;
    the floor minus this is what the idempotency record (two DynamoDB calls, moto here) costs.
Every request is a new event_id, so each one runs the decision (and writes its idempotency record).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests

from connector.chat.identification import identification_queries
from connector.chat.models import ChatRequestedData
from connector.chat.routing import rule_needs_salesforce, salesforce_fields
from connector.config.chat import ChatConfig
from connector.salesforce.auth import ClientCredentials, TokenProvider
from connector.salesforce.client import SalesforceClient
from devstack.signing import secret_for, sign

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = int(os.environ.get("BENCH_ROUTING_SAMPLES", "200"))
WARM_UP = 10
API = "/services/data/v62.0"
CHAT = {
    "routing": {
        "rules": [
            {
                "name": "key account",
                "conditions": [{"field": "account.Type", "operator": "equals", "value": "Customer - Direct"}],
                "agent_from": "account.Owner.Email",
                "department": "Key Accounts",
            },
            {
                "name": "partners",
                "conditions": [{"field": "account.Type", "operator": "equals", "value": "Customer - Channel"}],
                "department": "Partner Desk",
            },
        ],
        "default_department": "Front Desk",
        # Generous here: the benchmark measures decisions, not fallbacks.
        "budget_ms": 2000,
    }
}


@contextlib.contextmanager
def local_stack() -> Iterator[dict[str, Any]]:
    """`python -m devstack run --port 0` in its own state directory; its READY document."""
    with local_stack_process() as (health, _):
        yield health


@contextlib.contextmanager
def local_stack_process() -> Iterator[tuple[dict[str, Any], int]]:
    """The local stack of `local_stack`, and the id of its process (moto, emulators, gateway, pollers;
    the functions' runtimes are its descendants)."""
    state = Path(tempfile.mkdtemp(prefix="bench-routing-"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "devstack", "run", "--port", "0", "--quiet", "--state-dir", str(state)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert proc.stdout is not None
    try:
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode(errors="replace")
            if line.startswith("READY "):
                health = json.loads(line[len("READY ") :])
                break
        else:
            raise RuntimeError("devstack exited before READY")
        # Keep draining its output, so a full pipe never blocks it.
        drain = subprocess.Popen(["cat"], stdin=proc.stdout, stdout=subprocess.DEVNULL)
        yield health, proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        with contextlib.suppress(NameError):
            drain.wait(5)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def timed(call: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def chat_body(email: str | None) -> dict[str, Any]:
    body = json.loads((ROOT / "events" / "chat.requested.json").read_text())
    body["event_id"] = f"bench-{uuid.uuid4().hex[:16]}"
    body["data"]["visitor"]["email"] = email
    return dict(body)


def seed_visitor(salesforce: SalesforceClient) -> str:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    account_id = salesforce.create("Account", {"Name": "Bench Account", "Type": "Customer - Direct"})
    salesforce.create("Contact", {"LastName": "Bench", "Email": email, "AccountId": account_id})
    return email


def measure() -> dict[str, list[float]]:
    with local_stack() as health:
        http = requests.Session()
        http.trust_env = False
        gateway = health["gateway"]
        document = json.loads((ROOT / "local" / "connector-config.json").read_text())
        http.put(
            f"{gateway}/_local/config", data=json.dumps({**document, "chat": CHAT}), timeout=120
        ).raise_for_status()
        salesforce = SalesforceClient(
            TokenProvider(ClientCredentials(health["salesforce"], "local-client", "local-secret"))
        )
        email = seed_visitor(salesforce)

        def route(address: str | None) -> Callable[[], None]:
            def send() -> None:
                raw = json.dumps(chat_body(address)).encode()
                headers = {
                    "Content-Type": "application/json",
                    "X-Signature": sign(secret_for("/v1/chat/route"), "POST", "/v1/chat/route", raw),
                }
                resp = http.post(f"{gateway}/v1/chat/route", data=raw, headers=headers, timeout=30)
                answer = resp.json()
                assert resp.status_code == 200 and answer.get("fallback") is None, resp.text
                if address is not None:
                    assert answer["rule"] == "key account", resp.text

            return send

        # The composite call the function sends for this visitor, sent directly.
        config = ChatConfig.model_validate(CHAT)
        contact_fields, account_fields = salesforce_fields(tuple(filter(rule_needs_salesforce, config.routing.rules)))
        data = ChatRequestedData.model_validate(chat_body(email)["data"])
        queries = identification_queries(
            config.identification, data, contact_fields=contact_fields, account_fields=account_fields
        )

        timed(route(email), WARM_UP)
        timed(lambda: salesforce.query_many(queries), WARM_UP)
        # Interleaved in blocks, so a burst of load on the machine hits all three series alike.
        whole: list[float] = []
        emulator: list[float] = []
        floor: list[float] = []
        refused: list[float] = []

        def invalid() -> None:
            body = chat_body(email)
            del body["data"]["chat_id"]
            raw = json.dumps(body).encode()
            signature = sign(secret_for("/v1/chat/route"), "POST", "/v1/chat/route", raw)
            resp = http.post(
                f"{gateway}/v1/chat/route",
                data=raw,
                headers={"Content-Type": "application/json", "X-Signature": signature},
                timeout=30,
            )
            assert resp.status_code == 422, resp.text

        block = 20
        for _ in range(max(1, SAMPLES // block)):
            whole += timed(route(email), block)
            emulator += timed(lambda: salesforce.query_many(queries), block)
            floor += timed(route(None), block)
            refused += timed(invalid, block)
        return {"whole": whole, "emulator": emulator, "floor": floor, "refused": refused}


def main() -> None:
    figures = measure()
    whole, emulator, floor, refused = figures["whole"], figures["emulator"], figures["floor"], figures["refused"]

    def line(label: str, samples: list[float]) -> str:
        return f"  {label:<56} median {statistics.median(samples):7.1f} ms   p99 {percentile(samples, 0.99):7.1f} ms"

    print(f"routing decision latency, chat.requested through the local stack ({len(whole)} decisions)")
    print(line("whole request (gateway -> RIE -> function -> emulator)", whole))
    print(line("emulator alone (the same composite call, direct)", emulator))
    own_median = statistics.median(whole) - statistics.median(emulator)
    own_p99 = percentile(whole, 0.99) - percentile(emulator, 0.99)
    label = "our own time (whole - emulator)"
    print(f"  {label:<56} median {own_median:7.1f} ms   p99 {own_p99:7.1f} ms   (goal: p99 <= 50 ms)")
    print(line("no Salesforce call (gateway -> RIE -> pipeline only)", floor))
    print(line("refused by validation (gateway -> RIE -> function, 422)", refused))
    idempotency = statistics.median(floor) - statistics.median(refused)
    label = "of which the idempotency record (floor - refused)"
    print(f"  {label:<56} median {idempotency:7.1f} ms")


if __name__ == "__main__":
    main()
