"""A platform's own webhook URL carries a token (`/v1/chat/native/{token}`): locally that token has its
own value, which the gateway never writes to its log (it still reaches the function)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from werkzeug.test import Client

from devstack.aws import WEBHOOK_SECRET, is_secret_parameter, native_token_family, secret_value
from devstack.cfn import load_template
from devstack.gateway import Gateway, loggable_path
from devstack.routes import RouteTable
from devstack.runtime import InvokeResult
from devstack.signing import FAMILY_SECRETS
from devstack.template import Route

TOKEN = "a-token-from-the-url"


def test_the_gateway_masks_a_token_path_parameter_in_its_log_and_passes_it_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a gateway with a native route
    events: list[Any] = []

    def invoke(function: str, event: Any) -> InvokeResult:
        events.append(event)
        return InvokeResult(True, b'{"statusCode": 200, "body": "ok"}')

    routes = RouteTable([Route("POST", "/v1/chat/native/{token}", "ChatEndFunction", "ChatNativePost")])
    client = Client(Gateway(routes, invoke, lambda: {"status": "ok"}, ["ChatEndFunction"]))
    caplog.set_level(logging.INFO, logger="devstack")

    # When the platform posts to its URL
    resp = client.post(f"/v1/chat/native/{TOKEN}", data=b"{}", content_type="application/json")

    # Then the log shows the route with the token masked, and the function gets the request as sent
    assert resp.status_code == 200
    assert TOKEN not in caplog.text
    assert "POST /v1/chat/native/*** -> ChatEndFunction 200" in caplog.text
    assert events[0]["rawPath"] == f"/v1/chat/native/{TOKEN}"
    assert events[0]["pathParameters"] == {"token": TOKEN}


def test_only_token_parameters_are_masked() -> None:
    assert loggable_path("/v1/commerce/orders/{order_no}", "/v1/commerce/orders/00002001", "a=1") == (
        "/v1/commerce/orders/00002001?a=1"
    )
    assert loggable_path("/v1/chat/native/{token}", "/v1/chat/native/abc") == "/v1/chat/native/***"


def test_the_templates_native_token_secret_has_a_local_value_of_its_own() -> None:
    # Given the template's parameters
    parameters = load_template("template.yaml")["Parameters"]

    # When the local stack makes their secrets
    tokens = {
        native_token_family(name): secret_value(name)
        for name, spec in parameters.items()
        if is_secret_parameter(name, spec) and native_token_family(name)
    }

    # Then each native family's token is known (chat, social), and none is the HMAC secret
    assert tokens == {"chat": "local-chat-native-token", "social": "local-social-native-token"}
    assert WEBHOOK_SECRET not in tokens.values()
    assert not set(FAMILY_SECRETS.values()) & set(tokens.values())
