"""Whether sync work may spend Salesforce API calls now, given the org's daily allocation.

Salesforce counts API calls over a rolling 24 hours and, once the allocation is used, refuses
every call (REQUEST_LIMIT_EXCEEDED) for every integration of the org until the window frees. Past
a configured share of the allocation (`salesforce.defer_at_api_usage`), sync events therefore wait
in the queue rather than spend what is left; commands (a caller is waiting) still run.

What it costs: the client reads `Sforce-Limit-Info` from every answer in memory (free); a check is
one DynamoDB read (the reading any container stored last, 0.5 RCU) only when this container has heard
nothing from the org for `OWN_READING_SUFFICES_SECONDS`: the org reports its usage on every answer, so
a fresh reading of its own is as new as any other container's stored reading (which is stored at
most once a minute, below); a busy container checks for free. This container's reading is
stored at most once a minute, or at once when it crosses the threshold (1 WCU). While over the
threshold, a reading older than `defer_seconds` is re-checked with one `GET /limits` call: with
all sync work waiting, nothing else would show the window freeing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from connector.config import SalesforceConfig
from connector.errors import ConnectorError
from connector.observability import logger
from connector.salesforce.client import SalesforceClient
from connector.salesforce.limits import ApiUsage
from connector.state.api_usage import ApiUsageStore, StoredApiUsage

PERSIST_EVERY_SECONDS = 60
# An own reading this recent makes reading the shared one pointless: other containers share theirs at
# most every PERSIST_EVERY_SECONDS, and a container that calls Salesforce sees the org's usage on each
# answer itself. What it may miss: another container's crossing, for at most one event of its own.
OWN_READING_SUFFICES_SECONDS = PERSIST_EVERY_SECONDS


class ApiBudget:
    def __init__(
        self,
        client: SalesforceClient,
        store: ApiUsageStore,
        config: SalesforceConfig,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._store = store
        self._config = config
        self._clock = clock
        self._persisted: ApiUsage | None = None
        self._persisted_at = 0.0

    def over_threshold(self) -> ApiUsage | None:
        """The reading that says sync work should wait now, or None when it may spend calls."""
        reading = self._freshest()
        if reading is None or not self._over(reading):
            return None
        if self._clock() - reading.observed_at >= self._config.defer_seconds:
            reading = self._recheck() or reading
            if not self._over(reading):
                return None
        return reading

    def persist(self) -> None:
        """Share this container's latest reading with the others (see the module's costs)."""
        reading = self._client.api_usage
        last = self._persisted
        if reading is None or (last is not None and reading.observed_at <= last.observed_at):
            return
        crossed = last is None or self._over(reading) != self._over(last)
        if not crossed and self._clock() - self._persisted_at < PERSIST_EVERY_SECONDS:
            return
        self._store.put(StoredApiUsage(reading.used, reading.allocation, reading.observed_at))
        self._persisted, self._persisted_at = reading, self._clock()

    def _over(self, reading: ApiUsage) -> bool:
        return reading.share >= self._config.defer_at_api_usage

    def _freshest(self) -> ApiUsage | None:
        own = self._client.api_usage
        if own is not None and self._clock() - own.observed_at < OWN_READING_SUFFICES_SECONDS:
            return own
        stored = self._store.get()
        shared = ApiUsage(stored.used, stored.allocation, stored.observed_at) if stored is not None else None
        own = self._client.api_usage
        candidates = [r for r in (own, shared) if r is not None]
        return max(candidates, key=lambda r: r.observed_at) if candidates else None

    def _recheck(self) -> ApiUsage | None:
        before = self._client.api_usage
        try:
            self._client.request("GET", self._client.data_path("limits"), operation="limits")
        except ConnectorError as exc:
            # A refusal still carries the header (REQUEST_LIMIT_EXCEEDED does): its reading counts.
            logger.info("API usage re-check failed", extra={"error": type(exc).__name__})
        after = self._client.api_usage
        if after is None or after is before:
            return None
        self.persist()
        return after
