"""Fault injection for every emulator's data calls: errors in the platform's shape, latency, or both.

A rule is posted as a JSON object with these keys, all optional:

    status       HTTP status of the injected error, 400..599
    count        hit only the next `count` matching calls, then vanish
    ratio        hit that share (0..1) of matching calls, until cleared
    seed         makes a `ratio` rule's choices reproducible
    match        substring of "METHOD path", tried against the real path
                 ("PATCH /services/data/v62.0/sobjects/Contact/Commerce_Customer_No__c/42") and the
                 counter key ("PATCH /sobjects/Contact/Commerce_Customer_No__c")
    latency_ms   delay, 0..60000, added to each call the rule hits

A rule's listing adds `hits`, the calls (or parts of calls) it has hit so far.

plus the keys of the emulator's `FaultDialect` (Salesforce: `errorCode`, `message`, `fields`, and
`scope` with its selectors, to fail one subrequest of a composite call or one record of a
collection call instead of the whole call); any other key is refused. Without `count` or `ratio` a
rule hits every matching call until cleared. The dialect decides what a rule without a `status`
means (see `GENERIC` and the Salesforce dialect).

On one call the latencies of every rule that hits add up, and the first hitting rule that fails
decides the error; a later failing rule that matches the same call is left for the next one (its
`count` is not used up).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emulators._fields import optional_str

COMMON_KEYS = frozenset({"status", "count", "ratio", "seed", "match", "latency_ms"})
MAX_COUNT = 1_000_000
MAX_LATENCY_MS = 60_000
TRANSIENT_STATUS = 503
WHOLE_REQUEST = "request"


class FaultSpecError(ValueError):
    """A posted rule that cannot be used; the message says why (answered with a 400)."""


@dataclass(frozen=True)
class FaultSpec:
    """A posted rule with its common keys validated; `extra` holds the dialect's own keys."""

    status: int | None
    count: int | None
    ratio: float | None
    seed: int | None
    match: str | None
    latency_ms: int
    extra: Mapping[str, Any]

    @classmethod
    def parse(cls, spec: object, extra_keys: frozenset[str] = frozenset(), lowest_status: int = 400) -> FaultSpec:
        if not isinstance(spec, dict):
            raise FaultSpecError("A fault is a JSON object.")
        unknown = set(spec) - COMMON_KEYS - extra_keys
        if unknown:
            raise FaultSpecError(f"Unknown fault keys: {sorted(unknown)}.")
        ratio = spec.get("ratio")
        if ratio is not None and not (
            isinstance(ratio, int | float) and not isinstance(ratio, bool) and 0 <= ratio <= 1
        ):
            raise FaultSpecError("'ratio' must be a number between 0 and 1.")
        return cls(
            status=_int(spec, "status", lowest_status, 599),
            count=_int(spec, "count", 1, MAX_COUNT),
            ratio=float(ratio) if ratio is not None else None,
            seed=_int(spec, "seed", 0, 2**63),
            match=optional_str(spec, "match", FaultSpecError),
            latency_ms=_int(spec, "latency_ms", 0, MAX_LATENCY_MS) or 0,
            extra={key: value for key, value in spec.items() if key in extra_keys},
        )

    def text(self, key: str) -> str | None:
        """A dialect key that must be a string when given."""
        return optional_str(self.extra, key, FaultSpecError)


def _int(spec: Mapping[str, Any], key: str, low: int, high: int) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise FaultSpecError(f"'{key}' must be an integer between {low} and {high}.")
    return value


@dataclass(frozen=True)
class Failure:
    """The error a rule injects; `None` code or message means the platform's default."""

    status: int
    code: str | None = None
    message: str | None = None
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class FaultDialect:
    """What one emulator adds to the common rule: its own keys, the name its listing gives the
    error code, and `resolve`, which settles a rule into the error it injects (None: latency only)
    or refuses it with a FaultSpecError; `target` says what part of a call a rule hits: its scope
    ("request": the whole call) and the facts a part must show (e.g. {"index": 2})."""

    resolve: Callable[[FaultSpec], Failure | None]
    extra_keys: frozenset[str] = frozenset()
    code_key: str = "code"
    target: Callable[[FaultSpec], tuple[str, Mapping[str, Any]]] = lambda _spec: (WHOLE_REQUEST, {})
    lowest_status: int = 400


def _generic_resolve(spec: FaultSpec) -> Failure | None:
    if spec.status is None and spec.count is None and spec.ratio is None and not spec.latency_ms:
        raise FaultSpecError("A fault needs 'status', 'count', 'ratio' or 'latency_ms'.")
    if spec.status is not None:
        return Failure(spec.status)
    if spec.ratio is not None or (spec.count is not None and not spec.latency_ms):
        return Failure(TRANSIENT_STATUS)  # a failure was asked for without a status: the usual one
    return None


# Platforms whose errors need no more than a status: the status defaults to 503 for a `ratio`
# or a bare `count`, and `latency_ms` without a status only delays.
GENERIC = FaultDialect(_generic_resolve)


@dataclass
class Fault:
    id: int
    failure: Failure | None
    remaining: int | None
    ratio: float | None
    seed: int | None
    match: str | None
    latency_ms: int
    _random: random.Random = field(repr=False, default_factory=random.Random)
    scope: str = WHOLE_REQUEST
    where: Mapping[str, Any] = field(default_factory=dict)
    # Calls (or parts) this rule has hit so far: what a soak reports as the faults it injected.
    hits: int = 0

    def matches(self, signatures: tuple[str, ...], scope: str, facts: Mapping[str, Any]) -> bool:
        if self.scope != scope or any(facts.get(key) != value for key, value in self.where.items()):
            return False
        return not self.match or any(self.match in signature for signature in signatures)

    def fires(self) -> bool:
        """Whether this matching call is hit (always, unless the rule has a ratio)."""
        return self.ratio is None or self._random.random() < self.ratio

    def describe(self, code_key: str = "code") -> dict[str, Any]:
        failure = self.failure
        target = {"scope": self.scope, **self.where} if self.scope != WHOLE_REQUEST else {}
        return target | {
            "id": self.id,
            "status": failure.status if failure else None,
            code_key: failure.code if failure else None,
            "message": failure.message if failure else None,
            "remaining": self.remaining,
            "ratio": self.ratio,
            "seed": self.seed,
            "match": self.match,
            "latency_ms": self.latency_ms,
            "hits": self.hits,
        }


@dataclass(frozen=True)
class Injection:
    """What to do to one call: wait `latency_ms`, then fail with `failure` unless it is None."""

    failure: Failure | None = None
    latency_ms: int = 0

    def wait(self) -> None:
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)


class Faults:
    """The active rules of one emulator instance (thread-safe)."""

    def __init__(self, dialect: FaultDialect = GENERIC) -> None:
        self.dialect = dialect
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, spec: object) -> dict[str, Any]:
        """Validate and activate one posted rule; returns its listing."""
        parsed = FaultSpec.parse(spec, self.dialect.extra_keys, self.dialect.lowest_status)
        failure = self.dialect.resolve(parsed)
        scope, where = self.dialect.target(parsed)
        with self._lock:
            fault = Fault(
                self._next_id,
                failure,
                parsed.count,
                parsed.ratio,
                parsed.seed,
                parsed.match,
                parsed.latency_ms,
                random.Random(parsed.seed),
                scope,
                dict(where),
            )
            self._next_id += 1
            self._faults.append(fault)
            return fault.describe(self.dialect.code_key)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.describe(self.dialect.code_key) for fault in self._faults]

    def pick(
        self, signatures: tuple[str, ...], scope: str = WHOLE_REQUEST, facts: Mapping[str, Any] | None = None
    ) -> Injection:
        """What to inject into one call (or one part of it: `scope`, showing `facts`) whose "METHOD
        path" forms are `signatures`; a counted rule is used up only by the calls it hits."""
        failure, latency = None, 0
        with self._lock:
            for fault in list(self._faults):
                if not fault.matches(signatures, scope, facts or {}):
                    continue
                if fault.failure is not None and failure is not None:
                    continue  # another rule already fails this call; keep this one for later
                if not fault.fires():
                    continue
                latency += fault.latency_ms
                failure = failure or fault.failure
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
        return Injection(failure, latency)
