"""In-process harness for the trigger functions: `handler(event, context)` called directly.

What it relies on is public only (DESIGN.md): the environment variables template.yaml gives a
function, `functions/<trigger>/app.py`'s `handler`, the HTTP contracts, and the emulators' admin
APIs. Nothing is imported from `connector.*`; the one place that knows an internal name is
`_fresh_settings()`.

- AWS: moto in-process (`mock_aws`), a fresh account per test with the template's tables
  (SyncStateTable pk/sk + GSI ByStatus, IdempotencyTable id), one queue + DLQ per trigger (redrive
  at MAX_RECEIVE_COUNT) and the secrets (one HMAC secret per source family, the Salesforce and
  commerce API credentials). moto passes calls to non-AWS URLs (the emulators) through.
- Emulators: the Salesforce and commerce (OCAPI) emulators served in threads for the session,
  reset per test through `/_admin/reset`; tests read and steer them through `/_admin/`.
- `connector` fixture: a `Connector` with one `TriggerClient` per trigger. Each client imports its
  `app.py` afresh (a new module object per test, or after `configure(...)`) and invokes `handler`
  with that trigger's environment, as Lambda would with one container per function.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import importlib.util
import json
import logging
import os
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import boto3
import pytest
from moto import mock_aws

from devstack.aws import create_table, template_table
from devstack.events import http_api_event, http_api_response, scheduled_event, sqs_event
from devstack.signing import HEADER, sign
from emulators import commerce as commerce_emulator
from emulators import loyalty as loyalty_emulator
from emulators import salesforce as salesforce_emulator
from emulators._base import running

ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS = ROOT / "functions"
REGION = "us-east-1"
ACCOUNT = "123456789012"

FAMILIES = ("commerce", "chat", "social", "loyalty")
FAMILY_SECRETS = {family: f"{family}-hmac-secret-for-tests" for family in FAMILIES}
SALESFORCE_CREDENTIALS = {"client_id": "local-client", "client_secret": "local-secret"}
COMMERCE_CREDENTIALS = {"client_id": "local-commerce-client", "client_secret": "local-commerce-secret"}
LOYALTY_CREDENTIALS = {"api_key": "local-loyalty-key", "api_secret": "local-loyalty-secret"}
QUEUED_TRIGGERS = (
    "registration",
    "order_header",
    "contact_us",
    "chat_end",
    "conversation_routing",
    "offer_actions",
    "backfill",
)
MAX_RECEIVE_COUNT = 3

# DESIGN §2: which function serves which route (the HttpApi route keys of template.yaml).
ROUTES: dict[str, str] = {
    "/v1/commerce/customers": "registration",
    "/v1/commerce/orders": "order_header",
    "/v1/commerce/cases": "contact_us",
    "/v1/chat/events": "chat_end",
    "/v1/chat/route": "conversation_routing",
    "/v1/chat/bot": "conversation_routing",
    "/v1/social/conversations": "conversation_routing",
    "/v1/social/salesforce-events": "conversation_routing",
    "/v1/loyalty/actions": "offer_actions",
}
EVENT_ROUTES = {
    "customer.": "/v1/commerce/customers",
    "order.": "/v1/commerce/orders",
    "contact_us.": "/v1/commerce/cases",
    "offer.": "/v1/loyalty/actions",
    "reward.": "/v1/loyalty/actions",
    "points.": "/v1/loyalty/actions",
    "note.": "/v1/loyalty/actions",
}
# GET route templates -> (function, route key template)
READ_ROUTES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("v1", "commerce", "orders", "{order_no}"), "order_header", "GET /v1/commerce/orders/{order_no}"),
    (("v1", "sync", "{source}", "{entity}", "{key}"), "reconciler", "GET /v1/sync/{source}/{entity}/{key}"),
    (
        ("v1", "social", "users", "{user_id}", "activity"),
        "conversation_routing",
        "GET /v1/social/users/{user_id}/activity",
    ),
    (
        ("v1", "loyalty", "customers", "{key}", "activity"),
        "offer_actions",
        "GET /v1/loyalty/customers/{key}/activity",
    ),
    (("v1", "loyalty", "customers", "{key}"), "offer_actions", "GET /v1/loyalty/customers/{key}"),
)

logging.getLogger("werkzeug").setLevel(logging.ERROR)


def _fresh_settings() -> None:
    """Forget the settings a previous invocation built (once per cold start in Lambda), so the next
    handler call reads the environment again. The ONE place naming a connector internal."""
    try:
        module = importlib.import_module("connector.settings")
    except ImportError:
        return
    getter = getattr(module, "get_settings", None)
    clear = getattr(getter, "cache_clear", None)
    if callable(clear):
        clear()


# ------------------------------------------------------------------------------ Lambda context
@dataclass
class LambdaContext:
    """What the Lambda runtime hands a handler as `context` (the parts Powertools reads)."""

    function_name: str
    memory_limit_in_mb: int = 512
    timeout_seconds: float = 30.0
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self._started)) * 1000))


# ------------------------------------------------------------------------------ emulators
class Emulator:
    """One emulator served in a thread: its base URL, and its `/_admin/` API (called through the
    app's test client: no HTTP, and out of moto's way)."""

    def __init__(self, app: Any, url: str) -> None:
        self.app = app
        self.url = url
        self._admin = app.test_client()

    def admin(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        resp = self._admin.open(f"/_admin/{path.lstrip('/')}", method=method, json=body, query_string=query or None)
        assert resp.status_code < 300, f"{method} /_admin/{path} -> {resp.status_code} {resp.get_data(as_text=True)}"
        return resp.get_json(silent=True)

    def reset(self) -> None:
        self.admin("POST", "reset")

    def seed(self, documents: Mapping[str, Any]) -> Any:
        return self.admin("POST", "seed", dict(documents))

    def counters(self) -> dict[str, Any]:
        return dict(self.admin("GET", "counters"))

    def calls(self) -> int:
        """API calls made so far (Salesforce: against the daily limit; tokens not counted)."""
        return int(self.counters()["total"])

    def fault(self, **spec: Any) -> None:
        self.admin("POST", "faults", spec)

    def clear_faults(self) -> None:
        self.admin("DELETE", "faults")

    def requests_log(self, match: str | None = None) -> list[dict[str, Any]]:
        return list(self.admin("GET", "requests", **({"match": match} if match else {})))


class SalesforceEmulator(Emulator):
    def enable_person_accounts(self) -> None:
        """Person accounts, off in a new org (and after a reset) as in a real one."""
        self.admin("POST", "settings", {"person_accounts": True})

    def records(self, sobject: str) -> list[dict[str, Any]]:
        """Every record of `sobject` as the admin records API renders it."""
        return list(self.admin("GET", f"records/{sobject}")["records"])

    def find(self, sobject: str, **where: Any) -> list[dict[str, Any]]:
        return [r for r in self.records(sobject) if all(r.get(k) == v for k, v in where.items())]

    def one(self, sobject: str, **where: Any) -> dict[str, Any]:
        found = self.find(sobject, **where)
        assert len(found) == 1, f"{len(found)} {sobject} records with {where}"
        return found[0]


@pytest.fixture(scope="session")
def salesforce_server() -> Iterator[SalesforceEmulator]:
    app = salesforce_emulator.create_app()
    with running(app) as url:
        yield SalesforceEmulator(app, url)


@pytest.fixture(scope="session")
def commerce_server() -> Iterator[Emulator]:
    app = commerce_emulator.create_app()
    with running(app) as url:
        yield Emulator(app, url)


@pytest.fixture(scope="session")
def loyalty_server() -> Iterator[Emulator]:
    app = loyalty_emulator.create_app()
    with running(app) as url:
        yield Emulator(app, url)


@pytest.fixture
def loyalty_platform(loyalty_server: Emulator) -> Iterator[Emulator]:
    """The loyalty (SessionM style) emulator, emptied for this test."""
    loyalty_server.reset()
    yield loyalty_server
    loyalty_server.clear_faults()


@pytest.fixture
def salesforce(salesforce_server: SalesforceEmulator) -> Iterator[SalesforceEmulator]:
    """The Salesforce emulator, emptied for this test."""
    salesforce_server.reset()
    yield salesforce_server
    salesforce_server.clear_faults()


@pytest.fixture
def storefront(commerce_server: Emulator) -> Iterator[Emulator]:
    """The commerce (OCAPI) emulator, emptied for this test."""
    commerce_server.reset()
    yield commerce_server
    commerce_server.clear_faults()


# ------------------------------------------------------------------------------ AWS (moto)
def _queue_name(trigger: str) -> str:
    return "".join(part.title() for part in trigger.split("_")) + "Queue"


@dataclass
class Aws:
    """The template's resources in a fresh moto account."""

    sync_state_table: str
    idempotency_table: str
    queues: dict[str, tuple[str, str]]  # trigger -> (queue url, dlq url)
    secret_arns: dict[str, str]  # environment variable -> ARN

    @property
    def sqs(self) -> Any:
        return boto3.client("sqs", region_name=REGION)

    @property
    def dynamodb(self) -> Any:
        return boto3.client("dynamodb", region_name=REGION)

    @property
    def secrets(self) -> Any:
        return boto3.client("secretsmanager", region_name=REGION)


def _create_tables(dynamodb: Any) -> tuple[str, str]:
    """The two tables exactly as template.yaml declares them."""
    for logical_id in ("SyncStateTable", "IdempotencyTable"):
        create_table(dynamodb, logical_id, template_table(ROOT / "template.yaml", logical_id))
    return "SyncStateTable", "IdempotencyTable"


@pytest.fixture(scope="session")
def _shared_botocore_models() -> Iterator[None]:
    """Every function cold-starts per test and builds its boto3 clients afresh, and each new botocore
    session re-reads the service model files from disk. Share one loader cache for the session
    (the models never change): a test-speed measure only, invisible to the code under test."""
    from botocore.loaders import Loader

    shared: dict[Any, Any] = {}
    original = Loader.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._cache = shared

    Loader.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        Loader.__init__ = original  # type: ignore[method-assign]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, _shared_botocore_models: None) -> Iterator[Aws]:
    """An in-process AWS account holding the template's tables, queues and secrets."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        sync_table, idem_table = _create_tables(boto3.client("dynamodb", region_name=REGION))
        sqs = boto3.client("sqs", region_name=REGION)
        queues: dict[str, tuple[str, str]] = {}
        for trigger in QUEUED_TRIGGERS:
            name = _queue_name(trigger)
            dlq = sqs.create_queue(QueueName=name.replace("Queue", "DeadLetterQueue"))["QueueUrl"]
            dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            url = sqs.create_queue(
                QueueName=name,
                Attributes={
                    "VisibilityTimeout": "180",
                    "RedrivePolicy": json.dumps(
                        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)}
                    ),
                },
            )["QueueUrl"]
            queues[trigger] = (url, dlq)
        secrets = boto3.client("secretsmanager", region_name=REGION)
        arns = {
            f"{family.upper()}_WEBHOOK_SECRET_ARN": secrets.create_secret(Name=f"{family}-webhook", SecretString=value)[
                "ARN"
            ]
            for family, value in FAMILY_SECRETS.items()
        }
        arns["SALESFORCE_SECRET_ARN"] = secrets.create_secret(
            Name="salesforce-credentials", SecretString=json.dumps(SALESFORCE_CREDENTIALS)
        )["ARN"]
        arns["COMMERCE_API_SECRET_ARN"] = secrets.create_secret(
            Name="commerce-api-credentials", SecretString=json.dumps(COMMERCE_CREDENTIALS)
        )["ARN"]
        arns["LOYALTY_API_SECRET_ARN"] = secrets.create_secret(
            Name="loyalty-api-credentials", SecretString=json.dumps(LOYALTY_CREDENTIALS)
        )["ARN"]
        yield Aws(sync_table, idem_table, queues, arns)


# ------------------------------------------------------------------------------ invoking
class Reply(NamedTuple):
    """An HTTP answer as API Gateway would give it: status and JSON body (None when not JSON)."""

    status: int
    body: Any


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


class TriggerClient:
    """One function: signed requests in, HTTP answers out; its queue drained as SQS batches."""

    def __init__(self, connector: Connector, name: str) -> None:
        self.connector = connector
        self.name = name
        self._module: ModuleType | None = None
        self.last_headers: dict[str, str] = {}

    @property
    def salesforce(self) -> SalesforceEmulator:
        return self.connector.salesforce

    @property
    def storefront(self) -> Emulator:
        return self.connector.storefront

    # -- the function ------------------------------------------------------------------------
    @property
    def environment(self) -> dict[str, str]:
        env = {"TRIGGER_NAME": self.name, "POWERTOOLS_SERVICE_NAME": self.name}
        if self.name in self.connector.aws.queues:
            env["QUEUE_URL"], env["DEAD_LETTER_QUEUE_URL"] = self.connector.aws.queues[self.name]
        return env

    def cold_start(self) -> None:
        """Drop the loaded module: the next invocation imports app.py afresh (a new container)."""
        self._module = None

    @contextlib.contextmanager
    def _environment(self) -> Iterator[None]:
        saved = {k: os.environ.get(k) for k in self.environment}
        os.environ.update(self.environment)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def _load(self) -> ModuleType:
        path = FUNCTIONS / self.name / "app.py"
        spec = importlib.util.spec_from_file_location(f"trigger_app_{self.name}_{uuid.uuid4().hex[:8]}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def warm(self) -> None:
        """Cold-start now: import app.py and build its settings and clients (a signed request to a
        route the function does not have)."""
        assert self.get("/v1/commerce/_warm-up").status == 404

    def invoke(self, event: Mapping[str, Any]) -> Any:
        """Call `handler(event, context)` as Lambda would, with this function's environment."""
        with self._environment():
            if self._module is None:
                _fresh_settings()
                self._module = self._load()
            _fresh_settings()  # another function's invocation may have built settings meanwhile
            return self._module.handler(copy.deepcopy(dict(event)), LambdaContext(self.name))

    # -- HTTP --------------------------------------------------------------------------------
    def http_event(
        self,
        method: str,
        path: str,
        raw: bytes = b"",
        *,
        secret: str | None = None,
        sign_it: bool = True,
        headers: Mapping[str, str] | None = None,
        timestamp: int | None = None,
        content_type: str | None = "application/json",
    ) -> dict[str, Any]:
        """The HttpApi (payload 2.0) event API Gateway makes of this request, signed unless told not."""
        out = {"content-type": content_type} if content_type else {}
        out |= {k.lower(): v for k, v in (headers or {}).items()}
        if sign_it and HEADER.lower() not in out:
            out[HEADER.lower()] = sign(secret or self.connector.secret_for(path), method, path, raw, timestamp)
        raw_path, _, raw_query = path.partition("?")
        route_key, params = _route_key(method, raw_path)
        return http_api_event(
            method=method,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=list(out.items()),
            body=raw,
            route_key=route_key,
            path_parameters=params,
        )

    def answer_of(self, event: Mapping[str, Any]) -> Reply:
        """Invoke with an HttpApi event; the function's result mapped to HTTP as API Gateway does."""
        result = self.invoke(event)
        http = http_api_response(json.dumps(result).encode())
        self.last_headers = {k.lower(): v for k, v in http.headers}
        return Reply(http.status, _decode(http.body))

    def request(
        self,
        method: str,
        path: str,
        raw: bytes = b"",
        *,
        secret: str | None = None,
        sign_it: bool = True,
        headers: Mapping[str, str] | None = None,
        timestamp: int | None = None,
    ) -> Reply:
        event = self.http_event(method, path, raw, secret=secret, sign_it=sign_it, headers=headers, timestamp=timestamp)
        return self.answer_of(event)

    def post(
        self,
        body: Any = None,
        path: str | None = None,
        secret: str | None = None,
        sign: bool = True,
        raw: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timestamp: int | None = None,
    ) -> Reply:
        """POST `raw` (default: `body` as JSON) to `path` (default: this function's route for the
        body's event_type), signed with the route family's secret unless told otherwise."""
        data = json.dumps(body).encode() if raw is None else raw
        path = path or self.connector.route_of(body)
        return self.request("POST", path, data, secret=secret, sign_it=sign, headers=headers, timestamp=timestamp)

    def get(self, path: str, secret: str | None = None, sign: bool = True) -> Reply:
        return self.request("GET", path, b"", secret=secret, sign_it=sign)

    def schedule(self) -> Any:
        """The EventBridge schedule's event (the reconciler's sweep)."""
        return self.invoke(scheduled_event(f"{self.name}-schedule"))

    # -- the queue ---------------------------------------------------------------------------
    @property
    def queue_url(self) -> str:
        return self.connector.aws.queues[self.name][0]

    @property
    def dead_letter_queue_url(self) -> str:
        return self.connector.aws.queues[self.name][1]

    def queue_depth(self) -> int:
        """Messages waiting on the queue (visible, delayed or in flight)."""
        attrs = self.connector.aws.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesDelayed",
                "ApproximateNumberOfMessagesNotVisible",
            ],
        )["Attributes"]
        return sum(int(v) for v in attrs.values())

    def dead_letters(self) -> list[dict[str, Any]]:
        """Messages in the DLQ (received and left there): body parsed, message attributes flattened."""
        sqs = self.connector.aws.sqs
        found: list[dict[str, Any]] = []
        while True:
            got = sqs.receive_message(
                QueueUrl=self.dead_letter_queue_url,
                MaxNumberOfMessages=10,
                MessageAttributeNames=["All"],
                VisibilityTimeout=30,
            ).get("Messages", [])
            if not got:
                return found
            for msg in got:
                attrs = {k: v.get("StringValue") for k, v in (msg.get("MessageAttributes") or {}).items()}
                found.append({"body": _decode(msg["Body"].encode()), "attributes": attrs})

    def receive(self, limit: int = 10) -> list[dict[str, Any]]:
        return list(
            self.connector.aws.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=limit,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
        )

    def lose_messages(self, dead_letters: bool = False) -> int:
        """Delete every visible message of the queue (or its DLQ), as if it had been lost; how many.
        (moto, like SQS, allows one PurgeQueue a minute, so this receives and deletes instead.)"""
        sqs = self.connector.aws.sqs
        url = self.dead_letter_queue_url if dead_letters else self.queue_url
        lost = 0
        while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for msg in got:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])
            lost += len(got)
        return lost

    def batch_event(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The event Lambda's SQS event source mapping makes of these received messages."""
        arn = self.connector.aws.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
        return sqs_event(messages, arn["Attributes"]["QueueArn"], REGION)

    def feed(self, messages: list[dict[str, Any]]) -> Any:
        """Hand `messages` (received from this queue) to the function as one SQS batch, then do what
        the event source mapping does: delete every message not reported in batchItemFailures."""
        sqs = self.connector.aws.sqs
        response = self.invoke(self.batch_event(messages))
        failed = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures") or []}
        for msg in messages:
            if msg["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=msg["ReceiptHandle"])
        return response

    def drain_queue(self, limit: int = 10) -> Any:
        """Receive up to `limit` visible messages and feed them as one batch; the batch response
        (None when the queue had nothing visible)."""
        messages = self.receive(limit)
        if not messages:
            return None
        return self.feed(messages)


def _route_key(method: str, raw_path: str) -> tuple[str, dict[str, str] | None]:
    parts = tuple(p for p in raw_path.split("/") if p)
    if method.upper() == "GET":
        for template, _fn, key in READ_ROUTES:
            if len(template) == len(parts) and all(
                t.startswith("{") or t == p for t, p in zip(template, parts, strict=True)
            ):
                params = {t[1:-1]: p for t, p in zip(template, parts, strict=True) if t.startswith("{")}
                return key, params
    return f"{method.upper()} {raw_path}", None


class Connector:
    """The connector's functions, the AWS account and the emulators they talk to, for one test."""

    def __init__(
        self,
        aws: Aws,
        salesforce: SalesforceEmulator,
        storefront: Emulator,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
        loyalty_platform: Emulator | None = None,
    ) -> None:
        self.aws = aws
        self.loyalty_platform = loyalty_platform
        self.salesforce = salesforce
        self.storefront = storefront
        self._monkeypatch = monkeypatch
        self._tmp_path = tmp_path
        self._clients: dict[str, TriggerClient] = {}
        base = {
            "SYNC_STATE_TABLE": aws.sync_state_table,
            "IDEMPOTENCY_TABLE": aws.idempotency_table,
            "SYNC_MODE": "realtime",
            "MAX_RECEIVE_COUNT": str(MAX_RECEIVE_COUNT),
            "RETRY_BASE_SECONDS": "0",
            "SALESFORCE_MY_DOMAIN_URL": salesforce.url,
            "SALESFORCE_API_VERSION": "62.0",
            "COMMERCE_API_URL": storefront.url,
            **({"LOYALTY_API_URL": loyalty_platform.url} if loyalty_platform is not None else {}),
            "POWERTOOLS_METRICS_NAMESPACE": "ServiceCloudConnector",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            **aws.secret_arns,
        }
        for key, value in base.items():
            monkeypatch.setenv(key, value)
        for key in ("CONNECTOR_CONFIG_PARAMETER", "CONNECTOR_CONFIG_FILE", "POWERTOOLS_IDEMPOTENCY_DISABLED"):
            monkeypatch.delenv(key, raising=False)
        self.configure({})

    def configure(self, config: Mapping[str, Any] | None = None, **env: str) -> None:
        """A connector-config document (written to a file named by CONNECTOR_CONFIG_FILE) and/or
        environment variables (SYNC_MODE="async", ...); every function cold-starts with them.

        The emulated org starts without person accounts, as a real one does; a config that keeps
        customers as person accounts (`commerce.customer_parent: "person_account"`) needs an org that
        has them, so they are enabled first, as an admin must before using that mode."""
        if config is not None and (config.get("commerce") or {}).get("customer_parent") == "person_account":
            self.salesforce.enable_person_accounts()
        if config is not None:
            path = self._tmp_path / f"connector-config-{uuid.uuid4().hex[:6]}.json"
            path.write_text(json.dumps(config))
            self._monkeypatch.setenv("CONNECTOR_CONFIG_FILE", str(path))
        for key, value in env.items():
            self._monkeypatch.setenv(key, value)
        for client in self._clients.values():
            client.cold_start()
        _fresh_settings()

    def trigger(self, name: str) -> TriggerClient:
        if name not in self._clients:
            assert (FUNCTIONS / name / "app.py").is_file(), f"no function {name}"
            self._clients[name] = TriggerClient(self, name)
        return self._clients[name]

    def container(self, name: str) -> TriggerClient:
        """Another container of function `name`: its own fresh import of app.py, warmed (settings and
        clients built) so that several containers can then be invoked from threads, as Lambda runs
        concurrent requests, one per container."""
        client = TriggerClient(self, name)
        client.warm()
        return client

    def __getattr__(self, name: str) -> TriggerClient:
        if name.startswith("_") or not (FUNCTIONS / name / "app.py").is_file():
            raise AttributeError(name)
        return self.trigger(name)

    # -- routing and signing -------------------------------------------------------------------
    family_secrets = FAMILY_SECRETS

    def signature(
        self, method: str, path: str, raw: bytes = b"", timestamp: int | None = None, secret: str | None = None
    ) -> str:
        """The X-Signature value for `METHOD path` with this raw body (the route family's secret)."""
        return sign(secret or self.secret_for(path), method, path, raw, timestamp)

    @staticmethod
    def route_of(body: Any) -> str:
        event_type = body.get("event_type") if isinstance(body, Mapping) else None
        for prefix, route in EVENT_ROUTES.items():
            if isinstance(event_type, str) and event_type.startswith(prefix):
                return route
        return "/v1/commerce/customers"

    @staticmethod
    def secret_for(path: str) -> str:
        parts = [p for p in path.split("?", 1)[0].split("/") if p]
        family = parts[2] if len(parts) > 2 and parts[1] == "sync" else parts[1] if len(parts) > 1 else ""
        return FAMILY_SECRETS.get(family, FAMILY_SECRETS["commerce"])

    def send(self, body: Mapping[str, Any], **kwargs: Any) -> Reply:
        """POST a body to the function that serves its event_type's route."""
        path = kwargs.pop("path", None) or self.route_of(body)
        return self.trigger(ROUTES[path]).post(body, path=path, **kwargs)

    def sync_state(self, source: str, entity: str, key: str) -> Reply:
        """GET /v1/sync/{source}/{entity}/{key} on the reconciler."""
        return self.trigger("reconciler").get(f"/v1/sync/{source}/{entity}/{key}")

    def sync_status(self, entity: str, key: str) -> str | None:
        status, body = self.sync_state("commerce", entity, key)
        return body.get("status") if status == 200 else None

    def forget_everything(self) -> None:
        """An empty org, empty tables and queues, cold functions: as if nothing had been sent
        (the storefront keeps its documents)."""
        self.salesforce.reset()
        dynamodb = self.aws.dynamodb
        for table, keys in ((self.aws.sync_state_table, ("pk", "sk")), (self.aws.idempotency_table, ("id",))):
            for item in dynamodb.scan(TableName=table).get("Items", []):
                dynamodb.delete_item(TableName=table, Key={k: item[k] for k in keys})
        for name in self.aws.queues:
            self.trigger(name).lose_messages()
            self.trigger(name).lose_messages(dead_letters=True)
        for client in self._clients.values():
            client.cold_start()

    def age_sync_state(self, seconds: int) -> int:
        """Make every sync-state item look `seconds` older (its `updated_at`, the ByStatus GSI's
        sort key in template.yaml): what the reconciler sees once work has been stuck that long."""
        dynamodb = self.aws.dynamodb
        aged = 0
        for item in dynamodb.scan(TableName=self.aws.sync_state_table).get("Items", []):
            stamp = item.get("updated_at", {}).get("S")
            if not stamp or "status" not in item:
                continue
            moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")) - timedelta(seconds=seconds)
            older = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            dynamodb.update_item(
                TableName=self.aws.sync_state_table,
                Key={"pk": item["pk"], "sk": item["sk"]},
                UpdateExpression="SET updated_at = :t",
                ExpressionAttributeValues={":t": {"S": older}},
            )
            aged += 1
        return aged


@pytest.fixture
def connector(
    aws: Aws,
    salesforce: SalesforceEmulator,
    storefront: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[Connector]:
    """Every function of the connector in-process, against moto and the emulators; defaults:
    SYNC_MODE=realtime, RETRY_BASE_SECONDS=0, MAX_RECEIVE_COUNT=3, the default connector config."""
    conn = Connector(aws, salesforce, storefront, monkeypatch, tmp_path)
    yield conn
    _fresh_settings()


@pytest.fixture
def loyalty_connector(
    aws: Aws,
    salesforce: SalesforceEmulator,
    storefront: Emulator,
    loyalty_platform: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[Connector]:
    """`connector`, with the loyalty emulator (emptied) as the loyalty platform."""
    conn = Connector(aws, salesforce, storefront, monkeypatch, tmp_path, loyalty_platform)
    yield conn
    _fresh_settings()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Functions that emit no business metric on a call make Powertools warn at every flush."""
    here = Path(__file__).parent
    quiet = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(quiet)
