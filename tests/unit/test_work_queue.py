"""`connector.work_queue`: retry backoff, and the trigger's queue and DLQ."""

from typing import Any

import pytest

from connector.services.work_queue import MAX_VISIBILITY_SECONDS, WorkQueue, backoff_seconds

BODY = '{"event_id":"evt-c-0001","event_type":"customer.registered"}'

# -- backoff ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("receive_count", [1, 2, 3, 4, 5])
def test_backoff_doubles_with_each_receive_plus_at_most_one_base_of_jitter(receive_count):
    base = 10
    floor = base * 2 ** (receive_count - 1)

    delays = {backoff_seconds(receive_count, base) for _ in range(50)}

    assert all(floor <= d <= floor + base for d in delays)


def test_backoff_grows_from_one_receive_to_the_next():
    delays = [backoff_seconds(n, 10) for n in range(1, 7)]

    assert delays == sorted(delays)
    assert len(set(delays)) == len(delays)


@pytest.mark.parametrize("receive_count", [6, 10, 50, 1000, 1025, 10_000])
def test_backoff_is_capped_at_900_seconds_however_many_receives(receive_count):
    assert backoff_seconds(receive_count, 30) == MAX_VISIBILITY_SECONDS == 900


def test_first_receive_waits_about_one_base():
    assert 30 <= backoff_seconds(1, 30) <= 60


@pytest.mark.parametrize("receive_count", [0, -3])
def test_receive_count_below_one_counts_as_the_first(receive_count):
    assert 30 <= backoff_seconds(receive_count, 30) <= 60


@pytest.mark.parametrize("base", [0, -5])
def test_no_base_means_no_backoff(base):
    assert backoff_seconds(4, base) == 0


# -- the queue ------------------------------------------------------------------------------------------------


@pytest.fixture
def queues(sqs: Any) -> tuple[str, str]:
    dlq = sqs.create_queue(QueueName="registration-dlq")["QueueUrl"]
    main = sqs.create_queue(QueueName="registration", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    return main, dlq


@pytest.fixture
def work_queue(sqs: Any, queues: tuple[str, str]) -> WorkQueue:
    main, dlq = queues
    return WorkQueue(main, dlq, sqs)


def receive_one(sqs: Any, url: str, visibility: int | None = None) -> dict[str, Any] | None:
    kwargs = {"VisibilityTimeout": visibility} if visibility is not None else {}
    resp = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=1, MessageAttributeNames=["All"], AttributeNames=["All"], **kwargs
    )
    messages = resp.get("Messages", [])
    return messages[0] if messages else None


def attributes(message: dict[str, Any]) -> dict[str, str]:
    return {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()}


def test_sent_message_carries_the_body_and_event_attributes(work_queue, sqs, queues):
    message_id = work_queue.send(BODY, event_type="customer.registered", event_id="evt-c-0001")

    message = receive_one(sqs, queues[0])
    assert message["MessageId"] == message_id
    assert message["Body"] == BODY
    assert attributes(message) == {"event_type": "customer.registered", "event_id": "evt-c-0001"}


def test_message_attributes_are_strings(work_queue, sqs, queues):
    work_queue.send(BODY, event_type="customer.registered", event_id="evt-c-0001")

    message = receive_one(sqs, queues[0])

    assert {v["DataType"] for v in message["MessageAttributes"].values()} == {"String"}


def test_delayed_message_is_not_visible_before_its_delay(work_queue, sqs, queues):
    work_queue.send(BODY, event_type="customer.registered", event_id="evt-c-0001", delay_seconds=60)

    assert receive_one(sqs, queues[0]) is None


@pytest.mark.parametrize("delay", [-10, 5000])
def test_out_of_range_delays_are_clamped_to_what_sqs_accepts(work_queue, sqs, queues, delay):
    work_queue.send(BODY, event_type="customer.registered", event_id="evt-c-0001", delay_seconds=delay)

    counts = sqs.get_queue_attributes(QueueUrl=queues[0], AttributeNames=["All"])["Attributes"]
    in_queue = int(counts["ApproximateNumberOfMessages"]) + int(counts["ApproximateNumberOfMessagesDelayed"])
    assert in_queue == 1


def test_dead_lettered_message_lands_in_the_dlq_with_the_reason(work_queue, sqs, queues):
    main, dlq = queues

    work_queue.dead_letter(BODY, event_type="customer.registered", event_id="evt-c-0001", error="INVALID_FIELD: Foo")

    message = receive_one(sqs, dlq)
    assert message["Body"] == BODY
    assert attributes(message) == {
        "event_type": "customer.registered",
        "event_id": "evt-c-0001",
        "last_error": "INVALID_FIELD: Foo",
    }
    assert receive_one(sqs, main) is None


def test_dead_letter_reason_is_truncated_to_256_characters(work_queue, sqs, queues):
    work_queue.dead_letter(BODY, event_type="customer.registered", event_id="evt-c-0001", error="e" * 5000)

    message = receive_one(sqs, queues[1])

    assert attributes(message)["last_error"] == "e" * 256


def test_empty_attribute_values_are_left_out(work_queue, sqs, queues):
    work_queue.dead_letter(BODY, event_type="customer.registered", event_id="evt-c-0001", error="")

    message = receive_one(sqs, queues[1])

    assert "last_error" not in attributes(message)


def test_retry_later_with_zero_makes_the_message_visible_again_now(work_queue, sqs, queues):
    work_queue.send(BODY, event_type="customer.registered", event_id="evt-c-0001")
    taken = receive_one(sqs, queues[0], visibility=300)
    assert receive_one(sqs, queues[0]) is None

    work_queue.retry_later(taken["ReceiptHandle"], 0)

    again = receive_one(sqs, queues[0])
    assert again is not None and again["Body"] == BODY
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"


def test_retry_later_hides_the_message_for_the_given_seconds(work_queue, sqs, queues):
    work_queue.send(BODY, event_type="customer.registered", event_id="evt-c-0001")
    taken = receive_one(sqs, queues[0], visibility=0)

    work_queue.retry_later(taken["ReceiptHandle"], 600)

    assert receive_one(sqs, queues[0]) is None
