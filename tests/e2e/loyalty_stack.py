"""A loyalty customer of one test alone, on the local stack's loyalty emulator, with their Contact in
its Salesforce emulator; the actions an agent sends for them, signed, through the gateway; and the
platform and the org read back over HTTP with their own credentials (never through the connector)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from conftest import LocalStack
from salesforce_org import SalesforceOrg

from connector.salesforce.soql import soql_quote

ROOT = Path(__file__).resolve().parents[2]
LOCAL_CONFIG: dict[str, Any] = json.loads((ROOT / "local" / "connector-config.json").read_text())
FUNCTIONS = ("OfferActionsFunction",)
ACTIONS = "/v1/loyalty/actions"
AUTH = ("local-loyalty-key", "local-loyalty-secret")
AGENT = {"id": "agent-7", "name": "Alex Kim", "email": "alex.kim@brand.example"}
# user offer name -> (catalog offer, state in the seed)
TWO_ISSUED = {"1": ("offer-5-off-check", "issued"), "2": ("offer-free-shipping", "issued")}


def with_loyalty(**loyalty: Any) -> dict[str, Any]:
    """The local connector config with these loyalty settings (for `stack.configured(..., FUNCTIONS)`)."""
    return {**LOCAL_CONFIG, "loyalty": loyalty}


def platform_users(stack: LocalStack, **search: str) -> list[dict[str, Any]]:
    """The loyalty customers with this email or external id, as the platform holds them."""
    url = f"{stack.loyalty}/priv/v1/apps/{AUTH[0]}/users/search"
    resp = requests.get(url, params=search, auth=AUTH, timeout=5)
    resp.raise_for_status()
    return list(resp.json()["users"])


def action_body(event_type: str, data: Mapping[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """An action as a Service Cloud component sends it, by the test's agent."""
    return {
        "event_id": event_id or f"evt-e2e-{uuid.uuid4().hex[:12]}",
        "event_type": event_type,
        "occurred_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": "loyalty",
        "data": {"agent": AGENT, **data},
    }


def send_action(stack: LocalStack, body: Mapping[str, Any]) -> requests.Response:
    return stack.send(body, path=ACTIONS)


class Customer:
    """A loyalty customer of this test alone (own external id, user offers `uo-<tag>-<name>`), with
    their Contact holding the external id."""

    def __init__(
        self,
        stack: LocalStack,
        points: int = 1200,
        user_offers: Mapping[str, tuple[str, str]] = TWO_ISSUED,
    ) -> None:
        assert stack.loyalty and stack.salesforce
        self.stack = stack
        self.tag = uuid.uuid4().hex[:10]
        self.external_id = f"E2E_{self.tag}"
        self.user_id = f"user-{self.tag}"
        self.email = f"{self.tag}@example.com"
        seed = {
            "users": [
                {
                    "id": self.user_id,
                    "external_id": self.external_id,
                    "email": self.email,
                    "last_name": "E2E",
                    "point_accounts": {"Point Account": points},
                }
            ],
            "user_offers": [
                {"id": self.user_offer_id(name), "user_id": self.user_id, "offer_id": offer, "status": state}
                for name, (offer, state) in user_offers.items()
            ],
        }
        requests.post(f"{stack.loyalty}/_admin/seed", json=seed, timeout=5).raise_for_status()
        self.org = SalesforceOrg(stack.salesforce)
        self.contact_id = self.org.create("Contact", {"LastName": "E2E", "Loyalty_External_Id__c": self.external_id})

    @property
    def key(self) -> dict[str, str]:
        """How an action names this customer (Search by External ID on, the local default)."""
        return {"external_id": self.external_id}

    def user_offer_id(self, name: str | int) -> str:
        return f"uo-{self.tag}-{name}"

    def act(self, event_type: str, event_id: str | None = None, **data: Any) -> requests.Response:
        """The action for this customer (named by their external id), sent through the gateway."""
        body = action_body(event_type, {"customer": self.key, **data}, event_id)
        return send_action(self.stack, body)

    def platform(self, path: str, **params: Any) -> Any:
        url = f"{self.stack.loyalty}/priv/v1/apps/{AUTH[0]}/users/{self.user_id}{path}"
        resp = requests.get(url, auth=AUTH, params=params or None, timeout=5)
        resp.raise_for_status()
        return resp.json()

    def balance(self) -> int:
        return int(self.platform("/points")["available_points"])

    def user_offer(self, name: str | int) -> dict[str, Any]:
        return dict(self.platform(f"/offers/{self.user_offer_id(name)}")["user_offer"])

    def offer_state(self, name: str | int) -> str:
        return str(self.user_offer(name)["status"])

    def user_offers(self) -> dict[str, dict[str, Any]]:
        """Every user offer the customer holds, by id."""
        return {uo["id"]: uo for uo in self.platform("/offers")["user_offers"]}

    def footprint(self) -> tuple[int, int, int, int]:
        """What an action leaves on the platform: entries in the activity log, points, notes, user offers."""
        return (
            int(self.platform("/activity")["total"]),
            self.balance(),
            len(self.platform("/notes")["notes"]),
            len(self.user_offers()),
        )

    def platform_requests(self) -> list[dict[str, Any]]:
        """The calls the loyalty emulator received about this customer (its request log)."""
        resp = requests.get(f"{self.stack.loyalty}/_admin/requests", params={"match": self.tag}, timeout=5)
        resp.raise_for_status()
        return list(resp.json())

    def tasks(self) -> list[dict[str, Any]]:
        return self.org.query(
            "SELECT Id, Subject, Status, Description, WhoId, Loyalty_Event_Id__c FROM Task "
            f"WHERE WhoId = {soql_quote(self.contact_id)}"
        )
