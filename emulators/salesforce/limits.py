"""The org's daily API request allocation, enforced the way Salesforce does.

Usage is counted over a rolling 24 hours, for the org as a whole; once it reaches the allocation,
calls are refused with 403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded." until usage over
the preceding 24 hours drops below it
(https://help.salesforce.com/s/articleView?id=xcloud.setup_system_overview_api.htm&type=5). Every
REST answer reports the usage in `Sforce-Limit-Info: api-usage=<used>/<allocation>`
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm).

The admin API sets the allocation and the current usage, so a test can stand at 85% of the day
without making thousands of calls.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

# The base allocation of an Enterprise Edition org (before per-license additions):
# https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html
DEFAULT_ALLOCATION = 100_000
WINDOW_SECONDS = 24 * 3600
_BUCKET_SECONDS = 60
LIMIT_EXCEEDED = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


class ApiAllocation:
    """Calls per minute over the last 24 hours, against the org's allocation."""

    def __init__(self, allocation: int = DEFAULT_ALLOCATION) -> None:
        self._lock = threading.Lock()
        self._allocation = allocation
        self._minutes: Counter[int] = Counter()

    def _used(self, now: float) -> int:
        oldest = int((now - WINDOW_SECONDS) // _BUCKET_SECONDS)
        for minute in [m for m in self._minutes if m <= oldest]:
            del self._minutes[minute]
        return self._minutes.total()

    def spend(self, now: float | None = None) -> tuple[bool, int, int]:
        """Count one call if the allocation allows it: (allowed, used afterwards, allocation).
        A refused call is not counted: it did no work."""
        now = time.time() if now is None else now
        with self._lock:
            used = self._used(now)
            if used >= self._allocation:
                return False, used, self._allocation
            self._minutes[int(now // _BUCKET_SECONDS)] += 1
            return True, used + 1, self._allocation

    def usage(self, now: float | None = None) -> tuple[int, int]:
        with self._lock:
            return self._used(time.time() if now is None else now), self._allocation

    def configure(self, allocation: int | None = None, used: int | None = None) -> None:
        """Set the allocation and/or the usage (as calls made this minute, leaving the window then)."""
        with self._lock:
            if allocation is not None:
                self._allocation = allocation
            if used is not None:
                self._minutes.clear()
                if used:
                    self._minutes[int(time.time() // _BUCKET_SECONDS)] = used

    def clear(self) -> None:
        with self._lock:
            self._minutes.clear()

    def reset(self) -> None:
        with self._lock:
            self._minutes.clear()
            self._allocation = DEFAULT_ALLOCATION

    def snapshot(self) -> dict[str, Any]:
        used, allocation = self.usage()
        return {"allocation": allocation, "used": used, "window_seconds": WINDOW_SECONDS}
