"""OAuth token endpoint and session checks of the Salesforce emulator."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
import requests

TOKEN = "/services/oauth2/token"
API = "/services/data/v62.0"


def _jwt(claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    # The emulator does not verify signatures, so any third segment will do.
    return f"{part(header or {'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


def _claims(**overrides: Any) -> dict[str, Any]:
    claims = {
        "iss": "local-client",
        "sub": "integration@connector.local",
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 300,
    }
    claims.update(overrides)
    return claims


def test_client_credentials_grant_returns_a_bearer_token(sf_server: str) -> None:
    # given the default client credentials
    form = {"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"}
    # when a token is requested
    response = requests.post(f"{sf_server}{TOKEN}", data=form, timeout=5)
    # then the token response has Salesforce's keys and the instance URL the request came in on
    assert response.status_code == 200
    body = response.json()
    assert {"access_token", "instance_url", "id", "token_type", "issued_at", "signature"} <= set(body)
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == sf_server


def test_client_credentials_are_accepted_as_http_basic(sf_server: str) -> None:
    # given the credentials in a Basic Authorization header
    # when a token is requested
    response = requests.post(
        f"{sf_server}{TOKEN}",
        data={"grant_type": "client_credentials"},
        auth=("local-client", "local-secret"),
        timeout=5,
    )
    # then it is issued
    assert response.status_code == 200


def test_wrong_client_secret_is_invalid_client(sf_server: str) -> None:
    # given a wrong secret
    form = {"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "nope"}
    # when a token is requested
    response = requests.post(f"{sf_server}{TOKEN}", data=form, timeout=5)
    # then it is refused like Salesforce refuses it
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_client", "error_description": "invalid client credentials"}


def test_unknown_grant_type_is_unsupported(sf_server: str) -> None:
    # given the password grant, which the emulator does not offer
    # when a token is requested
    response = requests.post(f"{sf_server}{TOKEN}", data={"grant_type": "password"}, timeout=5)
    # then it is an unsupported grant
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_jwt_bearer_grant_with_valid_claims_returns_a_token(sf_server: str) -> None:
    # given a well-formed assertion issued by the client for the login audience
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": _jwt(_claims())}
    # when a token is requested
    response = requests.post(f"{sf_server}{TOKEN}", data=form, timeout=5)
    # then it is issued and works on the data API
    assert response.status_code == 200
    token = response.json()["access_token"]
    api = requests.get(f"{sf_server}{API}/limits", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert api.status_code == 200


def test_jwt_bearer_accepts_the_emulator_url_as_audience(sf_server: str) -> None:
    # given an assertion whose audience is the emulator itself (SALESFORCE_MY_DOMAIN_URL pointed at it)
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": _jwt(_claims(aud=sf_server))}
    # when a token is requested
    response = requests.post(f"{sf_server}{TOKEN}", data=form, timeout=5)
    # then it is issued
    assert response.status_code == 200


def test_jwt_with_another_issuer_is_an_invalid_client_id(sf_server: str) -> None:
    # given an assertion issued by an unknown client
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": _jwt(_claims(iss="other"))}
    # when a token is requested
    response = requests.post(f"{sf_server}{TOKEN}", data=form, timeout=5)
    # then it is refused
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_id"


def test_expired_jwt_is_an_invalid_grant(sf_server: str) -> None:
    # given an assertion that expired a minute ago
    assertion = _jwt(_claims(exp=int(time.time()) - 60))
    # when a token is requested
    response = requests.post(
        f"{sf_server}{TOKEN}",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
        timeout=5,
    )
    # then it is refused
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_jwt_with_a_foreign_audience_is_an_invalid_grant(sf_server: str) -> None:
    # given an assertion for another audience
    assertion = _jwt(_claims(aud="https://example.com"))
    # when a token is requested
    response = requests.post(
        f"{sf_server}{TOKEN}",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
        timeout=5,
    )
    # then it is refused
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "audience is invalid"}


def test_malformed_jwt_is_an_invalid_grant(sf_server: str) -> None:
    # given an assertion that is not a JWT
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "not-a-jwt"}
    # when a token is requested
    response = requests.post(f"{sf_server}{TOKEN}", data=form, timeout=5)
    # then it is refused
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_data_call_without_token_is_an_invalid_session(sf_server: str) -> None:
    # given no Authorization header
    # when the data API is called
    response = requests.get(f"{sf_server}{API}/sobjects", timeout=5)
    # then the real 401 body comes back
    assert response.status_code == 401
    assert response.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_data_call_with_unknown_token_is_an_invalid_session(sf_server: str) -> None:
    # given a token the emulator never issued
    # when the data API is called
    response = requests.get(f"{sf_server}{API}/sobjects", headers={"Authorization": "Bearer forged"}, timeout=5)
    # then it is refused
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_versions_are_listed_without_auth(sf_server: str) -> None:
    # given no token
    # when the API versions are listed
    response = requests.get(f"{sf_server}/services/data/", timeout=5)
    # then v62.0 is among them
    assert response.status_code == 200
    assert {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"} in response.json()


# Client credentials need the org's My Domain: https://help.salesforce.com/s/articleView?id=000886201&type=1
# (error body as reported in https://github.com/pozil/pub-sub-api-node-client/issues/58).
@pytest.mark.parametrize("host", ["login.salesforce.com", "test.salesforce.com", "LOGIN.salesforce.com:443"])
def test_client_credentials_are_refused_when_called_as_a_generic_login_host(sf_server: str, host: str) -> None:
    # given valid client credentials, sent to the generic login host
    form = {"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"}
    # when a token is requested
    response = requests.post(f"{sf_server}{TOKEN}", data=form, headers={"Host": host}, timeout=5)
    # then Salesforce's answer for that domain
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "request not supported on this domain"}


def test_a_jwt_bearer_assertion_is_accepted_on_the_generic_login_host(sf_server: str) -> None:
    # given a well-formed assertion, sent to login.salesforce.com
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": _jwt(_claims())}
    # when a token is requested
    response = requests.post(f"{sf_server}{TOKEN}", data=form, headers={"Host": "login.salesforce.com"}, timeout=5)
    # then it is issued
    assert response.status_code == 200
