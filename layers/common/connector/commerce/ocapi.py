"""The storefront's Open Commerce API (OCAPI): customer and order documents pulled on demand."""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import quote

import requests

from connector.errors import PermanentError, TransientError

DEFAULT_VERSION = "v24_5"


class CommerceClient:
    """OCAPI Shop API with a client-credentials token (Account Manager style), cached until expiry."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        api_version: str = DEFAULT_VERSION,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
    ) -> None:
        self._base = base_url.rstrip("/")
        self._auth = (client_id, client_secret)
        self._version = api_version
        self._session = session or requests.Session()
        self._timeout = timeout
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()
        self.calls = 0

    def _access_token(self, renew: bool = False) -> str:
        with self._lock:
            if renew or self._token is None or self._token[1] <= time.time():
                resp = self._send(
                    "POST",
                    f"{self._base}/dw/oauth2/access_token",
                    data={"grant_type": "client_credentials"},
                    auth=self._auth,
                )
                if resp.status_code != 200:
                    raise PermanentError(f"OCAPI refused the client credentials: {resp.status_code}")
                body = resp.json()
                self._token = (body["access_token"], time.time() + int(body.get("expires_in", 1799)) - 60)
            return self._token[0]

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            resp = self._session.request(method, url, timeout=self._timeout, **kwargs)
        except requests.RequestException as exc:
            raise TransientError(f"OCAPI unreachable: {type(exc).__name__}") from exc
        if resp.status_code >= 500 or resp.status_code == 429:
            raise TransientError(f"OCAPI answered {resp.status_code}")
        return resp

    def _get(self, path: str, json: Any = None, method: str = "GET") -> dict[str, Any] | None:
        url = f"{self._base}{path}"
        self.calls += 1
        resp = self._send(method, url, json=json, headers={"Authorization": f"Bearer {self._access_token()}"})
        if resp.status_code == 401:
            resp = self._send(method, url, json=json, headers={"Authorization": f"Bearer {self._access_token(True)}"})
        if resp.status_code == 404:
            return None
        if resp.status_code >= 400:
            raise PermanentError(f"OCAPI {method} {path.split('?')[0]} answered {resp.status_code}")
        return dict(resp.json())

    def _shop(self, site_id: str) -> str:
        return f"/s/{quote(site_id, safe='')}/dw/shop/{self._version}"

    def customer(self, site_id: str, customer_no: str) -> dict[str, Any] | None:
        """The customer document, or None when the storefront has no such customer."""
        return self._get(f"{self._shop(site_id)}/customers/{quote(customer_no, safe='')}")

    def order(self, site_id: str, order_no: str) -> dict[str, Any] | None:
        """The order document (with customer_info), or None when there is no such order."""
        return self._get(f"{self._shop(site_id)}/orders/{quote(order_no, safe='')}")
