"""Generated requests at volume (issue 11): >= 1,000 signed schemathesis cases per route (half
schema-valid, half schema-invalid) through a fresh local stack. Prints the cases per route, the
failures of each check (0 x 5xx, 0 undocumented statuses, 0 writes by a refused request) and the
statuses seen. `SCHEMA_FUZZ_CASES` sets the cases per route (default 1000)."""

from __future__ import annotations

import os
import time

from bench.routing_latency import local_stack
from devstack import fuzz

CASES_PER_ROUTE = int(os.environ.get("SCHEMA_FUZZ_CASES", "1000"))


def main() -> None:
    print(f"== schema fuzz: {CASES_PER_ROUTE} generated cases per route, signed, through the local stack")
    with local_stack() as health:
        started = time.monotonic()
        report = fuzz.run(health, max(1, CASES_PER_ROUTE // 2))  # per generation mode
        elapsed = time.monotonic() - started
    for line in report.lines():
        print(line)
    print(f"{sum(report.cases.values()) / elapsed:.1f} cases/s over {elapsed:.0f} s")


if __name__ == "__main__":
    main()
