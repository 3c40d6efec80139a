"""Client-credentials auth of the commerce emulator (Account Manager style)."""

import requests

SHOP = "/s/RefArch/dw/shop/v24_5"
TOKEN = "/dw/oauth2/access_token"
CLIENT = ("local-commerce-client", "local-commerce-secret")


def test_client_credentials_grant_returns_a_bearer_token(commerce: str) -> None:
    # given the default client id and secret
    # when a token is requested
    response = requests.post(f"{commerce}{TOKEN}", data={"grant_type": "client_credentials"}, auth=CLIENT, timeout=5)
    # then a bearer token valid for 1799 s comes back
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1799
    assert body["access_token"]


def test_wrong_client_secret_is_rejected_in_oauth_shape(commerce: str) -> None:
    # given a wrong secret
    # when a token is requested
    response = requests.post(
        f"{commerce}{TOKEN}",
        data={"grant_type": "client_credentials"},
        auth=("local-commerce-client", "nope"),
        timeout=5,
    )
    # then the auth server refuses the client
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_other_grant_type_is_unsupported(commerce: str) -> None:
    # given valid credentials but a password grant
    # when a token is requested
    response = requests.post(f"{commerce}{TOKEN}", data={"grant_type": "password"}, auth=CLIENT, timeout=5)
    # then the grant type is refused
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_missing_grant_type_is_a_bad_request(commerce: str) -> None:
    # given no grant_type form field
    # when a token is requested
    response = requests.post(f"{commerce}{TOKEN}", auth=CLIENT, timeout=5)
    # then it is an invalid request
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_api_call_without_token_is_unauthorized(seeded: str) -> None:
    # given no Authorization header
    # when a customer is read
    response = requests.get(f"{seeded}{SHOP}/customers/00001001", timeout=5)
    # then OCAPI's InvalidAccessTokenException fault comes back
    assert response.status_code == 401
    body = response.json()
    assert body["_v"] == "24.5"
    assert body["fault"]["type"] == "InvalidAccessTokenException"


def test_api_call_with_unknown_token_is_unauthorized(seeded: str) -> None:
    # given a token the emulator never issued
    # when a customer is read
    response = requests.get(f"{seeded}{SHOP}/customers/00001001", headers={"Authorization": "Bearer forged"}, timeout=5)
    # then it is refused
    assert response.status_code == 401
    assert response.json()["fault"]["type"] == "InvalidAccessTokenException"


def test_expired_tokens_are_refused_until_renewed(seeded: str, auth: dict[str, str]) -> None:
    # given a token that worked, then every token is expired through the admin API
    url = f"{seeded}{SHOP}/customers/00001001"
    assert requests.get(url, headers=auth, timeout=5).status_code == 200
    requests.post(f"{seeded}/_admin/tokens/expire", timeout=5).raise_for_status()
    # when the same token is used again
    response = requests.get(url, headers=auth, timeout=5)
    # then it is refused, and a new token works
    assert response.status_code == 401
    fresh = requests.post(f"{seeded}{TOKEN}", data={"grant_type": "client_credentials"}, auth=CLIENT, timeout=5).json()[
        "access_token"
    ]
    assert requests.get(url, headers={"Authorization": f"Bearer {fresh}"}, timeout=5).status_code == 200
