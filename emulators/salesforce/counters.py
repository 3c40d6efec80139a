"""API call accounting, the way Salesforce counts against the daily API request limit: every
authenticated REST call is one call (a composite or collection request is one call however many
records it touches); OAuth token requests are not API calls and are counted apart."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

OPERATIONS = (
    "create",
    "read",
    "update",
    "upsert",
    "delete",
    "query",
    "query_more",
    "composite",
    "collections",
    "describe",
    "bulk",
    "other",
)


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_operation: Counter[str] = Counter()
        self._by_path: Counter[str] = Counter()
        self._token_requests = 0

    def record_call(self, operation: str, key: str) -> None:
        """Count one API call (the org's rolling usage is `limits.ApiAllocation`)."""
        with self._lock:
            self._by_operation[operation] += 1
            self._by_path[key] += 1

    def record_token_request(self) -> None:
        with self._lock:
            self._token_requests += 1

    @property
    def total(self) -> int:
        with self._lock:
            return self._by_operation.total()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": self._by_operation.total(),
                "by_operation": {op: self._by_operation[op] for op in OPERATIONS},
                "by_path": dict(self._by_path),
                "token_requests": self._token_requests,
            }

    def reset(self) -> None:
        with self._lock:
            self._by_operation.clear()
            self._by_path.clear()
            self._token_requests = 0
