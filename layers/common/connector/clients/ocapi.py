"""The storefront's Open Commerce API (OCAPI): customer and order documents pulled on demand."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests

from connector.clients.base import PlatformClient
from connector.errors import PermanentError
from connector.settings import PlatformApi
from connector.value_types import quoted_path_segment

DEFAULT_VERSION = "v24_5"


class CommerceClient(PlatformClient):
    """OCAPI Shop API with a client-credentials token (Account Manager style), cached until expiry."""

    platform = "commerce"

    def __init__(
        self,
        api: PlatformApi,
        client_id: str,
        client_secret: str,
        api_version: str = DEFAULT_VERSION,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(api, session)
        self._credentials = (client_id, client_secret)
        self._version = api_version
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def authorize(self, headers: dict[str, str], *, renew: bool = False) -> None:
        headers["Authorization"] = f"Bearer {self._access_token(renew)}"

    def _access_token(self, renew: bool) -> str:
        with self._lock:
            if renew or self._token is None or self._token[1] <= time.time():
                resp = self.send(
                    "POST",
                    f"{self.base_url}/dw/oauth2/access_token",
                    data={"grant_type": "client_credentials"},
                    auth=self._credentials,
                )
                if resp.status_code != 200:
                    raise PermanentError(f"OCAPI refused the client credentials: {resp.status_code}")
                body = resp.json()
                self._token = (body["access_token"], time.time() + int(body.get("expires_in", 1799)) - 60)
            return self._token[0]

    def _shop(self, site_id: str) -> str:
        return f"/s/{_segment(site_id)}/dw/shop/{self._version}"

    def customer(self, site_id: str, customer_no: str) -> dict[str, Any] | None:
        """The customer document, or None when the storefront has no such customer."""
        found = self.call("GET", f"{self._shop(site_id)}/customers/{_segment(customer_no)}", missing_ok=True)
        return dict(found) if found is not None else None

    def order(self, site_id: str, order_no: str) -> dict[str, Any] | None:
        """The order document (with customer_info), or None when there is no such order."""
        found = self.call("GET", f"{self._shop(site_id)}/orders/{_segment(order_no)}", missing_ok=True)
        return dict(found) if found is not None else None


def _segment(value: str) -> str:
    return quoted_path_segment(value, "OCAPI")
