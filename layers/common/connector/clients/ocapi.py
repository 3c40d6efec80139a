"""The storefront's Open Commerce API (OCAPI): customer and order documents pulled on demand."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests

from connector.clients.base import PlatformClient, PlatformRefusal
from connector.errors import PermanentError
from connector.observability import traced
from connector.settings import PlatformApi
from connector.value_types import quoted_path_segment

DEFAULT_VERSION = "v24_5"
# Customer document fields the connector never writes back: those the storefront sets itself (read-only
# in the Data API's Customer document; a PATCH naming one is refused with a 400 fault), and the
# customer number, which the Data API would let a PATCH change but which is the link's key.
READ_ONLY_CUSTOMER_FIELDS = frozenset(
    {
        "customer_id",
        "customer_no",
        "creation_date",
        "last_modified",
        "last_login_time",
        "last_visit_time",
        "previous_login_time",
        "previous_visit_time",
        "auth_type",
        "credentials",
        "addresses",
    }
)


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

    def _customer_path(self, customer_list_id: str, customer_no: str) -> str:
        customer_list = _segment(customer_list_id)
        return f"/s/-/dw/data/{self._version}/customer_lists/{customer_list}/customers/{_segment(customer_no)}"

    def update_customer(self, customer_list_id: str, customer_no: str, fields: dict[str, Any]) -> dict[str, Any] | None:
        """Data API `PATCH /customer_lists/{list_id}/customers/{customer_no}` (the CustomerLists
        resource): only the fields given change. The updated document, or None when the list has no
        such customer (404)."""
        return self._patch(self._customer_path(customer_list_id, customer_no), fields, "customer")

    def customer_addresses(self, customer_list_id: str, customer_no: str) -> list[dict[str, Any]] | None:
        """Data API `GET .../customers/{customer_no}/addresses`: the customer's address book (its
        first page: OCAPI's default of 10 holds the preferred address of any real book), or None
        when the list has no such customer."""
        path = f"{self._customer_path(customer_list_id, customer_no)}/addresses"
        found = self.call("GET", path, missing_ok=True)
        return None if found is None else [dict(a) for a in found.get("data") or []]

    def update_customer_address(
        self, customer_list_id: str, customer_no: str, address_name: str, fields: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Data API `PATCH .../customers/{customer_no}/addresses/{address_name}`; None on a 404."""
        path = f"{self._customer_path(customer_list_id, customer_no)}/addresses/{_segment(address_name)}"
        return self._patch(path, fields, "customer address")

    def _patch(self, path: str, fields: dict[str, Any], what: str) -> dict[str, Any] | None:
        """A PATCH: the document, None on a 404, and any other refusal a PlatformRefusal naming the
        fault's type (never its message, which may quote the value)."""
        url = f"{self.base_url}{path}"
        with traced(f"{self.platform} PATCH", platform=self.platform):
            resp = self._authorized("PATCH", url, {}, json=fields)
            if resp.status_code == 401:
                resp = self._authorized("PATCH", url, {}, json=fields, renew=True)
        if resp.status_code == 404:
            return None
        if resp.status_code >= 400:
            raise PlatformRefusal(f"commerce {what} PATCH answered {resp.status_code} {_fault(resp)}", resp.status_code)
        return dict(resp.json())

    def order(self, site_id: str, order_no: str) -> dict[str, Any] | None:
        """The order document (with customer_info), or None when there is no such order."""
        found = self.call("GET", f"{self._shop(site_id)}/orders/{_segment(order_no)}", missing_ok=True)
        return dict(found) if found is not None else None

    def customer_search(self, customer_list_id: str, after: str | None, count: int) -> dict[str, Any]:
        """One page of a customer list (Data API `customer_search`), in customer number order, of
        the customers numbered after `after` (all when None): pages read at different times follow
        one another by key, not by offset, so a customer leaving the list between two reads (a
        backfill reads them across invocations) shifts no page past one of the others."""
        query: dict[str, Any] = {"match_all_query": {}}
        if after is not None:
            query = {"filtered_query": {"query": query, "filter": _after("customer_no", after)}}
        body = {
            "query": query,
            "select": "(**)",
            "sorts": [{"field": "customer_no", "sort_order": "asc"}],
            "start": 0,
            "count": count,
        }
        path = f"/s/-/dw/data/{self._version}/customer_lists/{_segment(customer_list_id)}/customer_search"
        return dict(self.call("POST", path, json=body))

    def order_search(
        self, site_id: str, created_from: str, created_to: str, after: str | None, count: int
    ) -> dict[str, Any]:
        """One page of a site's orders created in [created_from, created_to) (Shop API
        `order_search`, a `filtered_query` whose `range_filter` is on creation_date), in order
        number order, of the orders numbered after `after` (all when None): keyset pages, as
        `customer_search`'s."""
        query: dict[str, Any] = {
            "filtered_query": {
                "query": {"match_all_query": {}},
                "filter": {
                    "range_filter": {
                        "field": "creation_date",
                        "from": created_from,
                        "to": created_to,
                        "from_inclusive": True,
                        "to_inclusive": False,
                    }
                },
            }
        }
        if after is not None:
            query = {"filtered_query": {"query": query, "filter": _after("order_no", after)}}
        body = {
            "query": query,
            "select": "(**)",
            "sorts": [{"field": "order_no", "sort_order": "asc"}],
            "start": 0,
            "count": count,
        }
        return dict(self.call("POST", f"{self._shop(site_id)}/order_search", json=body))


def _fault(resp: requests.Response) -> str:
    """The fault's type, from OCAPI's fault document `{"_v", "fault": {"type", "message"}}` (its
    message is left out: it may quote the value refused)."""
    try:
        fault = resp.json().get("fault") or {}
    except (ValueError, AttributeError):
        return "(no fault document)"
    return str(fault.get("type") or "fault")


def _after(field: str, key: str) -> dict[str, Any]:
    return {"range_filter": {"field": field, "from": key, "from_inclusive": False}}


def _segment(value: str) -> str:
    return quoted_path_segment(value, "OCAPI")
