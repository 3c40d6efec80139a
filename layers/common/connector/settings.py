"""Settings: the environment the template gives a function, plus the connector-config document.

Built once per cold start (`get_settings`); everything else receives it explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from connector.config import ConnectorConfig
from connector.value_types import SOURCE_FAMILIES


class PlatformApi(BaseModel):
    """Where a platform's API is and which secret holds its credentials (empty: not configured)."""

    model_config = ConfigDict(frozen=True)

    url: str = Field(default="", pattern=r"^(https?://.+)?$")
    secret_arn: str = ""
    connect_timeout_seconds: float = Field(default=3.05, gt=0)
    read_timeout_seconds: float = Field(default=10.0, gt=0)

    @property
    def configured(self) -> bool:
        return bool(self.url and self.secret_arn)


# Salesforce's generic login hosts: fine for the JWT bearer flow, refused for client credentials
# ("request not supported on this domain"); see `Settings._check_my_domain_url`.
GENERIC_LOGIN_HOSTS = frozenset({"login.salesforce.com", "test.salesforce.com"})
MY_DOMAIN_ADVICE = (
    "set SALESFORCE_MY_DOMAIN_URL (template parameter SalesforceMyDomainUrl) to the org's My Domain URL, "
    "https://<MyDomainName>.my.salesforce.com (a sandbox: https://<MyDomainName>--<SandboxName>.sandbox.my.salesforce.com)"
)


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    sync_state_table: str
    idempotency_table: str
    queue_url: str = ""
    dead_letter_queue_url: str = ""
    sync_mode: Literal["realtime", "async"] = "realtime"
    max_receive_count: int = Field(default=5, ge=1)
    retry_base_seconds: int = Field(default=30, ge=0)
    salesforce_api_version: str = "62.0"
    # How long one Salesforce call may take to answer. A webhook the caller gives a deadline (the
    # chat platform: 10 s, then redelivery) sets it short, so a slow org becomes a queued retry
    # (202) in time instead of no answer at all.
    salesforce_timeout_seconds: float = Field(default=25.0, gt=0, le=120)
    salesforce_secret_arn: str = ""
    # Which OAuth flow the Salesforce secret is for; declared here so cold start can check the
    # token host without reading the secret.
    salesforce_auth_flow: Literal["client_credentials", "jwt_bearer"] = "client_credentials"
    # Where token requests go, for both flows: the org's My Domain. Client credentials are refused on
    # login/test.salesforce.com (https://help.salesforce.com/s/articleView?id=000886201&type=1).
    salesforce_my_domain_url: str = Field(default="", pattern=r"^(https?://.+)?$")
    # The JWT bearer assertion's `aud`: the login host, not the token URL (a sandbox: test.salesforce.com).
    salesforce_jwt_audience: str = Field(default="https://login.salesforce.com", pattern=r"^https?://.+$")
    webhook_secret_arns: dict[str, str] = Field(default_factory=dict)
    # Per source family, the secret holding the token a platform's own webhooks carry in their URL
    # (`<FAMILY>_NATIVE_WEBHOOK_TOKEN_SECRET_ARN`): for platforms that cannot sign a request.
    webhook_token_arns: dict[str, str] = Field(default_factory=dict)
    commerce_api: PlatformApi = Field(default_factory=PlatformApi)
    loyalty_api: PlatformApi = Field(default_factory=PlatformApi)
    social_api: PlatformApi = Field(default_factory=PlatformApi)
    config: ConnectorConfig = Field(default_factory=ConnectorConfig)

    @field_validator("salesforce_my_domain_url")
    @classmethod
    def _check_my_domain_url(cls, value: str, info: ValidationInfo) -> str:
        flow = info.data.get("salesforce_auth_flow")
        if flow == "client_credentials" and is_generic_login_host(value):
            raise ValueError(
                "Salesforce refuses the client-credentials flow on login.salesforce.com and test.salesforce.com "
                f"(invalid_grant: request not supported on this domain): {MY_DOMAIN_ADVICE}; or, for the JWT bearer "
                "flow, set SALESFORCE_AUTH_FLOW=jwt_bearer and SALESFORCE_JWT_AUDIENCE to that login host"
            )
        if not value and info.data.get("salesforce_secret_arn"):
            raise ValueError(f"SALESFORCE_MY_DOMAIN_URL is not set: {MY_DOMAIN_ADVICE}")
        return value.rstrip("/")

    @field_validator("salesforce_jwt_audience")
    @classmethod
    def _check_jwt_audience(cls, value: str, info: ValidationInfo) -> str:
        # The assertion's `aud` is "the authorization server's URL: https://login.salesforce.com,
        # https://test.salesforce.com, or https://site.force.com/customers" for an Experience Cloud
        # site (OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration, help.salesforce.com
        # remoteaccess_oauth_jwt_flow); a loopback host is a local emulator.
        if info.data.get("salesforce_auth_flow") == "jwt_bearer" and not is_jwt_audience(value):
            raise ValueError(
                f"{value!r} is not an audience Salesforce accepts in a JWT bearer assertion: set "
                "SALESFORCE_JWT_AUDIENCE (template parameter SalesforceJwtAudience) to https://login.salesforce.com "
                "(production), https://test.salesforce.com (a sandbox) or your Experience Cloud site's URL; the token "
                "requests themselves go to SALESFORCE_MY_DOMAIN_URL"
            )
        return value.rstrip("/")

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        # Validated as one document, so a bad value names its variable (MAX_RECEIVE_COUNT=abc).
        return cls.model_validate(
            {
                "sync_state_table": env.get("SYNC_STATE_TABLE", ""),
                "idempotency_table": env.get("IDEMPOTENCY_TABLE", ""),
                "queue_url": env.get("QUEUE_URL", ""),
                "dead_letter_queue_url": env.get("DEAD_LETTER_QUEUE_URL", ""),
                "sync_mode": env.get("SYNC_MODE", "realtime"),
                "max_receive_count": env.get("MAX_RECEIVE_COUNT", "5"),
                "retry_base_seconds": env.get("RETRY_BASE_SECONDS", "30"),
                "salesforce_api_version": env.get("SALESFORCE_API_VERSION", "62.0"),
                "salesforce_timeout_seconds": env.get("SALESFORCE_TIMEOUT_SECONDS") or "25",
                "salesforce_secret_arn": env.get("SALESFORCE_SECRET_ARN", ""),
                "salesforce_auth_flow": env.get("SALESFORCE_AUTH_FLOW", "client_credentials"),
                # SALESFORCE_LOGIN_URL: the name DESIGN §3 gives the token host; the same rules apply.
                "salesforce_my_domain_url": env.get("SALESFORCE_MY_DOMAIN_URL") or env.get("SALESFORCE_LOGIN_URL", ""),
                "salesforce_jwt_audience": env.get("SALESFORCE_JWT_AUDIENCE", "https://login.salesforce.com"),
                "webhook_secret_arns": {
                    family: env[f"{family.upper()}_WEBHOOK_SECRET_ARN"]
                    for family in SOURCE_FAMILIES
                    if env.get(f"{family.upper()}_WEBHOOK_SECRET_ARN")
                },
                "webhook_token_arns": {
                    family: env[f"{family.upper()}_NATIVE_WEBHOOK_TOKEN_SECRET_ARN"]
                    for family in SOURCE_FAMILIES
                    if env.get(f"{family.upper()}_NATIVE_WEBHOOK_TOKEN_SECRET_ARN")
                },
                **{
                    f"{platform}_api": {
                        "url": env.get(f"{platform.upper()}_API_URL", ""),
                        "secret_arn": env.get(f"{platform.upper()}_API_SECRET_ARN", ""),
                    }
                    for platform in ("commerce", "loyalty", "social")
                },
                "config": load_connector_config(env),
            }
        )


EXPERIENCE_CLOUD_DOMAINS = (".force.com", ".site.com")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _host(url: str) -> str:
    candidate = url.strip()
    if candidate and "://" not in candidate:
        candidate = "https://" + candidate
    try:
        return (urlsplit(candidate).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def is_jwt_audience(url: str) -> bool:
    """A login host, an Experience Cloud site, or a local emulator."""
    host = _host(url)
    return host in GENERIC_LOGIN_HOSTS or host in LOOPBACK_HOSTS or host.endswith(EXPERIENCE_CLOUD_DOMAINS)


def is_generic_login_host(url: str) -> bool:
    """login.salesforce.com or test.salesforce.com, however spelled (case, port, path, trailing slash)."""
    return _host(url) in GENERIC_LOGIN_HOSTS


def load_connector_config(env: Mapping[str, str]) -> ConnectorConfig:
    """The config document from a local file, else the SSM parameter, else the defaults."""
    path = env.get("CONNECTOR_CONFIG_FILE")
    if path:
        return ConnectorConfig.model_validate_json(Path(path).read_text())
    name = env.get("CONNECTOR_CONFIG_PARAMETER")
    if not name:
        return ConnectorConfig()
    from connector import aws

    raw = aws.get_parameter(name, max_age=300)
    return ConnectorConfig.model_validate_json(raw if raw and raw.strip() else "{}")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environment()
