"""The fault rules every emulator shares (`emulators.faults`), in the generic dialect and in
Salesforce's."""

from __future__ import annotations

import pytest

from emulators.faults import Failure, Faults, FaultSpecError
from emulators.salesforce.faults import SALESFORCE

CALL = ("GET /customers/1", "GET /customers/{customer_no}")


def test_latencies_add_up_and_the_first_failing_rule_decides() -> None:
    # given a latency rule and two failing rules
    faults = Faults()
    faults.add({"latency_ms": 5})
    faults.add({"status": 500, "count": 1})
    faults.add({"status": 502, "count": 1})
    # when two calls are picked
    first, second = faults.pick(CALL), faults.pick(CALL)
    # then each call is delayed, the first fails with the first rule, the second with the next
    assert (first.latency_ms, first.failure) == (5, Failure(500))
    assert (second.latency_ms, second.failure) == (5, Failure(502))
    assert [f["status"] for f in faults.list()] == [None]


def test_a_rule_that_does_not_match_is_not_used_up() -> None:
    # given a counted rule for orders only
    faults = Faults()
    faults.add({"status": 503, "count": 1, "match": "/orders/"})
    # when a customer is read
    injection = faults.pick(CALL)
    # then nothing is injected and the rule stays
    assert injection.failure is None
    assert faults.list()[0]["remaining"] == 1


def test_seeded_ratio_repeats_its_pattern() -> None:
    # given the same seeded rule in two emulators
    def pattern() -> list[bool]:
        faults = Faults()
        faults.add({"ratio": 0.5, "seed": 11})
        return [faults.pick(CALL).failure is not None for _ in range(30)]

    # when each picks 30 calls
    first, second = pattern(), pattern()
    # then both fail the same calls, some but not all
    assert first == second
    assert 0 < sum(first) < 30


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"count": 1}, Failure(503)),
        ({"ratio": 1, "latency_ms": 10}, Failure(503)),
        ({"latency_ms": 10, "count": 1}, None),
    ],
)
def test_generic_dialect_defaults(spec: dict[str, object], expected: Failure | None) -> None:
    # given a rule without a status
    faults = Faults()
    faults.add(spec)
    # when a call is picked
    # then the generic defaults apply
    assert faults.pick(CALL).failure == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, Failure(503, "SERVER_UNAVAILABLE")),
        ({"errorCode": "UNABLE_TO_LOCK_ROW"}, Failure(400, "UNABLE_TO_LOCK_ROW")),
        ({"status": 500, "message": "boom"}, Failure(500, "UNKNOWN_EXCEPTION", "boom")),
        ({"latency_ms": 10}, None),
    ],
)
def test_salesforce_dialect_fills_status_and_code(spec: dict[str, object], expected: Failure | None) -> None:
    # given a Salesforce rule
    faults = Faults(SALESFORCE)
    faults.add(spec)
    # when a call is picked
    # then the missing status or code comes from the other
    assert faults.pick(CALL).failure == expected


@pytest.mark.parametrize(
    "spec",
    [[], {"status": 200}, {"count": 0}, {"ratio": True}, {"match": 3}, {"latency_ms": 60_001}, {"errorCode": "X"}, {}],
)
def test_generic_dialect_refuses_bad_rules(spec: object) -> None:
    # given a malformed rule
    # when it is added
    # then it is refused
    with pytest.raises(FaultSpecError):
        Faults().add(spec)


def test_a_rules_listing_counts_the_calls_it_hit() -> None:
    # given a rule for orders only
    faults = Faults()
    faults.add({"status": 503, "match": "/orders/"})
    # when two orders and a customer are read
    for call in (("GET /orders/1",), ("GET /orders/2",), CALL):
        faults.pick(call)
    # then the rule says it hit the two orders
    assert faults.list()[0]["hits"] == 2
