"""The SQS event source mapping: Lambda-shaped records, ReportBatchItemFailures deletion rules,
against a real (in-process) SQS."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devstack.events import BatchResponseError, failed_message_ids, scheduled_event, sqs_event
from devstack.runtime import InvokeResult
from devstack.sources import SqsPoller
from devstack.template import SqsSource


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


def queue(sqs: Any, name: str = "local-Q") -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def receive(sqs: Any, url: str, n: int = 10) -> list[dict[str, Any]]:
    return sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=n, AttributeNames=["All"], MessageAttributeNames=["All"]
    ).get("Messages", [])


def counts(sqs: Any, url: str) -> tuple[int, int]:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


def test_records_have_lambdas_shape(sqs: Any) -> None:
    url, arn = queue(sqs)
    sqs.send_message(
        QueueUrl=url,
        MessageBody='{"event_id": "e1"}',
        MessageAttributes={
            "event_id": {"DataType": "String", "StringValue": "e1"},
            "attempt": {"DataType": "Number", "StringValue": "2"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    [message] = receive(sqs, url)

    [record] = sqs_event([message], arn)["Records"]

    assert record["messageId"] == message["MessageId"]
    assert record["receiptHandle"] == message["ReceiptHandle"]
    assert record["body"] == '{"event_id": "e1"}'
    assert record["md5OfBody"] == message["MD5OfBody"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == arn
    assert record["awsRegion"] == "us-east-1"
    assert {"ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(
        record["attributes"]
    )
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["event_id"] == {
        "stringValue": "e1",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["messageAttributes"]["attempt"]["dataType"] == "Number"
    assert record["messageAttributes"]["blob"]["binaryValue"] == "AAE="
    json.dumps(record)  # the event must serialise as Lambda sends it


def test_batch_item_failure_rules() -> None:
    ids = ["a", "b", "c"]
    assert failed_message_ids(None, ids) == set()
    assert failed_message_ids({}, ids) == set()
    assert failed_message_ids({"batchItemFailures": []}, ids) == set()
    assert failed_message_ids({"batchItemFailures": None}, ids) == set()
    assert failed_message_ids({"statusCode": 200}, ids) == set()
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids) == {"b"}
    for bad in (
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"id": "a"}]},
        {"batchItemFailures": [{"itemIdentifier": "zzz"}]},
        ["a"],
    ):
        with pytest.raises(BatchResponseError):
            failed_message_ids(bad, ids)


def poller(sqs: Any, url: str, arn: str, result: InvokeResult, events: list[Any]) -> SqsPoller:
    def invoke(event: Any) -> InvokeResult:
        events.append(event)
        return result

    source = SqsSource("Queue", arn, batch_size=10, report_batch_item_failures=True)
    return SqsPoller("Fn", source, url, lambda: sqs, invoke, threading.Event())


def send_three(sqs: Any, url: str) -> list[dict[str, Any]]:
    for body in ("one", "two", "three"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    messages = receive(sqs, url)
    assert len(messages) == 3
    return messages


def test_reported_failures_stay_on_the_queue_and_the_rest_is_deleted(sqs: Any) -> None:
    url, arn = queue(sqs)
    messages = send_three(sqs, url)
    failed = messages[1]["MessageId"]
    events: list[Any] = []
    response = json.dumps({"batchItemFailures": [{"itemIdentifier": failed}]}).encode()

    poller(sqs, url, arn, InvokeResult(True, response), events).process(sqs, messages)

    assert [r["body"] for r in events[0]["Records"]] == ["one", "two", "three"]
    assert counts(sqs, url) == (0, 1)  # only the failed message is left, still in flight


@pytest.mark.parametrize(
    "result",
    [
        InvokeResult(False, b'{"errorMessage": "boom", "errorType": "ValueError"}', "function"),
        InvokeResult(False, b"Task timed out after 30.00 seconds", "timeout"),
        InvokeResult(True, b'{"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]}'),
    ],
)
def test_an_invocation_error_or_invalid_response_deletes_nothing(sqs: Any, result: InvokeResult) -> None:
    url, arn = queue(sqs)
    messages = send_three(sqs, url)

    poller(sqs, url, arn, result, []).process(sqs, messages)

    assert counts(sqs, url) == (0, 3)


@pytest.mark.parametrize("payload", [b"null", b"{}", b'{"batchItemFailures": []}'])
def test_an_empty_response_deletes_all(sqs: Any, payload: bytes) -> None:
    url, arn = queue(sqs)
    messages = send_three(sqs, url)

    poller(sqs, url, arn, InvokeResult(True, payload), []).process(sqs, messages)

    assert counts(sqs, url) == (0, 0)


def test_poller_thread_feeds_batches(sqs: Any) -> None:
    url, arn = queue(sqs)
    stop = threading.Event()
    seen: list[str] = []
    done = threading.Event()

    def invoke(event: Any) -> InvokeResult:
        seen.extend(r["body"] for r in event["Records"])
        if len(seen) >= 3:
            done.set()
        return InvokeResult(True, b"null")

    source = SqsSource("Queue", arn, batch_size=10, batching_window=1, report_batch_item_failures=True)
    feeder = SqsPoller("Fn", source, url, lambda: sqs, invoke, stop, workers=1)
    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    feeder.start()
    try:
        assert done.wait(10)
        # The poller deletes a batch after the invocation returns: wait for that, not just the call.
        deadline = time.monotonic() + 10
        while counts(sqs, url) != (0, 0) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        feeder.join(5)
    assert sorted(seen) == ["a", "b", "c"]
    assert counts(sqs, url) == (0, 0)


def test_scheduled_event_shape() -> None:
    event = scheduled_event("local-ReconcilerFunctionReconcile")
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/local-ReconcilerFunctionReconcile"]
    assert event["detail"] == {}
    assert event["time"].endswith("Z")
