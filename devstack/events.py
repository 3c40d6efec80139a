"""The events AWS hands a function, built locally: API Gateway HttpApi (payload format 2.0),
SQS event source mapping batches, EventBridge scheduled events; and API Gateway's mapping of a
function's answer back to an HTTP response."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from devstack.cfn import ACCOUNT_ID, REGION

LOCAL_API_ID = "local"
_TEXT_TYPES = ("application/json", "application/javascript", "application/xml", "application/x-javascript")


def is_text_content(content_type: str | None, body: bytes) -> bool:
    """Whether API Gateway passes a body as text (else base64 with isBase64Encoded): a text
    content type (or none) and valid UTF-8. A body that is not UTF-8 goes as base64 whatever its
    content type says, so the function sees its exact bytes: decoding it with replacement
    characters would change the bytes its signature covers (a 401 for what is a 400)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not content_type:
        return True
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime.startswith("text/") or mime in _TEXT_TYPES or mime.endswith(("+json", "+xml"))


def trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"


def http_api_event(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    route_key: str,
    path_parameters: Mapping[str, str] | None = None,
    source_ip: str = "127.0.0.1",
    protocol: str = "HTTP/1.1",
    scheme: str = "http",
    server_port: int | None = None,
    api_id: str = LOCAL_API_ID,
    account_id: str = ACCOUNT_ID,
    request_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The event API Gateway sends a Lambda integration with payload format version 2.0."""
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    merged.setdefault("x-forwarded-for", source_ip)
    if server_port is not None:
        merged.setdefault("x-forwarded-port", str(server_port))
    merged.setdefault("x-forwarded-proto", scheme)
    merged.setdefault("x-amzn-trace-id", trace_id())

    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value

    host = merged.get("host", "localhost")
    domain = host.rsplit(":", 1)[0] if not host.startswith("[") else host
    moment = now or datetime.now(UTC)
    request_id = request_id or base64.b32encode(uuid.uuid4().bytes[:10]).decode().rstrip("=")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = merged
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "http": {
            "method": method.upper(),
            "path": raw_path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": merged.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(moment.timestamp() * 1000),
    }
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if body:
        if is_text_content(merged.get("content-type"), body):
            event["body"] = body.decode("utf-8")
            event["isBase64Encoded"] = False
        else:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


@dataclass
class HttpResult:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


INTERNAL_ERROR = HttpResult(500, [("content-type", "application/json")], b'{"message":"Internal Server Error"}')
NOT_FOUND = HttpResult(404, [("content-type", "application/json")], b'{"message":"Not Found"}')
TOO_LARGE = HttpResult(413, [("content-type", "application/json")], b'{"message":"Request Entity Too Large"}')


def http_api_response(payload: bytes) -> HttpResult:
    """How API Gateway (payload format 2.0) turns a function's successful result into a response.

    A JSON object with `statusCode` is a structured response; any other valid JSON is the body
    of a 200 application/json response; an unusable answer is a 500.
    """
    try:
        result = json.loads(payload) if payload.strip() else None
    except ValueError:
        return INTERNAL_ERROR
    if not (isinstance(result, dict) and "statusCode" in result):
        return HttpResult(200, [("content-type", "application/json")], payload.strip() or b"")
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError):
        return INTERNAL_ERROR
    if not 100 <= status <= 599:
        return INTERNAL_ERROR
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((str(name), _header_text(value)))
    for cookie in result.get("cookies") or []:
        headers.append(("set-cookie", str(cookie)))
    body = result.get("body")
    if body is None:
        raw = b""
    elif result.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(str(body), validate=True)
        except (binascii.Error, ValueError):
            return INTERNAL_ERROR
    else:
        raw = (body if isinstance(body, str) else json.dumps(body)).encode()
    if not any(name.lower() == "content-type" for name, _ in headers) and raw:
        headers.append(("content-type", "application/json" if _is_json(raw) else "text/plain; charset=utf-8"))
    return HttpResult(status, headers, raw)


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_header_text(v) for v in value)
    return str(value)


def _is_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------- SQS
def lambda_message_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """SQS API MessageAttributes ({StringValue, BinaryValue, DataType}) in Lambda's event shape."""
    out: dict[str, dict[str, Any]] = {}
    for name, attr in attributes.items():
        entry: dict[str, Any] = {}
        if "StringValue" in attr:
            entry["stringValue"] = attr["StringValue"]
        if "BinaryValue" in attr:
            value = attr["BinaryValue"]
            entry["binaryValue"] = (
                base64.b64encode(value).decode() if isinstance(value, (bytes, bytearray)) else str(value)
            )
        entry["stringListValues"] = list(attr.get("StringListValues") or [])
        entry["binaryListValues"] = [
            base64.b64encode(v).decode() if isinstance(v, (bytes, bytearray)) else str(v)
            for v in attr.get("BinaryListValues") or []
        ]
        entry["dataType"] = attr.get("DataType", "String")
        out[name] = entry
    return out


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str = REGION) -> dict[str, Any]:
    """One `Records[]` entry of the event Lambda's SQS event source mapping sends."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": {str(k): str(v) for k, v in (message.get("Attributes") or {}).items()},
        "messageAttributes": lambda_message_attributes(message.get("MessageAttributes") or {}),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def sqs_event(messages: Iterable[Mapping[str, Any]], queue_arn: str, region: str = REGION) -> dict[str, Any]:
    return {"Records": [sqs_record(m, queue_arn, region) for m in messages]}


class BatchResponseError(ValueError):
    """The function's batch response cannot be trusted: Lambda then retries the whole batch."""


def failed_message_ids(response: Any, message_ids: Iterable[str]) -> set[str]:
    """Message ids a ReportBatchItemFailures response reports as failed.

    Lambda's rules: no response, an empty/null `batchItemFailures`, or a response without that
    key means every message succeeded; an item with an empty, null or unknown `itemIdentifier`
    (or a response that is not an object) fails the whole batch.
    """
    ids = set(message_ids)
    if response is None:
        return set()
    if not isinstance(response, dict):
        raise BatchResponseError(f"batch response is not an object: {response!r:.200}")
    failures = response.get("batchItemFailures")
    if not failures:
        return set()
    if not isinstance(failures, list):
        raise BatchResponseError("batchItemFailures is not a list")
    failed: set[str] = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or not isinstance(identifier, str) or identifier not in ids:
            raise BatchResponseError(f"invalid batch item failure {item!r:.200}")
        failed.add(identifier)
    return failed


# --------------------------------------------------------------------------------- EventBridge
def scheduled_event(
    rule_name: str, region: str = REGION, account_id: str = ACCOUNT_ID, now: datetime | None = None
) -> dict[str, Any]:
    """The event an EventBridge schedule rule delivers."""
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account_id}:rule/{rule_name}"],
        "detail": {},
    }
