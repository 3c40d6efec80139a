"""The clients a workflow works with, created once per cold start from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from connector.salesforce.auth import ClientCredentials, JwtBearer, TokenProvider, TokenSource
from connector.salesforce.client import SalesforceClient
from connector.secrets import get_secret_json, get_secret_text
from connector.settings import Settings
from connector.state import ClaimStore, IdentityMap, SyncStateStore
from connector.work_queue import WorkQueue


class SecretBackedCredentials:
    """Reads the Salesforce secret only when a token is actually needed (not at cold start).

    The secret is JSON: `{"client_id","client_secret"}` for client credentials, or
    `{"client_id","username","private_key"}` for the JWT bearer flow.
    """

    def __init__(self, login_url: str, secret_arn: str) -> None:
        self._login_url = login_url
        self._arn = secret_arn

    @property
    def cache_key(self) -> str:
        return f"secret|{self._login_url}|{self._arn}"

    def _source(self) -> TokenSource:
        doc = get_secret_json(self._arn)
        if doc.get("private_key"):
            return JwtBearer(self._login_url, doc["client_id"], doc["username"], doc["private_key"])
        return ClientCredentials(self._login_url, doc["client_id"], doc["client_secret"])

    def fetch(self, session: requests.Session) -> Any:
        return self._source().fetch(session)


@dataclass
class Services:
    settings: Settings
    salesforce: SalesforceClient
    sync_state: SyncStateStore
    identities: IdentityMap
    claims: ClaimStore
    queue: WorkQueue
    dynamodb: Any
    sqs: Any

    def webhook_secret(self, family: str) -> str | None:
        arn = self.settings.webhook_secret_arns.get(family)
        return get_secret_text(arn) if arn else None


def build_services(settings: Settings) -> Services:
    import boto3

    session = boto3.session.Session()
    dynamodb = session.client("dynamodb")
    sqs = session.client("sqs")
    tokens = TokenProvider(SecretBackedCredentials(settings.salesforce_login_url, settings.salesforce_secret_arn))
    return Services(
        settings=settings,
        salesforce=SalesforceClient(tokens, settings.salesforce_api_version),
        sync_state=SyncStateStore(settings.sync_state_table, dynamodb),
        identities=IdentityMap(settings.sync_state_table, dynamodb),
        claims=ClaimStore(settings.sync_state_table, dynamodb),
        queue=WorkQueue(settings.queue_url, settings.dead_letter_queue_url, sqs),
        dynamodb=dynamodb,
        sqs=sqs,
    )
