"""The gateway behaves like an API Gateway HTTP API: route selection, payload-2.0 events built from
real requests, and the mapping of function results (and failures) to responses."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests
from werkzeug.test import Client

from devstack.events import http_api_response
from devstack.gateway import MAX_REQUEST_BYTES, Gateway, serve
from devstack.routes import RouteTable
from devstack.runtime import InvokeResult, classify
from devstack.template import Route


def table(*specs: str) -> RouteTable:
    routes = []
    for spec in specs:
        method, _, path = spec.partition(" ")
        routes.append(Route(method, path, f"fn:{spec}", "E"))
    return RouteTable(routes)


# ------------------------------------------------------------------------------------- routes
def test_most_specific_route_wins() -> None:
    routes = table(
        "GET /v1/sync/{source}/{entity}/{key}",
        "GET /v1/sync/commerce/customer/{key}",
        "ANY /v1/sync/commerce/customer/fixed",
        "GET /v1/sync/commerce/customer/fixed",
        "ANY /v1/{proxy+}",
    )

    def target(method: str, path: str) -> tuple[str, dict[str, str]] | None:
        match = routes.match(method, path)
        return (match[0].function.removeprefix("fn:"), match[1]) if match else None

    assert target("GET", "/v1/sync/commerce/customer/fixed") == ("GET /v1/sync/commerce/customer/fixed", {})
    assert target("POST", "/v1/sync/commerce/customer/fixed") == ("ANY /v1/sync/commerce/customer/fixed", {})
    assert target("GET", "/v1/sync/commerce/customer/42") == ("GET /v1/sync/commerce/customer/{key}", {"key": "42"})
    assert target("GET", "/v1/sync/loyalty/user/a%20b") == (
        "GET /v1/sync/{source}/{entity}/{key}",
        {"source": "loyalty", "entity": "user", "key": "a b"},
    )
    assert target("DELETE", "/v1/a/b/c") == ("ANY /v1/{proxy+}", {"proxy": "a/b/c"})
    assert target("GET", "/v2/x") is None


def test_method_mismatch_is_no_route() -> None:
    routes = table("POST /v1/commerce/customers")
    assert routes.match("GET", "/v1/commerce/customers") is None
    assert routes.match("POST", "/v1/commerce/customers/") is None


def test_default_route_catches_the_rest() -> None:
    routes = RouteTable([Route("POST", "/a", "A", "E"), Route("ANY", "$default", "D", "E")])
    match = routes.match("GET", "/anything")
    assert match is not None and match[0].function == "D" and match[0].route_key == "$default"


# ------------------------------------------------------------------------------------- gateway
class Recorder:
    def __init__(self, result: InvokeResult | None = None) -> None:
        self.events: list[tuple[str, Any]] = []
        self.result = result or InvokeResult(True, b'{"statusCode": 200, "body": "ok"}')

    def __call__(self, function: str, event: Any) -> InvokeResult:
        self.events.append((function, event))
        return self.result


def make_gateway(recorder: Recorder) -> Gateway:
    routes = RouteTable(
        [
            Route("POST", "/v1/commerce/customers", "RegistrationFunction", "CustomersPost"),
            Route("GET", "/v1/commerce/orders/{order_no}", "OrderHeaderFunction", "OrderGet"),
        ]
    )
    return Gateway(routes, recorder, lambda: {"status": "ok"}, ["RegistrationFunction", "OrderHeaderFunction"])


def gateway(recorder: Recorder) -> Client:
    return Client(make_gateway(recorder))


def test_a_real_request_becomes_a_payload_2_event() -> None:
    recorder = Recorder()
    server, thread = serve(make_gateway(recorder), "127.0.0.1", 0, "test-gateway")
    body = b'{"event_id": "e1", "event_type": "customer.registered"}'
    try:
        resp = requests.post(
            f"http://127.0.0.1:{server.server_port}/v1/commerce/customers?a=1&a=2&b=",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Signature": "t=1,v1=ab",
                "Cookie": "c1=v1; c2=v2",
                "User-Agent": "pytest",
            },
            timeout=10,
        )
    finally:
        server.shutdown()
        thread.join(5)

    assert resp.status_code == 200
    assert resp.headers["apigw-requestid"]
    [(function, event)] = recorder.events
    assert function == "RegistrationFunction"
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /v1/commerce/customers"
    assert event["rawPath"] == "/v1/commerce/customers"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["content-type"] == "application/json"
    assert event["headers"]["x-signature"] == "t=1,v1=ab"
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert event["headers"]["x-forwarded-port"] == str(server.server_port)
    assert event["headers"]["host"] == f"127.0.0.1:{server.server_port}"
    assert event["headers"]["content-length"] == str(len(body))
    assert all(name == name.lower() for name in event["headers"])
    assert event["body"] == body.decode()
    assert event["isBase64Encoded"] is False
    assert "pathParameters" not in event
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/v1/commerce/customers",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "pytest",
    }
    assert context["routeKey"] == "POST /v1/commerce/customers"
    assert context["stage"] == "$default"
    assert context["accountId"] == "123456789012"
    assert context["domainName"] == "127.0.0.1"
    assert context["requestId"] == resp.headers["apigw-requestid"]
    assert {"apiId", "domainPrefix", "time", "timeEpoch"} <= set(context)
    assert isinstance(context["timeEpoch"], int)


def test_get_with_path_parameters_has_no_body() -> None:
    recorder = Recorder()

    gateway(recorder).get("/v1/commerce/orders/00002001")

    [(_, event)] = recorder.events
    assert event["pathParameters"] == {"order_no": "00002001"}
    assert event["routeKey"] == "GET /v1/commerce/orders/{order_no}"
    assert event["rawQueryString"] == ""
    assert "body" not in event and event["isBase64Encoded"] is False
    assert "queryStringParameters" not in event


def test_binary_body_is_base64() -> None:
    recorder = Recorder()
    data = bytes(range(256))

    gateway(recorder).post("/v1/commerce/customers", data=data, headers={"Content-Type": "application/octet-stream"})

    [(_, event)] = recorder.events
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data


def test_a_json_body_that_is_not_utf8_is_passed_as_base64_of_its_exact_bytes() -> None:
    # Given a body labelled JSON whose bytes are not UTF-8
    recorder = Recorder()
    data = b'{"event_id": "\xff\xfe"}'

    # When the gateway turns it into an event
    gateway(recorder).post("/v1/commerce/customers", data=data, headers={"Content-Type": "application/json"})

    # Then the function gets its exact bytes, base64-encoded, as API Gateway passes them
    [(_, event)] = recorder.events
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data


def test_structured_result_maps_to_the_response() -> None:
    result = {
        "statusCode": 202,
        "headers": {"Content-Type": "application/json", "X-Count": 3},
        "cookies": ["a=b; Path=/"],
        "body": json.dumps({"status": "queued"}),
        "isBase64Encoded": False,
    }
    resp = gateway(Recorder(InvokeResult(True, json.dumps(result).encode()))).post("/v1/commerce/customers", data=b"{}")

    assert resp.status_code == 202
    assert resp.get_json() == {"status": "queued"}
    assert resp.headers["X-Count"] == "3"
    assert resp.headers["Set-Cookie"] == "a=b; Path=/"


def test_base64_result_body_is_decoded() -> None:
    result = {"statusCode": 200, "body": base64.b64encode(b"\x00\x01").decode(), "isBase64Encoded": True}
    resp = gateway(Recorder(InvokeResult(True, json.dumps(result).encode()))).post("/v1/commerce/customers")
    assert resp.data == b"\x00\x01"


@pytest.mark.parametrize("payload", [b'{"status": "synced"}', b'"just text"', b"[1, 2]", b"null"])
def test_anything_without_status_code_is_a_200_json_body(payload: bytes) -> None:
    mapped = http_api_response(payload)
    assert mapped.status == 200
    assert mapped.body == payload
    assert ("content-type", "application/json") in mapped.headers


@pytest.mark.parametrize(
    "result",
    [
        InvokeResult(False, b'{"errorMessage": "boom", "errorType": "ValueError"}', "function"),
        InvokeResult(False, b"Task timed out after 30.00 seconds", "timeout"),
        InvokeResult(True, b"not json"),
        InvokeResult(True, b'{"statusCode": "abc"}'),
    ],
)
def test_failures_are_500_internal_server_error(result: InvokeResult) -> None:
    resp = gateway(Recorder(result)).post("/v1/commerce/customers", data=b"{}")
    assert resp.status_code == 500
    assert resp.get_json() == {"message": "Internal Server Error"}


def test_no_route_is_404_not_found() -> None:
    recorder = Recorder()
    resp = gateway(recorder).post("/v1/nowhere", data=b"{}")
    assert resp.status_code == 404
    assert resp.get_json() == {"message": "Not Found"}
    assert recorder.events == []


def test_request_over_10_mb_is_413() -> None:
    recorder = Recorder()
    resp = gateway(recorder).post("/v1/commerce/customers", data=b"x" * (MAX_REQUEST_BYTES + 1))
    assert resp.status_code == 413
    assert recorder.events == []


def test_health_and_direct_invoke() -> None:
    recorder = Recorder(InvokeResult(True, b'{"requeued": 0}'))
    client = gateway(recorder)

    assert client.get("/_local/health").get_json() == {"status": "ok"}
    resp = client.post("/_local/invoke/RegistrationFunction", json={"detail-type": "Scheduled Event"})
    assert resp.status_code == 200 and resp.get_json() == {"requeued": 0}
    assert recorder.events == [("RegistrationFunction", {"detail-type": "Scheduled Event"})]
    assert client.post("/_local/invoke/Nope", json={}).status_code == 404


def test_rie_payload_classification() -> None:
    assert classify(200, b'{"statusCode": 200}') is None
    assert classify(200, b'{"errorMessage": "x", "errorType": "KeyError", "stackTrace": []}') == "function"
    assert classify(200, b"Task timed out after 3.00 seconds") == "timeout"
    assert classify(502, b'{"errorType":"Runtime.ExitError","errorMessage":"exit status 3"}') == "runtime"
