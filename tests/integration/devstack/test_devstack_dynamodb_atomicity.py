"""The local stack's DynamoDB (moto server) applies each request atomically, as DynamoDB does: a
cancelled TransactWriteItems never undoes what another request wrote meanwhile (moto's own
restores a copy of the tables it touched; devstack.aws.OneDynamoDBRequestAtATime serializes)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest

from devstack.aws import LocalAws

TABLE = "Atomicity"


@pytest.fixture(scope="module")
def local_aws() -> Iterator[LocalAws]:
    aws = LocalAws()
    aws.client("dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        yield aws
    finally:
        aws.stop()


def test_cancelled_transactions_never_undo_concurrent_writes(local_aws: LocalAws) -> None:
    # given a filled table (a transaction copies all of it), and a writer beside cancelled transactions
    ddb = local_aws.client("dynamodb")
    for n in range(100):
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": f"filler-{n}"}})
    written = [f"w-{n}" for n in range(80)]

    def writer() -> None:
        client = local_aws.client("dynamodb")
        for pk in written:
            client.put_item(TableName=TABLE, Item={"pk": {"S": pk}})

    def cancelled_transactions() -> None:
        client = local_aws.client("dynamodb")
        for _ in range(30):
            with contextlib.suppress(client.exceptions.TransactionCanceledException):
                client.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "t"}}}},
                        {
                            "ConditionCheck": {
                                "TableName": TABLE,
                                "Key": {"pk": {"S": "nobody"}},
                                "ConditionExpression": "attribute_exists(pk)",
                            }
                        },
                    ]
                )

    # when both run at once
    threads = [threading.Thread(target=writer), threading.Thread(target=cancelled_transactions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    # then every write stands
    missing = [pk for pk in written if "Item" not in ddb.get_item(TableName=TABLE, Key={"pk": {"S": pk}})]
    assert missing == []
