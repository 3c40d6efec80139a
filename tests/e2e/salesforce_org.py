"""Reads and steers the Salesforce emulator the way a test should: its REST API and its admin path."""

from __future__ import annotations

import time
from typing import Any

import requests

from connector.salesforce.soql import soql_quote

API = "/services/data/v62.0"


class SalesforceOrg:
    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")
        self._token: str | None = None

    def _auth(self) -> dict[str, str]:
        if self._token is None:
            resp = requests.post(
                f"{self.base}/services/oauth2/token",
                data={"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"},
                timeout=10,
            )
            resp.raise_for_status()
            self._token = resp.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def query(self, soql: str) -> list[dict[str, Any]]:
        resp = requests.get(f"{self.base}{API}/query", params={"q": soql}, headers=self._auth(), timeout=10)
        if resp.status_code == 401:
            self._token = None
            resp = requests.get(f"{self.base}{API}/query", params={"q": soql}, headers=self._auth(), timeout=10)
        resp.raise_for_status()
        return list(resp.json()["records"])

    def query_answer(self, soql: str) -> requests.Response:
        """The raw answer to a query, for a test of what the org refuses."""
        return requests.get(f"{self.base}{API}/query", params={"q": soql}, headers=self._auth(), timeout=10)

    def contacts_with_customer_no(self, customer_no: str, fields: str = "Id, LastName, Email") -> list[dict[str, Any]]:
        return self.query(f"SELECT {fields} FROM Contact WHERE Commerce_Customer_No__c = {soql_quote(customer_no)}")

    def create(self, sobject: str, fields: dict[str, Any]) -> str:
        """A record created through the REST API, as an agent or another integration would."""
        resp = requests.post(f"{self.base}{API}/sobjects/{sobject}", json=fields, headers=self._auth(), timeout=10)
        assert resp.status_code == 201, resp.text
        return str(resp.json()["id"])

    def seed(self, records: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
        """Records created by the org's admin (`/_admin/seed`), Users among them: {sObject: [ids]}."""
        resp = requests.post(f"{self.base}/_admin/seed", json=records, timeout=10)
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def update(self, sobject: str, record_id: str, fields: dict[str, Any]) -> None:
        resp = requests.patch(
            f"{self.base}{API}/sobjects/{sobject}/{record_id}", json=fields, headers=self._auth(), timeout=10
        )
        assert resp.status_code == 204, resp.text

    def settings(self) -> dict[str, Any]:
        """The emulated org's settings (duplicate rule mode, state and country picklists, person accounts)."""
        return dict(requests.get(f"{self.base}/_admin/settings", timeout=10).json())

    def change_settings(self, **settings: Any) -> dict[str, Any]:
        resp = requests.post(f"{self.base}/_admin/settings", json=settings, timeout=10)
        resp.raise_for_status()
        return dict(resp.json())

    def enable_person_accounts(self) -> None:
        """Person accounts, off in a new emulated org as in a real one (and, as there, for good)."""
        assert self.change_settings(person_accounts=True)["person_accounts"] is True

    def inject_fault(self, **fault: Any) -> None:
        requests.post(f"{self.base}/_admin/faults", json=fault, timeout=10).raise_for_status()

    def clear_faults(self) -> None:
        requests.delete(f"{self.base}/_admin/faults", timeout=10).raise_for_status()

    def api_calls(self) -> int:
        return int(requests.get(f"{self.base}/_admin/counters", timeout=10).json()["total"])

    def set_api_usage(self, *, used: int | None = None, allocation: int | None = None) -> dict[str, Any]:
        """The org's daily API allocation and its usage over the last 24 hours (admin path)."""
        body = {k: v for k, v in {"used": used, "allocation": allocation}.items() if v is not None}
        resp = requests.post(f"{self.base}/_admin/limits", json=body, timeout=10)
        resp.raise_for_status()
        return dict(resp.json())


def wait_for(predicate: Any, timeout: float = 30.0, interval: float = 0.25) -> Any:
    """Poll until predicate() is truthy; return its value or fail with the last one."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    assert value, "condition not met in time"
    return value
