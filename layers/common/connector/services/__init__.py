"""The composition root: every client a workflow works with, created on first use from the settings.

It sits above what it wires (AWS clients, the Salesforce client, state stores, the identity map,
the platform clients) and below the pipeline and the platform packages, which receive it.
Nothing is built at import time, and a real-time event that never queues never pays for SQS.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any

import requests

from connector.aws_session import aws_client, aws_session
from connector.crm.api_budget import ApiBudget
from connector.crm.identity import IdentityMap
from connector.errors import PermanentError
from connector.salesforce.auth import ClientCredentials, JwtBearer, TokenProvider, TokenSource
from connector.salesforce.client import SalesforceClient
from connector.services.secrets import get_secret_json, get_secret_text
from connector.services.work_queue import WorkQueue
from connector.settings import Settings
from connector.state.api_usage import ApiUsageStore
from connector.state.claims import ClaimStore
from connector.state.event_writes import EventWrites
from connector.state.sync_state import SyncStateStore

if TYPE_CHECKING:
    # What some triggers use only, imported where first used: a function builds the classes of the
    # stores and clients it reaches (the registration: none of these) and no others at its cold start.
    from connector.clients.alcmeon import SocialActionsClient
    from connector.clients.base import PlatformClient
    from connector.clients.loyalty import LoyaltyClient
    from connector.clients.ocapi import CommerceClient
    from connector.clients.social import SocialClient
    from connector.crm.schema import OrgSchema
    from connector.state.chat_choices import ChatChoiceStore
    from connector.state.feed_positions import FeedPositionStore
    from connector.state.request_budget import RequestBudgetStore
    from connector.state.social_links import SocialLinkStore


# A Salesforce call's read timeout when no caller waits (queue batches, schedules).
QUEUE_READ_TIMEOUT_SECONDS = 25.0


class SecretBackedCredentials:
    """Reads the Salesforce secret only when a token is actually needed (not at cold start).

    The secret is JSON: `{"client_id","client_secret"}` for client credentials, or
    `{"client_id","username","private_key"}` for the JWT bearer flow; `SALESFORCE_AUTH_FLOW` says
    which, and a secret that does not hold that flow's fields is a permanent error naming them.
    """

    _FIELDS = {
        "client_credentials": ("client_id", "client_secret"),
        "jwt_bearer": ("client_id", "username", "private_key"),
    }

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def cache_key(self) -> str:
        s = self._settings
        return f"secret|{s.salesforce_auth_flow}|{s.salesforce_my_domain_url}|{s.salesforce_secret_arn}"

    def _source(self) -> TokenSource:
        s = self._settings
        if not s.salesforce_my_domain_url or not s.salesforce_secret_arn:
            raise PermanentError("SALESFORCE_MY_DOMAIN_URL and SALESFORCE_SECRET_ARN are not configured")
        doc = get_secret_json(s.salesforce_secret_arn)
        flow = s.salesforce_auth_flow
        missing = [name for name in self._FIELDS[flow] if not doc.get(name)]
        if missing:
            # Field names only: the secret's values never reach a log or an error.
            other = "jwt_bearer" if flow == "client_credentials" else "client_credentials"
            hint = (
                f"; it holds the {other} fields: set SALESFORCE_AUTH_FLOW={other}"
                if all(doc.get(name) for name in self._FIELDS[other])
                else ""
            )
            raise PermanentError(
                f"SALESFORCE_AUTH_FLOW is {flow}, but the Salesforce secret lacks {', '.join(missing)}{hint}"
            )
        if flow == "jwt_bearer":
            audience = s.salesforce_jwt_audience
            return JwtBearer(
                s.salesforce_my_domain_url, doc["client_id"], doc["username"], doc["private_key"], audience
            )
        return ClientCredentials(s.salesforce_my_domain_url, doc["client_id"], doc["client_secret"])

    def fetch(self, session: requests.Session) -> Any:
        return self._source().fetch(session)


class Services:
    """Clients are created on first use and kept for the container's life."""

    def __init__(self, settings: Settings, session: Any = None) -> None:
        self.settings = settings
        self._session = session
        self._caller_waiting = False

    @cached_property
    def boto3_session(self) -> Any:
        """The container's session (connector.aws_session), unless one was given."""
        return self._session or aws_session()

    @cached_property
    def dynamodb(self) -> Any:
        return aws_client("dynamodb", self.boto3_session)

    @cached_property
    def sqs(self) -> Any:
        return aws_client("sqs", self.boto3_session)

    @cached_property
    def salesforce(self) -> SalesforceClient:
        credentials = SecretBackedCredentials(self.settings)
        return SalesforceClient(TokenProvider(credentials), self.settings.salesforce_api_version, timeout=self._timeout)

    def _timeout(self) -> tuple[float, float]:
        waiting = self._caller_waiting
        return (3.05, self.settings.salesforce_timeout_seconds if waiting else QUEUE_READ_TIMEOUT_SECONDS)

    @contextmanager
    def caller_waiting(self) -> Iterator[None]:
        """While a caller waits for the answer (an HTTP request), a Salesforce call times out after
        SALESFORCE_TIMEOUT_SECONDS, so that a slow org becomes a queued retry within the caller's
        deadline (the chat platform's 10 s); from the queue, nobody waits: the default applies, and
        an org that is merely slow is not dead-lettered for it."""
        self._caller_waiting = True
        try:
            yield
        finally:
            self._caller_waiting = False

    @cached_property
    def org_schema(self) -> OrgSchema:
        """The org's describes, read once per container (at the cold-start check) and kept."""
        from connector.crm.schema import OrgSchema

        return OrgSchema(self.salesforce)

    @cached_property
    def api_budget(self) -> ApiBudget:
        """Whether sync work may spend Salesforce calls now (the org's daily allocation)."""
        store = ApiUsageStore(self.settings.sync_state_table, self.dynamodb)
        return ApiBudget(self.salesforce, store, self.settings.config.salesforce)

    def remember_api_usage(self) -> None:
        """Share what this invocation's Salesforce answers said about the org's API usage (nothing
        before the Salesforce client exists)."""
        if "salesforce" in self.__dict__:
            self.api_budget.persist()

    @cached_property
    def writes(self) -> EventWrites:
        """The DynamoDB writes of the event being handled, made together at its end."""
        return EventWrites(self.dynamodb)

    @cached_property
    def sync_state(self) -> SyncStateStore:
        return SyncStateStore(self.settings.sync_state_table, self.dynamodb, self.writes)

    @cached_property
    def identities(self) -> IdentityMap:
        return IdentityMap(self.settings.sync_state_table, self.dynamodb, self.writes)

    @cached_property
    def social_links(self) -> SocialLinkStore:
        """Which Salesforce record each social-inbox user is matched to."""
        from connector.state.social_links import SocialLinkStore

        return SocialLinkStore(self.settings.sync_state_table, self.dynamodb)

    @cached_property
    def feed_positions(self) -> FeedPositionStore:
        """How far each platform feed (the social inbox's actions) has been applied."""
        from connector.state.feed_positions import FeedPositionStore

        return FeedPositionStore(self.settings.sync_state_table, self.dynamodb)

    @cached_property
    def request_budget(self) -> RequestBudgetStore:
        """Platform rate limits shared by every container (the social inbox's 15 requests a minute)."""
        from connector.state.request_budget import RequestBudgetStore

        return RequestBudgetStore(self.settings.sync_state_table, self.dynamodb)

    @cached_property
    def claims(self) -> ClaimStore:
        return ClaimStore(self.settings.sync_state_table, self.dynamodb, writes=self.writes)

    @cached_property
    def chat_choices(self) -> ChatChoiceStore:
        from connector.state.chat_choices import ChatChoiceStore

        return ChatChoiceStore(self.settings.sync_state_table, self.dynamodb)

    @cached_property
    def queue(self) -> WorkQueue:
        return WorkQueue(self.settings.queue_url, self.settings.dead_letter_queue_url, self.sqs)

    @cached_property
    def commerce(self) -> CommerceClient:
        from connector.clients.ocapi import CommerceClient

        api = self.settings.commerce_api
        if not api.configured:
            raise PermanentError("COMMERCE_API_URL and COMMERCE_API_SECRET_ARN are not configured")
        credentials = get_secret_json(api.secret_arn)
        return CommerceClient(api, credentials["client_id"], credentials["client_secret"])

    @cached_property
    def social(self) -> SocialClient:
        from connector.clients.social import SocialClient

        api = self.settings.social_api
        if not api.configured:
            raise PermanentError("SOCIAL_API_URL and SOCIAL_API_SECRET_ARN are not configured")
        return SocialClient(api, get_secret_json(api.secret_arn)["api_key"])

    @cached_property
    def social_actions(self) -> SocialActionsClient:
        from connector.clients.alcmeon import SocialActionsClient

        api = self.settings.social_api
        if not api.configured:
            raise PermanentError("SOCIAL_API_URL and SOCIAL_API_SECRET_ARN are not configured")
        credentials = get_secret_json(api.secret_arn)
        return SocialActionsClient(api, credentials["app_id"], credentials["api_key"])

    @cached_property
    def loyalty(self) -> LoyaltyClient:
        from connector.clients.loyalty import LoyaltyClient

        api = self.settings.loyalty_api
        if not api.configured:
            raise PermanentError("LOYALTY_API_URL and LOYALTY_API_SECRET_ARN are not configured")
        credentials = get_secret_json(api.secret_arn)
        search_by_external_id = self.settings.config.loyalty.search_by_external_id
        return LoyaltyClient(
            api, credentials["api_key"], credentials["api_secret"], search_by_external_id=search_by_external_id
        )

    def platform_clients(self) -> list[PlatformClient]:
        """The platform clients created so far (their call counts feed the PlatformApiCalls metric)."""
        names = ("commerce", "social", "social_actions", "loyalty")
        return [client for name in names if (client := self.__dict__.get(name)) is not None]

    def salesforce_calls(self) -> int:
        """Salesforce API calls spent so far by this container (0 before the client exists)."""
        client = self.__dict__.get("salesforce")
        return client.calls.total if client is not None else 0

    def platform_calls(self) -> int:
        return sum(client.calls.total for client in self.platform_clients())

    def webhook_secret(self, family: str) -> str | None:
        arn = self.settings.webhook_secret_arns.get(family)
        return get_secret_text(arn) if arn else None

    def webhook_token(self, family: str) -> str | None:
        """The token a family's native webhook URLs carry (None: that family has no native route here)."""
        arn = self.settings.webhook_token_arns.get(family)
        return get_secret_text(arn).strip() if arn else None


def build_services(settings: Settings) -> Services:
    return Services(settings)
