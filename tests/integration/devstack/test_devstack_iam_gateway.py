"""The local gateway's AWS_IAM routes over real HTTP: a request signed by botocore reaches the function
with API Gateway's IAM identity in requestContext.authorizer.iam; a refused one never reaches it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from botocore.credentials import Credentials

from devstack.gateway import Gateway, serve
from devstack.routes import RouteTable
from devstack.runtime import InvokeResult
from devstack.sigv4 import SigV4Verifier, sign
from devstack.template import Route

REGION = "us-east-1"


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def __call__(self, function: str, event: Any) -> InvokeResult:
        self.events.append((function, event))
        return InvokeResult(True, b'{"statusCode": 200, "body": "{}"}')


class Running:
    def __init__(self, url: str, recorder: Recorder, verifier: SigV4Verifier) -> None:
        self.url, self.recorder, self.verifier = url, recorder, verifier

    def credentials(self) -> Credentials:
        # The role session's: the IAM user's own key may only assume the role (refused on the routes).
        doc = self.verifier.document()["temporary"]
        return Credentials(doc["access_key_id"], doc["secret_access_key"], doc["session_token"])


def start(verifier: SigV4Verifier | None) -> Iterator[Running]:
    recorder = Recorder()
    routes = RouteTable(
        [
            Route("POST", "/v1/iam/loyalty/actions", "OfferActionsFunction", "IamPost", "AWS_IAM"),
            Route("POST", "/v1/loyalty/actions", "OfferActionsFunction", "Post"),
        ]
    )
    gateway = Gateway(routes, recorder, lambda: {}, ["OfferActionsFunction"], sigv4=verifier)
    server, thread = serve(gateway, "127.0.0.1", 0, "test-iam-gateway")
    try:
        yield Running(f"http://127.0.0.1:{server.server_port}", recorder, verifier or SigV4Verifier([], REGION, "1"))
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def running() -> Iterator[Running]:
    yield from start(SigV4Verifier.generate(REGION, "123456789012"))


def post_signed(running: Running, path: str, body: bytes, credentials: Credentials) -> requests.Response:
    url = running.url + path
    headers = sign(credentials, REGION, "POST", url, body, {"Content-Type": "application/json"})
    return requests.post(url, data=body, headers=headers, timeout=10)


def test_a_signed_request_reaches_the_function_with_the_iam_identity(running: Running) -> None:
    reply = post_signed(running, "/v1/iam/loyalty/actions", b'{"a": 1}', running.credentials())

    assert reply.status_code == 200, reply.text
    [(function, event)] = running.recorder.events
    assert function == "OfferActionsFunction"
    assert event["requestContext"]["authorizer"]["iam"]["accessKey"] == running.credentials().access_key
    assert event["routeKey"] == "POST /v1/iam/loyalty/actions"


def test_an_unsigned_request_is_forbidden_before_the_function(running: Running) -> None:
    reply = requests.post(running.url + "/v1/iam/loyalty/actions", data=b"{}", timeout=10)

    assert (reply.status_code, reply.json()) == (403, {"message": "Forbidden"})
    assert running.recorder.events == []


def test_a_request_signed_for_one_body_and_sent_with_another_is_refused_before_the_function(running: Running) -> None:
    url = running.url + "/v1/iam/loyalty/actions"
    headers = sign(running.credentials(), REGION, "POST", url, b'{"a": 1}')

    reply = requests.post(url, data=b'{"a": 2}', headers=headers, timeout=10)

    assert reply.status_code == 403
    assert reply.json()["message"].startswith("The request signature we calculated does not match")
    assert reply.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert running.recorder.events == []


def test_a_route_without_an_authorizer_takes_no_signature(running: Running) -> None:
    reply = requests.post(running.url + "/v1/loyalty/actions", data=b"{}", timeout=10)

    assert reply.status_code == 200
    [(_, event)] = running.recorder.events
    assert "authorizer" not in event["requestContext"]


def test_without_a_verifier_the_iam_routes_refuse_everything() -> None:
    for running in start(None):
        forged = Credentials("AKIAEXAMPLE", "secret")
        reply = post_signed(running, "/v1/iam/loyalty/actions", json.dumps({}).encode(), forged)
        assert (reply.status_code, reply.json()) == (403, {"message": "Forbidden"})
        assert running.recorder.events == []
