"""`python -m bench`: every benchmark, each printing its own figures."""

from bench import (
    api_calls,
    api_limits,
    backfill,
    bulk_ingest,
    cold_start,
    doorbell_latency,
    function_time,
    loyalty_actions,
    relay_changes,
    routing_latency,
    schema_fuzz,
    soak,
)


def main() -> None:
    cold_start.main()
    api_calls.main()
    function_time.main()
    api_limits.main()
    bulk_ingest.main()
    routing_latency.main()
    doorbell_latency.main()
    loyalty_actions.main()
    relay_changes.main()  # BENCH_RELAY_EVENTS change events through the local bus, 50 by default
    soak.main([])  # SOAK_EVENTS events, 10,000 by default
    schema_fuzz.main()
    backfill.main([])  # 10,000 customers in 2 lists, then 5,000 orders


if __name__ == "__main__":
    main()
