"""The one pattern every platform client follows.

A subclass says how it authenticates (`authorize`) and which calls it offers; the base owns the
rest: base URL and timeouts from the settings, one renewal of the credentials on a 401, transport
errors, 5xx and 429 as `TransientError` (retried from the queue), other refusals as
`PermanentError`, and the count of API calls (the `PlatformApiCalls` metric).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, ClassVar

import requests

from connector.errors import PermanentError, TransientError
from connector.observability import traced
from connector.settings import PlatformApi


class PlatformRefusal(PermanentError):
    """A platform refused a call (a 4xx other than 401/429): permanent; `status` lets a client say
    what the refusal means for the event (a 409 may be an invalid state change)."""

    def __init__(self, msg: str, status: int) -> None:
        super().__init__(msg)
        self.status = status


class ApiCallCounter:
    """Calls a client has sent (thread-safe: a batch may call from several threads)."""

    def __init__(self) -> None:
        self.total = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.total += 1


class PlatformClient:
    platform: ClassVar[str] = "platform"

    def __init__(self, api: PlatformApi, session: requests.Session | None = None) -> None:
        self.base_url = api.url.rstrip("/")
        self._timeout = (api.connect_timeout_seconds, api.read_timeout_seconds)
        self._session = session or requests.Session()
        self.calls = ApiCallCounter()

    # -- what a subclass provides --------------------------------------------------------------
    def authorize(self, headers: dict[str, str], *, renew: bool = False) -> None:
        """Add the credentials to `headers`; `renew` after a 401 (an expired token)."""

    # -- the pattern ---------------------------------------------------------------------------
    def send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One HTTP exchange, counted; unreachable, 5xx and 429 are transient."""
        self.calls.add()
        try:
            resp = self._session.request(method, url, timeout=self._timeout, **kwargs)
        except requests.RequestException as exc:
            raise TransientError(f"{self.platform} unreachable: {type(exc).__name__}") from exc
        if resp.status_code >= 500 or resp.status_code == 429:
            raise TransientError(f"{self.platform} answered {resp.status_code}")
        return resp

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        missing_ok: bool = False,
        idempotency_key: str | None = None,
    ) -> Any:
        """An authenticated API call: its JSON body, or None for a 404 when `missing_ok`.
        `idempotency_key` is sent as the `Idempotency-Key` header (a retry the platform recognises)."""
        url = f"{self.base_url}{path}"
        extra = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        with traced(f"{self.platform} {method}", platform=self.platform):
            resp = self._authorized(method, url, extra, json=json, params=params)
            if resp.status_code == 401:
                resp = self._authorized(method, url, extra, json=json, params=params, renew=True)
        if resp.status_code == 404 and missing_ok:
            return None
        if resp.status_code >= 400:
            # The path without its query: the error text must not carry personal data.
            raise PlatformRefusal(
                f"{self.platform} {method} {path.split('?')[0]} answered {resp.status_code}", resp.status_code
            )
        return resp.json() if resp.content else None

    def _authorized(
        self, method: str, url: str, extra: Mapping[str, str], *, renew: bool = False, **kwargs: Any
    ) -> requests.Response:
        headers = {"Accept": "application/json", **extra}
        self.authorize(headers, renew=renew)
        return self.send(method, url, headers=headers, **kwargs)
