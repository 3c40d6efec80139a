"""The connector's own Salesforce user, from its OAuth token response's `id`: the identity URL
`<login host>/id/<org id>/<user id>` that every OAuth 2.0 flow returns
(https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm)."""

from __future__ import annotations

from connector.salesforce.auth import AccessToken


def test_the_user_id_is_the_identity_urls_last_segment() -> None:
    token = AccessToken(
        "tok",
        "https://acme.my.salesforce.com",
        0.0,
        identity_url="https://login.salesforce.com/id/00D5f000000ABCDEAA/0055f000005mc66AAA",
    )
    assert token.user_id == "0055f000005mc66AAA"


def test_a_token_response_without_an_identity_url_names_no_user() -> None:
    assert AccessToken("tok", "https://acme.my.salesforce.com", 0.0).user_id == ""


def test_an_identity_url_of_another_shape_names_no_user() -> None:
    token = AccessToken(
        "tok",
        "https://acme.my.salesforce.com",
        0.0,
        identity_url="https://login.salesforce.com/services/oauth2/userinfo",
    )
    assert token.user_id == ""
