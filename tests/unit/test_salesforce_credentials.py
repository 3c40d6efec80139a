"""Which token request the Salesforce secret becomes: the flow is a setting, the secret must match it."""

from typing import Any

import pytest

from connector import services as services_module
from connector.errors import PermanentError
from connector.salesforce.auth import ClientCredentials, JwtBearer
from connector.services import SecretBackedCredentials
from connector.settings import Settings

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:salesforce"
CLIENT_CREDENTIALS = {"client_id": "app", "client_secret": "s3cr3t-value"}
JWT_FIELDS = {"client_id": "app", "username": "integration@acme.example", "private_key": "-----BEGIN PRIVATE KEY-----"}


def credentials(monkeypatch: pytest.MonkeyPatch, secret: dict[str, Any], **settings: str) -> SecretBackedCredentials:
    monkeypatch.setattr(services_module, "get_secret_json", lambda arn: dict(secret))
    values = {
        "sync_state_table": "t",
        "idempotency_table": "i",
        "salesforce_secret_arn": ARN,
        "salesforce_my_domain_url": "https://acme.my.salesforce.com",
        **settings,
    }
    return SecretBackedCredentials(Settings.model_validate(values))


def test_client_credentials_post_to_the_my_domain(monkeypatch):
    source = credentials(monkeypatch, CLIENT_CREDENTIALS)._source()

    assert source == ClientCredentials("https://acme.my.salesforce.com", "app", "s3cr3t-value")


def test_jwt_bearer_posts_to_the_my_domain_with_the_configured_audience(monkeypatch):
    given = credentials(
        monkeypatch,
        JWT_FIELDS,
        salesforce_auth_flow="jwt_bearer",
        salesforce_jwt_audience="https://test.salesforce.com",
    )

    source = given._source()

    assert isinstance(source, JwtBearer)
    assert (source.domain_url, source.audience) == ("https://acme.my.salesforce.com", "https://test.salesforce.com")


def test_a_jwt_secret_under_the_client_credentials_flow_is_a_permanent_error_naming_the_flow_setting(monkeypatch):
    given = credentials(monkeypatch, JWT_FIELDS)

    with pytest.raises(PermanentError) as raised:
        given._source()

    assert str(raised.value) == (
        "SALESFORCE_AUTH_FLOW is client_credentials, but the Salesforce secret lacks client_secret; "
        "it holds the jwt_bearer fields: set SALESFORCE_AUTH_FLOW=jwt_bearer"
    )


def test_a_client_credentials_secret_under_the_jwt_flow_names_the_missing_fields_never_the_values(monkeypatch):
    given = credentials(monkeypatch, CLIENT_CREDENTIALS, salesforce_auth_flow="jwt_bearer")

    with pytest.raises(PermanentError) as raised:
        given._source()

    lacks = "SALESFORCE_AUTH_FLOW is jwt_bearer, but the Salesforce secret lacks username, private_key"
    assert lacks in str(raised.value)
    assert "set SALESFORCE_AUTH_FLOW=client_credentials" in str(raised.value)
    assert "s3cr3t-value" not in str(raised.value)
