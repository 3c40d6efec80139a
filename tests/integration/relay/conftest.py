"""Issue 15's workflows in process, against the Salesforce, commerce and loyalty emulators over HTTP
and moto's DynamoDB (the template's SyncStateTable): a `RelayWorld` builds the connector's real
clients against the running emulators and hands the workflows a `Services` with them, as a function's
cold start would (only where the clients point differs: no Secrets Manager round trip for their
credentials)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws

from connector.clients.loyalty import LoyaltyClient
from connector.clients.ocapi import CommerceClient
from connector.config import ConnectorConfig
from connector.crm.identity import Identity, IdentityKind
from connector.salesforce import SalesforceClient
from connector.salesforce.auth import ClientCredentials, TokenProvider, forget_cached_tokens
from connector.services import Services
from connector.settings import PlatformApi, Settings
from devstack.aws import create_table, template_table
from emulators import commerce as commerce_emulator
from emulators import loyalty as loyalty_emulator
from emulators import salesforce as salesforce_emulator
from emulators._base import running

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
TABLE = "SyncStateTable"
LOYALTY_AUTH = ("local-loyalty-key", "local-loyalty-secret")
COMMERCE_AUTH = ("local-commerce-client", "local-commerce-secret")


class Platform:
    """One emulator's base URL and its /_admin/ API."""

    def __init__(self, url: str) -> None:
        self.url = url

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        resp = requests.request(method, f"{self.url}/_admin/{path}", json=body, timeout=5)
        assert resp.status_code < 300, resp.text
        return resp.json() if resp.content else None

    def seed(self, body: dict[str, Any]) -> Any:
        return self.admin("POST", "seed", body)

    def requests(self, match: str) -> list[dict[str, Any]]:
        resp = requests.get(f"{self.url}/_admin/requests", params={"match": match}, timeout=5)
        return list(resp.json())

    def calls(self) -> int:
        return int(self.admin("GET", "counters")["total"])

    def fault(self, **rule: Any) -> None:
        self.admin("POST", "faults", rule)


@pytest.fixture(scope="session")
def emulator_urls() -> Iterator[dict[str, str]]:
    with (
        running(salesforce_emulator.create_app()) as salesforce,
        running(commerce_emulator.create_app()) as commerce,
        running(loyalty_emulator.create_app()) as loyalty,
    ):
        yield {"salesforce": salesforce, "commerce": commerce, "loyalty": loyalty}


class RelayWorld:
    def __init__(self, urls: dict[str, str], ddb: Any) -> None:
        self.salesforce = Platform(urls["salesforce"])
        self.storefront = Platform(urls["commerce"])
        self.loyalty = Platform(urls["loyalty"])
        self.ddb = ddb
        self.config: dict[str, Any] = {}

    def configure(self, **sections: dict[str, Any]) -> None:
        for name, values in sections.items():
            self.config[name] = {**self.config.get(name, {}), **values}

    def services(self) -> Services:
        """A fresh container's services (nothing cached but the Salesforce token, as Lambda keeps it)."""
        settings = Settings(
            sync_state_table=TABLE,
            idempotency_table="IdempotencyTable",
            config=ConnectorConfig.model_validate(self.config),
        )
        services = Services(settings, session=boto3.Session(region_name=REGION))
        credentials = ClientCredentials(self.salesforce.url, "local-client", "local-secret")
        services.salesforce = SalesforceClient(TokenProvider(credentials))
        services.commerce = CommerceClient(PlatformApi(url=self.storefront.url), *COMMERCE_AUTH)
        services.loyalty = LoyaltyClient(
            PlatformApi(url=self.loyalty.url),
            *LOYALTY_AUTH,
            search_by_external_id=settings.config.loyalty.search_by_external_id,
        )
        return services

    # -- what the org, the storefront and the loyalty platform hold --------------------------------
    def integration_user(self) -> str:
        users = self.salesforce.admin("GET", "records/User")["records"]
        return str(next(u["Id"] for u in users if u.get("Username") == "integration@connector.local"))

    def contact(self, **fields: Any) -> str:
        return str(self.salesforce.seed({"Contact": [{"LastName": "Rossi", **fields}]})["Contact"][0])

    def record(self, sobject: str, record_id: str) -> dict[str, Any]:
        records = self.salesforce.admin("GET", f"records/{sobject}")["records"]
        return dict(next(r for r in records if r["Id"] == record_id))

    def customer(self, customer_no: str, **fields: Any) -> None:
        self.storefront.seed({"customers": [{"customer_no": customer_no, "last_name": "Rossi", **fields}]})

    def link(self, customer_no: str, contact_id: str) -> None:
        """The identity map's commerce CONTACT entry, as a registration leaves it."""
        services = self.services()
        services.identities.put(IdentityKind.CONTACT, customer_no, Identity(contact_id, customer_type="Registered"))

    def linked_contact(self, customer_no: str) -> str | None:
        return self.services().identities.get(IdentityKind.CONTACT, customer_no)

    def loyalty_user(self, user_id: str, external_id: str, email: str, **fields: Any) -> None:
        user = {"id": user_id, "external_id": external_id, "email": email, **fields}
        self.loyalty.seed({"users": [user]})

    def loyalty_get(self, path: str) -> Any:
        resp = requests.get(f"{self.loyalty.url}/priv/v1/apps/{LOYALTY_AUTH[0]}{path}", auth=LOYALTY_AUTH, timeout=5)
        return resp.json() if resp.status_code == 200 else None

    def storefront_patches(self) -> list[dict[str, Any]]:
        return [r for r in self.storefront.requests("PATCH") if r["method"] == "PATCH"]

    def loyalty_updates(self) -> list[dict[str, Any]]:
        return [r for r in self.loyalty.requests("PUT") if r["method"] == "PUT"]


@pytest.fixture
def world(emulator_urls: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[RelayWorld]:
    for key, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    for url in emulator_urls.values():
        requests.post(f"{url}/_admin/reset", timeout=5).raise_for_status()
    forget_cached_tokens()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        create_table(ddb, TABLE, template_table(ROOT / "template.yaml", "SyncStateTable"))
        yield RelayWorld(emulator_urls, ddb)
    forget_cached_tokens()
