"""What a refused request may not leave in the local stack's AWS (devstack.aws_traces): any new or
changed DynamoDB item, any message more on a queue, named without the item's key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devstack.aws import LocalAws
from devstack.aws_traces import AwsWrites

TABLE = {
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
    ],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "BillingMode": "PAY_PER_REQUEST",
}


@pytest.fixture(scope="module")
def local_aws() -> Iterator[tuple[LocalAws, str]]:
    aws = LocalAws()
    try:
        aws.create_table("SyncState", TABLE)
        yield aws, aws.client("sqs").create_queue(QueueName="RegistrationQueue")["QueueUrl"]
    finally:
        aws.stop()


@pytest.fixture
def moto(local_aws: tuple[LocalAws, str]) -> tuple[LocalAws, AwsWrites, str]:
    aws, queue = local_aws
    return aws, AwsWrites({"moto": aws.url, "region": aws.region}), queue


def _put(aws: LocalAws, pk: str, status: str) -> None:
    item: Any = {"pk": {"S": pk}, "sk": {"S": "STATE"}, "status": {"S": status}}
    aws.client("dynamodb").put_item(TableName="SyncState", Item=item)


def test_nothing_written_is_no_trace(moto: tuple[LocalAws, AwsWrites, str]) -> None:
    aws, writes, _queue = moto
    _put(aws, "commerce#customer#00009001", "SYNCED")
    before = writes.counted()

    assert writes.since(before) == []


def test_a_new_item_is_a_trace_named_by_its_kind_not_its_key(moto: tuple[LocalAws, AwsWrites, str]) -> None:
    aws, writes, _queue = moto
    before = writes.counted()

    aws.client("dynamodb").put_item(
        TableName="SyncState", Item={"pk": {"S": "id#contact_email#jane@example.com"}, "sk": {"S": "ID"}}
    )

    assert writes.since(before) == ["SyncState: new id#contact_email"]


def test_a_changed_item_is_a_trace(moto: tuple[LocalAws, AwsWrites, str]) -> None:
    aws, writes, _queue = moto
    _put(aws, "commerce#order#00009002", "SYNCED")
    before = writes.counted()

    _put(aws, "commerce#order#00009002", "REJECTED")

    assert writes.since(before) == ["SyncState: changed commerce#order"]


def test_a_message_queued_is_a_trace(moto: tuple[LocalAws, AwsWrites, str]) -> None:
    aws, writes, queue = moto
    before = writes.counted()

    aws.client("sqs").send_message(QueueUrl=queue, MessageBody="{}", DelaySeconds=5)

    assert writes.since(before) == ["RegistrationQueue: +1 messages"]


@pytest.mark.parametrize("kind", ["salesforce#api-usage", "budget#social.actions#29938", "feed#social.actions"])
def test_what_the_stack_writes_on_its_own_is_no_trace(moto: tuple[LocalAws, AwsWrites, str], kind: str) -> None:
    # given the API usage meter, a request budget, a feed position: written by the stack's own calls
    # and scheduled polls, whatever request is being answered
    aws, writes, _queue = moto
    before = writes.counted()

    _put(aws, kind, "moved")

    assert writes.since(before) == []


def test_the_snapshot_after_a_check_is_the_next_checks_starting_point(moto: tuple[LocalAws, AwsWrites, str]) -> None:
    # given a check that found a new item
    aws, writes, _queue = moto
    before = writes.counted()
    _put(aws, "commerce#customer#00009003", "REJECTED")
    assert writes.since(before) == ["SyncState: new commerce#customer"]

    # when the next case starts from there and writes nothing
    again = writes.counted()

    # then it is not blamed for the item of the case before
    assert writes.since(again) == []


def test_an_item_written_then_given_back_as_it_was_is_no_trace(moto: tuple[LocalAws, AwsWrites, str]) -> None:
    # given an entity's state, and a request whose arrival writes it then gives it back (a refusal)
    aws, writes, _queue = moto
    _put(aws, "commerce#customer#00009004", "SYNCED")
    before = writes.counted()

    _put(aws, "commerce#customer#00009004", "PENDING")
    _put(aws, "commerce#customer#00009004", "SYNCED")

    # then nothing it left differs from what was there
    assert writes.since(before) == []


def test_a_deleted_item_is_a_trace(moto: tuple[LocalAws, AwsWrites, str]) -> None:
    aws, writes, _queue = moto
    _put(aws, "claim#entity#00009005", "HELD")
    before = writes.counted()

    aws.client("dynamodb").delete_item(
        TableName="SyncState", Key={"pk": {"S": "claim#entity#00009005"}, "sk": {"S": "STATE"}}
    )

    assert writes.since(before) == ["SyncState: deleted claim#entity"]


def test_writes_of_a_transaction_and_a_batch_are_seen_too(moto: tuple[LocalAws, AwsWrites, str]) -> None:
    aws, writes, _queue = moto
    before = writes.counted()
    ddb = aws.client("dynamodb")

    ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": "SyncState", "Item": {"pk": {"S": "idem#e1"}, "sk": {"S": "A"}}}}]
    )
    ddb.batch_write_item(
        RequestItems={"SyncState": [{"PutRequest": {"Item": {"pk": {"S": "sync#order#1"}, "sk": {"S": "B"}}}}]}
    )

    assert sorted(writes.since(before)) == ["SyncState: new idem#e1", "SyncState: new sync#order"]


def test_a_mark_whose_writes_left_the_journal_is_refused_not_answered_in_part() -> None:
    # given a journal of two entries and a reader that last looked before the first of three writes
    from devstack.aws_journal import ItemJournal

    journal = ItemJournal(maxlen=2)
    for n in range(3):
        journal.record("SyncState", f"k{n}", None, "d")

    # then it is told so, and a reader within the journal gets every write since its mark
    assert journal.since(0) is None
    assert journal.since(1) == (3, [("SyncState", "k1", None, "d"), ("SyncState", "k2", None, "d")])


def test_an_item_holding_a_binary_attribute_is_seen_like_any_other(moto: tuple[LocalAws, AwsWrites, str]) -> None:
    # given an item with a binary attribute (as the backfill's checkpoints hold), written through the
    # journaled backend (a digest of it must not fail the write)
    aws, writes, _queue = moto
    before = writes.counted()

    aws.client("dynamodb").put_item(
        TableName="SyncState",
        Item={"pk": {"S": "backfill#run#1"}, "sk": {"S": "STEP"}, "cursor": {"B": b"\x00\x01"}},
    )

    assert writes.since(before) == ["SyncState: new backfill#run"]


@pytest.mark.parametrize("since", ["abc", "1.5", ""])
def test_a_since_that_is_not_a_seq_is_a_400_naming_it(moto: tuple[LocalAws, AwsWrites, str], since: str) -> None:
    import requests

    aws, _writes, _queue = moto

    reply = requests.get(f"{aws.url}/_local/writes", params={"since": since}, timeout=10)

    assert reply.status_code == 400
    assert reply.json()["message"].startswith("since")
