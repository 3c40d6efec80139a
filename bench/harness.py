"""An in-process harness for benchmarks: the real functions, the real emulators over HTTP, and
moto's in-process AWS (benchmarks count calls; they don't need the Lambda runtime around them)."""

from __future__ import annotations

import importlib.util
import json
import os
import threading
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import requests
from werkzeug.serving import make_server

from bench.aws_calls import AwsCalls, counting_aws_calls
from connector.pipeline.signature import sign
from devstack.signing import FAMILY_SECRETS, secret_for

ROOT = Path(__file__).resolve().parents[1]
# Benchmarks call handlers without a Lambda context; Powertools warns about that on every event.
warnings.filterwarnings("ignore", message="Couldn.t determine the remaining time left")


def _serve(app: Any) -> str:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


class Harness:
    def __init__(
        self,
        salesforce: str,
        commerce: str,
        queues: dict[str, str],
        config_file: str = "",
        loyalty: str = "",
        aws: AwsCalls | None = None,
    ) -> None:
        self.salesforce = salesforce
        # Every AWS call the functions make, counted at their boto3 clients.
        self.aws = aws or AwsCalls()
        self.commerce = commerce
        self.loyalty = loyalty
        self.queues = queues
        self.config_file = config_file
        self.functions: dict[str, ModuleType] = {}

    def configure(self, config: dict[str, Any]) -> None:
        """A new connector-config document, read by every function at its next (cold) start."""
        Path(self.config_file).write_text(json.dumps(config))
        self.functions.clear()

    def function(self, name: str) -> ModuleType:
        if name not in self.functions:
            os.environ.update(
                POWERTOOLS_SERVICE_NAME=name, QUEUE_URL=self.queues[name], DEAD_LETTER_QUEUE_URL=self.queues[name]
            )
            spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "functions" / name / "app.py")
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            from connector.services import Services
            from connector.settings import Settings

            module.trigger.use_services(Services(Settings.from_environment()))
            self.functions[name] = module
        return self.functions[name]

    def api_calls(self) -> int:
        return int(requests.get(f"{self.salesforce}/_admin/counters", timeout=10).json()["total"])

    def post(self, function: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.request(function, "POST", path, json.dumps(body).encode())

    def get(self, function: str, path: str) -> dict[str, Any]:
        """A signed GET of `path` (no query string)."""
        return self.request(function, "GET", path, b"")

    def request(self, function: str, method: str, path: str, raw: bytes) -> dict[str, Any]:
        event = {
            "version": "2.0",
            "routeKey": f"{method} {path}",
            "rawPath": path,
            "rawQueryString": "",
            "headers": {"content-type": "application/json", "x-signature": sign(secret_for(path), method, path, raw)},
            "requestContext": {
                "http": {
                    "method": method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1",
                    "userAgent": "bench",
                },
                "requestId": str(uuid.uuid4()),
                "routeKey": f"{method} {path}",
                "stage": "$default",
            },
            "body": raw.decode(),
            "isBase64Encoded": False,
        }
        result = self.function(function).handler(event, None)
        return {"status": result["statusCode"], "body": json.loads(result["body"])}

    def consume(self, function: str, bodies: list[dict[str, Any]]) -> dict[str, Any]:
        """One SQS batch, shaped as the event source mapping delivers it."""
        records = [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": str(uuid.uuid4()),
                "body": json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:bench",
                "awsRegion": "us-east-1",
            }
            for body in bodies
        ]
        return dict(self.function(function).handler({"Records": records}, None))


@contextmanager
def harness(config: dict[str, Any] | None = None) -> Iterator[Harness]:
    import tempfile

    import boto3
    from aws_lambda_powertools.utilities import parameters
    from moto import mock_aws

    from emulators.commerce import create_app as commerce_app
    from emulators.loyalty import create_app as loyalty_app
    from emulators.salesforce import create_app as salesforce_app

    salesforce, commerce, loyalty = _serve(salesforce_app()), _serve(commerce_app()), _serve(loyalty_app())
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as config_file:
        json.dump(config or {"commerce": {"site_customer_lists": {"RefArch": "RefArchGlobal"}}}, config_file)
    saved = dict(os.environ)
    os.environ.update(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        SYNC_STATE_TABLE="SyncState",
        IDEMPOTENCY_TABLE="Idempotency",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="ERROR",
        # The figures are what this prints; the functions' EMF lines would bury them.
        POWERTOOLS_METRICS_DISABLED="true",
        SALESFORCE_MY_DOMAIN_URL=salesforce,
        COMMERCE_API_URL=commerce,
        LOYALTY_API_URL=loyalty,
        CONNECTOR_CONFIG_FILE=config_file.name,
        RETRY_BASE_SECONDS="0",
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from connector.observability import logger

    logger.setLevel("ERROR")  # created at import, before this environment was set
    # A fresh container: Powertools' secret and parameter providers (and their clients) are made
    # again, inside the call counter, as a cold start makes them.
    parameters.clear_caches()
    try:
        with counting_aws_calls() as aws, mock_aws():
            sm = boto3.client("secretsmanager")
            for family, secret in FAMILY_SECRETS.items():  # one per family, as the local stack has
                os.environ[f"{family.upper()}_WEBHOOK_SECRET_ARN"] = sm.create_secret(
                    Name=f"{family}-webhook", SecretString=secret
                )["ARN"]
            os.environ["LOYALTY_API_SECRET_ARN"] = sm.create_secret(
                Name="ly",
                SecretString=json.dumps({"api_key": "local-loyalty-key", "api_secret": "local-loyalty-secret"}),
            )["ARN"]
            os.environ["SALESFORCE_SECRET_ARN"] = sm.create_secret(
                Name="sf", SecretString=json.dumps({"client_id": "local-client", "client_secret": "local-secret"})
            )["ARN"]
            os.environ["COMMERCE_API_SECRET_ARN"] = sm.create_secret(
                Name="oc",
                SecretString=json.dumps(
                    {"client_id": "local-commerce-client", "client_secret": "local-commerce-secret"}
                ),
            )["ARN"]
            ddb = boto3.client("dynamodb")
            from devstack.aws import create_table, template_table

            for name, logical_id in (("SyncState", "SyncStateTable"), ("Idempotency", "IdempotencyTable")):
                create_table(ddb, name, template_table(ROOT / "template.yaml", logical_id))
            sqs = boto3.client("sqs")
            queues = {
                name: sqs.create_queue(QueueName=name)["QueueUrl"]
                for name in (
                    "registration",
                    "order_header",
                    "contact_us",
                    "chat_end",
                    "conversation_routing",
                    "offer_actions",
                )
            }
            yield Harness(salesforce, commerce, queues, config_file.name, loyalty, aws)
    finally:
        parameters.clear_caches()
        os.environ.clear()
        os.environ.update(saved)
        os.unlink(config_file.name)
