"""Plain Python <-> DynamoDB attribute values for the low-level client (cheaper to create than a resource)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from connector.value_types import TIMESTAMP_FORMAT

_ser = TypeSerializer()
_de = TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _ser.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    plain = {k: _de.deserialize(v) for k, v in item.items()}
    return {k: int(v) if isinstance(v, Decimal) and v == int(v) else v for k, v in plain.items()}


def now_iso() -> str:
    return datetime.now(UTC).strftime(TIMESTAMP_FORMAT)
