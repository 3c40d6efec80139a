"""Create-once claims: of two concurrent events for the same new entity, only one creates it."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from connector.state._dynamo import to_item

CLAIM_SK = "CLAIM"


class ClaimStore:
    def __init__(self, table_name: str, client: Any, lease_seconds: int = 60) -> None:
        self._table = table_name
        self._ddb = client
        self._lease = lease_seconds

    def acquire(self, kind: str, key: str, owner: str) -> bool:
        """True if `owner` now holds the claim (fresh, expired, or already its own)."""
        now = int(time.time())
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item=to_item(
                    {
                        "pk": f"claim#{kind}#{key}",
                        "sk": CLAIM_SK,
                        "owner": owner,
                        "lease_until": now + self._lease,
                        # Reaped by DynamoDB TTL in AWS; the lease check never relies on that.
                        "expires_at": now + self._lease + 3600,
                    }
                ),
                ConditionExpression="attribute_not_exists(pk) OR lease_until < :now OR #owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues=to_item({":now": now, ":owner": owner}),
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release(self, kind: str, key: str, owner: str) -> None:
        with contextlib.suppress(self._ddb.exceptions.ConditionalCheckFailedException):
            self._ddb.delete_item(
                TableName=self._table,
                Key=to_item({"pk": f"claim#{kind}#{key}", "sk": CLAIM_SK}),
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues=to_item({":owner": owner}),
            )
