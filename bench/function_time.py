"""The registration function's own time, end to end on the local stack, as Lambda bills it.

`python -m devstack run` runs each function under the Lambda Runtime Interface Emulator, which
writes START / END / REPORT lines like Lambda's: `REPORT RequestId: ... Duration: 12.34 ms ...`.
The REPORT duration is the handler's time inside the runtime (from the invoke to the response), so
it leaves out the gateway, the client and the RIE round trip; it is the figure the issue's goal is
about (p50 <= 40 ms for a real-time registration).

300 sequential registrations of new customers (each a new Contact, the realistic case for
`customer.registered`) go through the gateway; the first one is the container's cold start, whose
REPORT counts the runtime's init as well (RIE starts the runtime on the first invoke and prints
`INIT REPORT(durationMs: ...)`): its duration minus that init is the first invocation, printed
beside the warm ones.

Printed, never asserted (BENCH_FUNCTION_EVENTS changes the count).
"""

from __future__ import annotations

import copy
import json
import os
import re
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from bench.routing_latency import local_stack, percentile
from devstack.signing import secret_for, sign

ROOT = Path(__file__).resolve().parents[1]
EVENTS = int(os.environ.get("BENCH_FUNCTION_EVENTS", "300"))
FUNCTION = "RegistrationFunction"
PATH = "/v1/commerce/customers"

# RIE's lines (aws-lambda-runtime-interface-emulator, rapid): one REPORT per invoke, and one INIT
# REPORT when it starts the runtime.
REPORT = re.compile(r"^REPORT RequestId: (?P<id>\S+)\s.*?(?<!Init )(?<!Billed )Duration: (?P<ms>[\d.]+) ms")
INIT_REPORT = re.compile(r"\(rapid\) INIT REPORT\(durationMs: (?P<ms>[\d.]+)\)")


def registration() -> bytes:
    """A `customer.registered` body of a customer nobody has seen before."""
    body: dict[str, Any] = copy.deepcopy(json.loads((ROOT / "events" / "customer.registered.json").read_text()))
    key = uuid.uuid4().hex[:10]
    body["event_id"] = f"bench-{key}"
    body["data"]["customer"]["customer_no"] = f"F{key}"
    body["data"]["customer"]["email"] = f"f{key}@example.com"
    return json.dumps(body).encode()


def report_durations(log: Path) -> tuple[list[float], list[float]]:
    """(REPORT durations in invoke order, INIT REPORT durations) from a function's log."""
    durations, inits = [], []
    for line in log.read_text(errors="replace").splitlines():
        if found := REPORT.match(line):
            durations.append(float(found["ms"]))
        elif found := INIT_REPORT.search(line):
            inits.append(float(found["ms"]))
    return durations, inits


def measure(events: int = EVENTS) -> dict[str, Any]:
    with local_stack() as health:
        http = requests.Session()
        http.trust_env = False
        url = health["gateway"] + PATH
        log = Path(health["functions"][FUNCTION]["log"])
        statuses: dict[int, int] = {}
        started = time.monotonic()
        for _ in range(events):
            raw = registration()
            headers = {"Content-Type": "application/json", "X-Signature": sign(secret_for(PATH), "POST", PATH, raw)}
            status = http.post(url, data=raw, headers=headers, timeout=60).status_code
            statuses[status] = statuses.get(status, 0) + 1
        wall = time.monotonic() - started
        # The function's output reaches its log through a pipe: wait for the last REPORT line.
        deadline = time.monotonic() + 10
        durations, inits = report_durations(log)
        while len(durations) < events and time.monotonic() < deadline:
            time.sleep(0.1)
            durations, inits = report_durations(log)
    return {"durations": durations, "inits": inits, "statuses": statuses, "wall_s": wall}


def main() -> None:
    figures = measure()
    durations, inits = figures["durations"], figures["inits"]
    print(f"function time, {FUNCTION}: {EVENTS} sequential new registrations through the local stack (REPORT lines)")
    print(f"  answers {dict(sorted(figures['statuses'].items()))}, {figures['wall_s']:.1f} s in all")
    if len(durations) < 2:
        print(f"  only {len(durations)} REPORT lines found: no figures")
        return
    warm = durations[1:]
    p50, p90 = statistics.median(warm), percentile(warm, 0.9)
    print(f"  warm REPORT duration           p50 {p50:7.1f} ms   p90 {p90:7.1f} ms")
    init = inits[0] if inits else 0.0
    first = durations[0] - init
    print(f"  first invocation (less init)   {first:7.1f} ms   (init {init:.0f} ms; REPORT {durations[0]:.0f} ms)")
    print(f"  first invocation - warm p50    {first - p50:7.1f} ms")


if __name__ == "__main__":
    main()
