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

The REPORT duration holds the function's own work and its waits on what it calls, which on the
local stack are moto (DynamoDB), the Salesforce emulator and, on a shared machine, the other
processes' turn on a CPU. To tell them apart the run also prints the CPU time each process spent per
registration (from /proc, so a loaded machine's waits do not inflate it as they do wall time): the
function's runtime processes (its own work, the client side of boto3 and requests included), the
local stack's process (moto, the emulators, the gateway and the pollers) and RIE's; and the mean
REPORT duration less the function's CPU: what the function spent waiting (on the local stack, or
for a CPU).

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

from bench.routing_latency import local_stack_process, percentile
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (all its threads), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(root: int) -> list[int]:
    """The ids of every process below `root`."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def function_processes(stack: int, function: str) -> dict[str, list[int]]:
    """The function's processes under the stack: its Python runtimes (awslambdaric) and their RIEs."""
    kinds: dict[str, list[int]] = {"runtime": [], "rie": []}
    for pid in descendants(stack):
        try:
            environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            program = Path(os.readlink(f"/proc/{pid}/exe")).name
        except OSError:
            continue
        if f"AWS_LAMBDA_FUNCTION_NAME={function}".encode() in environment:
            kinds["runtime" if program.startswith("python") else "rie"].append(pid)
    return kinds


def cpu_of(stack: int, processes: dict[str, list[int]]) -> dict[str, float]:
    return {
        "stack": cpu_seconds(stack),
        **{kind: sum(cpu_seconds(pid) for pid in pids) for kind, pids in processes.items()},
    }


def measure(events: int = EVENTS) -> dict[str, Any]:
    with local_stack_process() as (health, stack):
        http = requests.Session()
        http.trust_env = False
        url = health["gateway"] + PATH
        log = Path(health["functions"][FUNCTION]["log"])
        statuses: dict[int, int] = {}

        def register() -> None:
            raw = registration()
            headers = {"Content-Type": "application/json", "X-Signature": sign(secret_for(PATH), "POST", PATH, raw)}
            status = http.post(url, data=raw, headers=headers, timeout=60).status_code
            statuses[status] = statuses.get(status, 0) + 1

        started = time.monotonic()
        register()  # the cold start: RIE starts the function's runtime with its first invoke
        # The warm registrations' CPU, process by process (the runtime exists from here on).
        processes = function_processes(stack, FUNCTION)
        load = [os.getloadavg()[0]]
        cpu_before = cpu_of(stack, processes)
        for _ in range(events - 1):
            register()
        cpu_after = cpu_of(stack, processes)
        load.append(os.getloadavg()[0])
        wall = time.monotonic() - started
        # The function's output reaches its log through a pipe: wait for the last REPORT line.
        deadline = time.monotonic() + 10
        durations, inits = report_durations(log)
        while len(durations) < events and time.monotonic() < deadline:
            time.sleep(0.1)
            durations, inits = report_durations(log)
    cpu = {kind: (cpu_after[kind] - cpu_before[kind]) * 1000 / max(1, events - 1) for kind in cpu_before}
    return {"durations": durations, "inits": inits, "statuses": statuses, "wall_s": wall, "cpu_ms": cpu, "load": load}


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
    cpu, load = figures["cpu_ms"], figures["load"]
    print(
        f"  CPU per warm registration (process CPU time / {EVENTS - 1}; load average {load[0]:.1f} -> {load[1]:.1f}):"
    )
    print(f"    the function's runtime (its own work, boto3's and requests' client side)   {cpu['runtime']:6.1f} ms")
    print(f"    the local stack: moto, emulators, gateway, pollers (one process)          {cpu['stack']:6.1f} ms")
    print(f"    the local stack: RIE (the Lambda runtime API)                              {cpu['rie']:6.1f} ms")
    mean = statistics.fmean(warm)
    waiting = mean - cpu["runtime"]
    print(f"  warm REPORT mean {mean:.1f} ms - the function's CPU = {waiting:.1f} ms waiting (on the stack, for a CPU)")


if __name__ == "__main__":
    main()
