"""`scc dlq`: reading a dead-letter queue changes nothing, a redrive never loses a message, and
what no trigger can read is skipped; over moto's SQS and the template's sync-state table."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import boto3
import pytest

from connector.envelope import EntityRef
from connector.state.sync_state import SyncStateStore, SyncStatus
from scc.dead_letters import error_code, list_dead_letters, redrive
from scc.target import Target, TriggerQueues

SALESFORCE_ERROR = "PermanentSalesforceError: upsert -> 400 FIELD_CUSTOM_VALIDATION_EXCEPTION fields=['Email']"


@pytest.fixture
def target(sync_table: str) -> Target:
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue = sqs.create_queue(QueueName="registration")["QueueUrl"]
    dead_letters = sqs.create_queue(QueueName="registration-dlq")["QueueUrl"]
    return Target(
        name="a test account",
        api_url="http://unused",
        region="us-east-1",
        sync_state_table=sync_table,
        triggers={"registration": TriggerQueues(queue, dead_letters)},
        make_client=lambda service: boto3.client(service, region_name="us-east-1"),
        read_webhook_secret=lambda family: None,
        local=True,
    )


def dead_letter(target: Target, n: int, *, body: str | None = None, error: str = SALESFORCE_ERROR) -> str:
    """A dead-lettered customer.registered, as connector.services.work_queue parks it; its entity DEAD."""
    event_id = f"evt-{n}"
    envelope = {
        "event_id": event_id,
        "event_type": "customer.registered",
        "occurred_at": "2026-11-23T10:00:00Z",
        "source": "commerce",
        "data": {"customer": {"customer_no": f"C{n}", "email": f"person{n}@example.com"}},
    }
    target.client("sqs").send_message(
        QueueUrl=target.trigger("registration").dead_letter_queue_url,
        MessageBody=body if body is not None else json.dumps(envelope),
        MessageAttributes={
            name: {"DataType": "String", "StringValue": value}
            for name, value in {"event_type": "customer.registered", "event_id": event_id, "last_error": error}.items()
        },
    )
    store = SyncStateStore(target.sync_state_table, target.client("dynamodb"))
    ref = EntityRef("commerce", "customer", f"C{n}")
    store.record_received(
        ref,
        version="v1",
        event_id=event_id,
        event_type="customer.registered",
        envelope="{}",
        queue_url=target.trigger("registration").queue_url,
    )
    store.transition(ref, version="v1", status=SyncStatus.DEAD, attempts=1, error=error)
    return event_id


def bodies(target: Target, queue_url: str) -> list[dict[str, Any]]:
    sqs = target.client("sqs")
    resp = sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0, MessageAttributeNames=["All"]
    )
    return resp.get("Messages", [])


def test_listing_shows_each_event_with_its_entity_and_error_code_and_leaves_the_queue_as_it_was(
    target: Target,
) -> None:
    # Given two dead letters
    ids = {dead_letter(target, 1), dead_letter(target, 2)}

    # When they are listed
    rows = [letter.public(letter.sent_at) for letter in list_dead_letters(target, "registration")]

    # Then each shows its event, entity and error code, not its body; and both are still there
    assert {row["event_id"] for row in rows} == ids
    assert {row["entity"] for row in rows} == {"commerce/customer/C1", "commerce/customer/C2"}
    assert {row["error_code"] for row in rows} == {"FIELD_CUSTOM_VALIDATION_EXCEPTION"}
    assert "person1@example.com" not in json.dumps(rows)
    assert len(bodies(target, target.trigger("registration").dead_letter_queue_url)) == 2


def test_redrive_sends_each_back_to_the_triggers_queue_without_its_last_error(target: Target) -> None:
    # Given a dead letter
    event_id = dead_letter(target, 1)

    # When it is redriven (not followed: nothing consumes the queue here)
    report = redrive(target, "registration", wait_seconds=0)

    # Then it is on the trigger's queue, same body and event attributes, no last_error; the DLQ is empty
    [message] = bodies(target, target.trigger("registration").queue_url)
    assert json.loads(message["Body"])["event_id"] == event_id
    assert set(message["MessageAttributes"]) == {"event_type", "event_id"}
    assert bodies(target, target.trigger("registration").dead_letter_queue_url) == []
    assert (report.redriven, report.skipped, report.still_failing, report.pending) == (1, 0, 0, 1)


def test_a_copy_the_queue_refuses_keeps_the_original_in_the_dead_letter_queue(target: Target) -> None:
    # Given a dead letter, and the trigger's queue gone (SQS refuses the copy)
    dead_letter(target, 1)
    target.client("sqs").delete_queue(QueueUrl=target.trigger("registration").queue_url)

    # When it is redriven
    report = redrive(target, "registration", wait_seconds=0)

    # Then it is counted still failing and is still in the dead-letter queue
    assert (report.redriven, report.still_failing) == (0, 1)
    assert len(bodies(target, target.trigger("registration").dead_letter_queue_url)) == 1


def test_a_dry_run_sends_nothing_and_leaves_every_message_in_place(target: Target) -> None:
    # Given two dead letters
    dead_letter(target, 1)
    dead_letter(target, 2)

    # When a redrive is dry-run
    report = redrive(target, "registration", dry_run=True)

    # Then both are counted, none is on the trigger's queue, both are visible in the DLQ
    assert (report.dry_run, report.redriven) == (True, 2)
    assert bodies(target, target.trigger("registration").queue_url) == []
    assert len(bodies(target, target.trigger("registration").dead_letter_queue_url)) == 2


def test_limit_redrives_at_most_that_many(target: Target) -> None:
    # Given three dead letters
    for n in range(3):
        dead_letter(target, n)

    # When a redrive is limited to two
    report = redrive(target, "registration", limit=2, wait_seconds=0)

    # Then two moved and one stayed
    assert report.redriven == 2
    assert len(bodies(target, target.trigger("registration").dead_letter_queue_url)) == 1


def test_a_body_no_trigger_can_read_is_skipped_and_kept(target: Target) -> None:
    # Given a dead letter the consumer parked as unreadable
    dead_letter(target, 1, body="not json", error="ValidationError: 3 errors")

    # When the queue is redriven
    report = redrive(target, "registration", wait_seconds=0)

    # Then it is skipped with the reason, and stays in the DLQ
    assert (report.redriven, report.skipped) == (0, 1)
    assert list(report.skipped_reasons) == ["ValidationError: would be dead-lettered again unrun"]
    assert len(bodies(target, target.trigger("registration").dead_letter_queue_url)) == 1


def test_a_backfill_step_moved_by_the_redrive_policy_is_named_by_its_run_and_redriven(target: Target) -> None:
    # Given a backfill step the queue's redrive policy moved (no event attributes, no last_error)
    sqs = target.client("sqs")
    step = {"run_id": "customers-0123456789ab", "part": 1, "index": 4, "step": "poll", "polls": 3}
    sqs.send_message(QueueUrl=target.trigger("registration").dead_letter_queue_url, MessageBody=json.dumps(step))

    # When the queue is listed, then redriven
    [listed] = list_dead_letters(target, "registration")
    report = redrive(target, "registration", wait_seconds=0)

    # Then it reads as the run's step, and goes back to the queue as it was
    assert (listed.event_type, listed.event_id) == ("backfill.step", "customers-0123456789ab:1:4:poll")
    assert report.redriven == 1
    [message] = bodies(target, target.trigger("registration").queue_url)
    assert json.loads(message["Body"]) == step


def test_a_relayed_salesforce_event_moved_by_the_redrive_policy_is_named_by_its_type_and_uuid_and_redriven(
    target: Target,
) -> None:
    # Given a Salesforce change event relayed through EventBridge that the queue's redrive policy moved
    # (no event attributes, no last_error)
    sqs = target.client("sqs")
    relayed = {
        "version": "0",
        "id": "eventbridge-id",
        "detail-type": "ContactChangeEvent",
        "source": "aws.partner/salesforce.com/00D000000000001EAA/0YL000000000001GAA",
        "time": "2026-11-30T09:15:02Z",
        "detail": {"payload": {"ChangeEventHeader": {"entityName": "Contact"}}, "id": "5b0e8f0c-2a54"},
    }
    sqs.send_message(QueueUrl=target.trigger("registration").dead_letter_queue_url, MessageBody=json.dumps(relayed))

    # When the queue is listed, then redriven
    [listed] = list_dead_letters(target, "registration")
    report = redrive(target, "registration", wait_seconds=0)

    # Then it reads as the Salesforce event it is, and goes back to the queue as it was
    assert (listed.event_type, listed.event_id) == ("ContactChangeEvent", "5b0e8f0c-2a54")
    assert report.redriven == 1
    [message] = bodies(target, target.trigger("registration").queue_url)
    assert json.loads(message["Body"]) == relayed


def test_an_event_dead_lettered_again_during_the_redrive_is_not_redriven_twice(target: Target) -> None:
    # Given a dead letter, and a trigger whose queue hands it straight back to the DLQ (as a
    # consumer that fails it again at once would: here the "queue" is the DLQ itself)
    dead_letter(target, 1)
    queues = target.trigger("registration")
    target.triggers["registration"] = TriggerQueues(queues.dead_letter_queue_url, queues.dead_letter_queue_url)

    # When the queue is redriven (at most 5, to bound a loop)
    report = redrive(target, "registration", limit=5, wait_seconds=0)

    # Then it was sent once: its copy back in the DLQ is this run's outcome, not a new dead letter
    assert report.redriven == 1
    assert len(bodies(target, queues.dead_letter_queue_url)) == 1


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (SALESFORCE_ERROR, "FIELD_CUSTOM_VALIDATION_EXCEPTION"),
        ("TransientSalesforceError: query -> 503 SERVER_UNAVAILABLE", "SERVER_UNAVAILABLE"),
        ("MappingError: ['data', 'customer', 'email'] value is not a valid email", "MappingError"),
        (None, "-"),
    ],
)
def test_the_error_code_is_salesforces_code_else_the_error_class(error: str | None, code: str) -> None:
    assert error_code(error) == code


class _DeletesRefused:
    """An SQS client whose DeleteMessage fails (a throttle, a lost connection): sends still work."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def delete_message(self, **_: Any) -> None:
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "InternalError", "Message": "try again"}}, "DeleteMessage")


def test_a_letter_sent_back_whose_original_cannot_be_deleted_is_counted_redriven_and_left_in_the_dlq(
    target: Target,
) -> None:
    # Given a dead letter, and an SQS that takes the copy but refuses to delete the original
    event_id = dead_letter(target, 1)
    make_client = target.make_client
    refusing = dataclasses.replace(
        target,
        make_client=lambda service: _DeletesRefused(make_client(service)) if service == "sqs" else make_client(service),
        _clients={},
    )

    # When it is redriven
    report = redrive(refusing, "registration", wait_seconds=0)

    # Then the copy went (the event is on its way: redriven, not "still failing"), and the report says
    # the original is still in the dead-letter queue
    [message] = bodies(target, target.trigger("registration").queue_url)
    assert json.loads(message["Body"])["event_id"] == event_id
    assert (report.redriven, report.still_failing) == (1, 0)
    assert report.as_dict()["left_in_dead_letter_queue"] == 1
