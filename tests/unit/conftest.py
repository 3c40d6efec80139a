"""Shared parts for the connector's unit tests: an in-process AWS (moto) with the template's tables and
queues, and the canonical event bodies (the project's `events/`, a copy of the shared contracts)."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devstack.aws import create_table, template_table

SYNC_STATE_TABLE = "SyncStateTable"
IDEMPOTENCY_TABLE = "IdempotencyTable"
CONTRACT_EVENTS = Path(__file__).resolve().parents[2] / "events"
TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An empty in-process AWS account; nothing leaves the process."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


@pytest.fixture
def dynamodb(aws: None) -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture
def sync_table(dynamodb: Any) -> str:
    """`SyncStateTable` exactly as template.yaml declares it: pk+sk, and the `ByStatus` GSI."""
    create_table(dynamodb, SYNC_STATE_TABLE, template_table(TEMPLATE, "SyncStateTable"))
    return SYNC_STATE_TABLE


@pytest.fixture
def idempotency_table(dynamodb: Any) -> str:
    """`IdempotencyTable` as template.yaml declares it: key id (S)."""
    create_table(dynamodb, IDEMPOTENCY_TABLE, template_table(TEMPLATE, "IdempotencyTable"))
    return IDEMPOTENCY_TABLE


@pytest.fixture
def sqs(aws: None) -> Any:
    return boto3.client("sqs", region_name="us-east-1")


@pytest.fixture
def ssm(aws: None) -> Any:
    return boto3.client("ssm", region_name="us-east-1")


@pytest.fixture
def contract_event() -> Any:
    """Loads a canonical body by event name (`customer.registered`), as a fresh dict each time."""

    def load(name: str) -> dict[str, Any]:
        return json.loads((CONTRACT_EVENTS / f"{name}.json").read_text())

    return load


@pytest.fixture
def registered_body(contract_event: Any) -> dict[str, Any]:
    return contract_event("customer.registered")


@pytest.fixture
def minimal_registered_body(contract_event: Any) -> dict[str, Any]:
    return contract_event("customer.registered.minimal")


@pytest.fixture
def updated_body(contract_event: Any) -> dict[str, Any]:
    return contract_event("customer.updated")
