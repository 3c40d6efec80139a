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


def _backend_tables(local_aws: LocalAws) -> dict[str, Any]:
    from moto.backends import get_backend

    from devstack.cfn import ACCOUNT_ID

    return dict(get_backend("dynamodb")[ACCOUNT_ID][local_aws.region].tables)


def test_a_transaction_cancelled_by_a_condition_names_each_actions_reason_as_dynamodb_does(local_aws: LocalAws) -> None:
    # given an item that exists, and a transaction whose second action requires that it does not
    ddb = local_aws.client("dynamodb")
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "claimed"}, "owner": {"S": "first"}})
    ddb.delete_item(TableName=TABLE, Key={"pk": {"S": "fresh"}})
    fresh = {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "fresh"}}}}
    claim = {
        "Put": {
            "TableName": TABLE,
            "Item": {"pk": {"S": "claimed"}, "owner": {"S": "second"}},
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }

    # when it is written
    with pytest.raises(ClientError) as refusal:
        ddb.transact_write_items(TransactItems=[fresh, claim])

    # then it is cancelled with one reason per action, in order (the failed one with the item it
    # found, as ReturnValuesOnConditionCheckFailure=ALL_OLD asks), and nothing of it was written
    assert refusal.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = refusal.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Message"] == "The conditional request failed"
    assert reasons[1]["Item"] == {"pk": {"S": "claimed"}, "owner": {"S": "first"}}
    assert item(ddb, "fresh") is None
    assert item(ddb, "claimed") == {"pk": {"S": "claimed"}, "owner": {"S": "first"}}


def test_a_transaction_cancelled_by_a_condition_leaves_the_tables_themselves_in_place(local_aws: LocalAws) -> None:
    # given the local account's tables, and an item a conditional put will find
    ddb = local_aws.client("dynamodb")
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "taken"}})
    before = _backend_tables(local_aws)

    # when a transaction is cancelled by its condition
    with pytest.raises(ClientError):
        ddb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": {"pk": {"S": "taken"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            ]
        )

    # then the account still holds the same table objects: moto's rollback would have replaced
    # them with whole copies, left as garbage at every refusal (the soak's stack grew to 19 GB)
    after = _backend_tables(local_aws)
    assert all(after[name] is table for name, table in before.items())
