"""Connections: the local servers keep them open, and a warm function opens none.

In AWS a Lambda container keeps its clients, and the HTTP/1.1 connections in their pools, from one
invocation to the next, and the endpoints keep those connections open: a warm invocation pays no
TCP (nor TLS) set-up. The local stack must behave the same, or its figures measure connection
set-up instead of the function: its servers (gateway, emulators, moto) keep connections open, and
the function keeps its clients for the container's life.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from devstack.aws import LocalAws, template_table
from devstack.emulators import RunningEmulator, start_emulator
from devstack.events import http_api_event
from devstack.gateway import serve
from devstack.signing import sign

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "template.yaml"
WEBHOOK_SECRET = "warm-connections-commerce-secret"
INVOCATIONS = 3


@pytest.fixture(scope="module")
def aws() -> Iterator[LocalAws]:
    local = LocalAws()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="module")
def salesforce() -> Iterator[RunningEmulator]:
    running = start_emulator("salesforce")
    assert running is not None
    try:
        yield running
    finally:
        running.stop()


def sockets_of(url: str, method: str, path: str, requests: int, body: bytes = b"") -> set[tuple[str, int]]:
    """The local address of the TCP connection each of `requests` sequential requests went over
    (http.client opens a new connection after a response that closes it)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    used = set()
    try:
        for _ in range(requests):
            connection.request(method, path, body=body or None)
            response = connection.getresponse()
            response.read()
            assert response.status < 500
            assert connection.sock is not None, "the server closed the connection after its answer"
            used.add(connection.sock.getsockname())
    finally:
        connection.close()
    return used


def test_the_gateway_keeps_a_connection_open_across_requests() -> None:
    # given the gateway's server, serving any WSGI app
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
        return [b"{}"]

    server, _ = serve(app, "127.0.0.1", 0, "test-keep-alive")
    try:
        # when a client sends three requests
        used = sockets_of(f"http://127.0.0.1:{server.server_port}", "GET", "/_local/health", 3)
    finally:
        server.shutdown()

    # then all three went over one connection
    assert len(used) == 1


def test_an_emulator_keeps_a_connection_open_across_requests(salesforce: RunningEmulator) -> None:
    used = sockets_of(salesforce.url, "GET", "/services/data", 3)

    assert len(used) == 1


def test_moto_keeps_a_connection_open_across_requests(aws: LocalAws) -> None:
    used = sockets_of(aws.url, "GET", "/moto-api/data.json", 3)

    assert len(used) == 1


# One Lambda container: the app imported once, its handler invoked once per event; every TCP
# connection the process opens is seen through Python's `socket.connect` audit event (PEP 578), and
# the SDK data loaders its AWS clients hold (one per boto3 session) are counted once it has answered.
CONTAINER = textwrap.dedent(
    """
    import gc, json, sys
    connects = []
    def audit(name, args):
        if name == "socket.connect":
            connects.append("%s:%s" % args[1][:2])
    sys.addaudithook(audit)
    import app
    import botocore.loaders
    invocations = []
    for event in json.load(sys.stdin):
        before = len(connects)
        answer = app.handler(event, None)
        invocations.append({"status": answer["statusCode"], "connects": connects[before:]})
    # Each botocore session has a loader of its own (the SDK's data files, read and kept), which its
    # clients keep.
    loaders = sum(isinstance(o, botocore.loaders.Loader) for o in gc.get_objects())
    print("CONTAINER " + json.dumps({"invocations": invocations, "sdk_loaders": loaders}))
    """
)


def registration_event() -> dict[str, Any]:
    body = json.loads((ROOT / "events" / "customer.registered.json").read_text())
    key = uuid.uuid4().hex[:10]
    body["event_id"] = f"warm-{key}"
    body["data"]["customer"].update(customer_no=f"W{key}", email=f"w{key}@example.com")
    raw = json.dumps(body).encode()
    path = "/v1/commerce/customers"
    return http_api_event(
        method="POST",
        raw_path=path,
        raw_query="",
        headers=[("content-type", "application/json"), ("x-signature", sign(WEBHOOK_SECRET, "POST", path, raw))],
        body=raw,
        route_key=f"POST {path}",
    )


def registration_container_env(aws: LocalAws, salesforce: RunningEmulator) -> dict[str, str]:
    """What template.yaml gives the registration function, pointed at these servers."""
    run = uuid.uuid4().hex[:8]
    sync_state, idempotency = f"SyncState-{run}", f"Idempotency-{run}"
    aws.create_table(sync_state, template_table(TEMPLATE, "SyncStateTable"))
    aws.create_table(idempotency, template_table(TEMPLATE, "IdempotencyTable"))
    queue = aws.create_queue(f"registration-{run}", {})
    config = f"/warm-connections/{run}/config"
    aws.put_parameter(config, (ROOT / "local" / "connector-config.json").read_text())
    credentials = json.dumps({"client_id": "local-client", "client_secret": "local-secret"})
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions" / "registration"), str(ROOT / "layers" / "common")]),
        "AWS_ENDPOINT_URL": aws.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": aws.region,
        "AWS_REGION": aws.region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "POWERTOOLS_SERVICE_NAME": "registration",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "SYNC_STATE_TABLE": sync_state,
        "IDEMPOTENCY_TABLE": idempotency,
        "QUEUE_URL": queue.url,
        "DEAD_LETTER_QUEUE_URL": queue.url,
        "CONNECTOR_CONFIG_PARAMETER": config,
        "COMMERCE_WEBHOOK_SECRET_ARN": aws.create_secret(f"commerce-webhook-{run}", WEBHOOK_SECRET),
        "SALESFORCE_SECRET_ARN": aws.create_secret(f"salesforce-{run}", credentials),
        "SALESFORCE_MY_DOMAIN_URL": salesforce.url,
    }


@pytest.fixture(scope="module")
def registration_container(aws: LocalAws, salesforce: RunningEmulator) -> dict[str, Any]:
    """A registration function's container, pointed at moto and the Salesforce emulator, after it
    handled three new registrations in a row."""
    out = subprocess.run(
        [sys.executable, "-c", CONTAINER],
        input=json.dumps([registration_event() for _ in range(INVOCATIONS)]),
        env=registration_container_env(aws, salesforce),
        cwd=ROOT / "functions" / "registration",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    report: dict[str, Any] = json.loads(next(line for line in out.splitlines() if line.startswith("CONTAINER "))[10:])
    assert [i["status"] for i in report["invocations"]] == [200] * INVOCATIONS
    return report


def test_a_warm_registration_function_opens_no_connection(
    registration_container: dict[str, Any], salesforce: RunningEmulator
) -> None:
    invocations = registration_container["invocations"]

    # the first opened its connections (one per AWS client, one to Salesforce); the warm ones reused them
    assert [i["connects"] for i in invocations[1:]] == [[]] * (INVOCATIONS - 1)
    salesforce_address = salesforce.url.removeprefix("http://")
    assert invocations[0]["connects"].count(salesforce_address) == 1


def test_a_registration_container_builds_one_boto3_session(registration_container: dict[str, Any]) -> None:
    # The config read (SSM), the secrets and the DynamoDB client share it: each further session
    # loads the SDK's endpoint rules and models again, on the first invocation's clock.
    assert registration_container["sdk_loaders"] == 1
