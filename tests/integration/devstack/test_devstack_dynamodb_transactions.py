"""The local stack's TransactWriteItems (devstack.aws: moto's, written without its table copy when
every condition holds) is all or nothing as DynamoDB's is: an action refused for another reason than
a condition (an item over 400 KB, an update expression that does not apply to the item) leaves
every action of the transaction unwritten, the earlier ones included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devstack.aws import LocalAws

TABLE = "Transactions"
OVER_400_KB = "x" * 410_000


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


def item(ddb: Any, pk: str) -> dict[str, Any] | None:
    return ddb.get_item(TableName=TABLE, Key={"pk": {"S": pk}}).get("Item")


@pytest.mark.parametrize(
    "refused",
    [
        {
            "Update": {
                "TableName": TABLE,
                "Key": {"pk": {"S": "existing"}},
                "UpdateExpression": "SET big = :big",
                "ExpressionAttributeValues": {":big": {"S": OVER_400_KB}},
            }
        },
        {
            "Update": {
                "TableName": TABLE,
                "Key": {"pk": {"S": "existing"}},
                "UpdateExpression": "SET label = label + :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "large"}, "big": {"S": OVER_400_KB}}}},
    ],
    ids=["update-over-400-kb", "update-of-the-wrong-type", "put-over-400-kb"],
)
def test_a_transaction_refused_by_a_later_action_writes_none_of_the_earlier_ones(
    local_aws: LocalAws, refused: dict[str, Any]
) -> None:
    # given an item, and a transaction whose first action is fine and whose second DynamoDB refuses
    ddb = local_aws.client("dynamodb")
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "existing"}, "label": {"S": "text"}})
    ddb.delete_item(TableName=TABLE, Key={"pk": {"S": "first"}})
    first = {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "first"}}}}

    # when it is written
    with pytest.raises(ClientError) as refusal:
        ddb.transact_write_items(TransactItems=[first, refused])

    # then it is refused, and nothing of it was written
    assert refusal.value.response["Error"]["Code"] in ("ValidationException", "TransactionCanceledException")
    assert item(ddb, "first") is None
    assert item(ddb, "existing") == {"pk": {"S": "existing"}, "label": {"S": "text"}}
    assert item(ddb, "large") is None
