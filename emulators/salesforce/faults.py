"""Fault injection for data calls: errors in Salesforce's shapes, latency, or both.

A fault fires on the next `count` matching calls, or on a random share (`ratio`, reproducible
with `seed`) until cleared; without either it fires on every matching call. `match` is a
substring of "METHOD path", tried against both the real path
("PATCH /services/data/v62.0/sobjects/Contact/Commerce_Customer_No__c/42") and the counter key
("PATCH /sobjects/Contact/Commerce_Customer_No__c").
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from .errors import SfError

DEFAULT_MESSAGES = {
    "SERVER_UNAVAILABLE": "Server temporarily unavailable, please try again later.",
    "UNABLE_TO_LOCK_ROW": "unable to obtain exclusive access to this record or 1 records",
    "REQUEST_LIMIT_EXCEEDED": "TotalRequests Limit exceeded.",
    "UNKNOWN_EXCEPTION": "An unexpected error occurred. Please include this ErrorId if you contact support: "
    "1234567890-12345 (-1234567890)",
    "INVALID_SESSION_ID": "Session expired or invalid",
}
_STATUS_FOR_CODE = {
    "SERVER_UNAVAILABLE": 503,
    "UNABLE_TO_LOCK_ROW": 400,
    "REQUEST_LIMIT_EXCEEDED": 403,
    "UNKNOWN_EXCEPTION": 500,
    "INVALID_SESSION_ID": 401,
}
_CODE_FOR_STATUS = {
    503: "SERVER_UNAVAILABLE",
    502: "SERVER_UNAVAILABLE",
    504: "SERVER_UNAVAILABLE",
    500: "UNKNOWN_EXCEPTION",
    403: "REQUEST_LIMIT_EXCEEDED",
    400: "UNABLE_TO_LOCK_ROW",
    401: "INVALID_SESSION_ID",
}


class FaultSpecError(ValueError):
    pass


@dataclass
class Fault:
    id: int
    status: int | None
    error_code: str | None
    message: str | None
    remaining: int | None
    ratio: float | None
    seed: int | None
    match: str | None
    latency_ms: int
    _random: random.Random = field(repr=False, default_factory=random.Random)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "errorCode": self.error_code,
            "message": self.message,
            "remaining": self.remaining,
            "ratio": self.ratio,
            "seed": self.seed,
            "match": self.match,
            "latency_ms": self.latency_ms,
        }

    def fires(self) -> bool:
        """Whether this matching call is hit (always, unless the fault is a ratio)."""
        return self.ratio is None or self._random.random() < self.ratio

    def error(self) -> SfError | None:
        if self.status is None or self.error_code is None:
            return None
        return SfError(self.message or DEFAULT_MESSAGES.get(self.error_code, self.error_code), self.error_code)


@dataclass(frozen=True)
class Injection:
    status: int | None
    error: SfError | None
    latency_ms: int


def _int(spec: dict[str, Any], key: str, low: int, high: int) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise FaultSpecError(f"'{key}' must be an integer between {low} and {high}")
    return value


def parse_fault(spec: Any, fault_id: int) -> Fault:
    if not isinstance(spec, dict):
        raise FaultSpecError("a fault is a JSON object")
    unknown = set(spec) - {"status", "errorCode", "message", "count", "ratio", "seed", "match", "latency_ms"}
    if unknown:
        raise FaultSpecError(f"unknown fault keys: {sorted(unknown)}")
    status = _int(spec, "status", 400, 599)
    code = spec.get("errorCode")
    if code is not None and not isinstance(code, str):
        raise FaultSpecError("'errorCode' must be a string")
    count = _int(spec, "count", 1, 1_000_000)
    seed = _int(spec, "seed", 0, 2**63)
    latency = _int(spec, "latency_ms", 0, 60_000) or 0
    ratio = spec.get("ratio")
    if ratio is not None and (not isinstance(ratio, int | float) or isinstance(ratio, bool) or not 0 <= ratio <= 1):
        raise FaultSpecError("'ratio' must be a number between 0 and 1")
    for key in ("match", "message"):
        if spec.get(key) is not None and not isinstance(spec[key], str):
            raise FaultSpecError(f"'{key}' must be a string")
    wants_error = status is not None or code is not None or not latency
    if wants_error:
        code = code or _CODE_FOR_STATUS.get(status or 503, "UNKNOWN_EXCEPTION")
        status = status or _STATUS_FOR_CODE.get(code, 400)
    return Fault(
        fault_id,
        status,
        code,
        spec.get("message"),
        count,
        float(ratio) if ratio is not None else None,
        seed,
        spec.get("match"),
        latency,
        random.Random(seed),
    )


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, spec: Any) -> Fault:
        with self._lock:
            fault = parse_fault(spec, self._next_id)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.describe() for f in self._faults]

    def pick(self, signatures: tuple[str, ...]) -> Injection:
        """What to inject into one call: the first firing error fault decides the error, and
        the latencies of all firing faults add up."""
        status, error, latency = None, None, 0
        with self._lock:
            for fault in list(self._faults):
                if fault.match and not any(fault.match in s for s in signatures):
                    continue
                fault_error = fault.error()
                if fault_error is not None and error is not None:
                    continue  # another fault already fails this call; keep this one for later
                if not fault.fires():
                    continue
                latency += fault.latency_ms
                if fault_error is not None:
                    status, error = fault.status, fault_error
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
        return Injection(status, error, latency)
