"""How far a platform's feed has been applied: one item per feed (the social inbox's actions).

The position only grows, and only from the value a poll read: two polls that read the same position
cannot both move it (the second's conditional write fails and it stops); applying an action twice
is harmless anyway, as the pipeline's idempotency on its event_id answers the second time.
"""

from __future__ import annotations

from typing import Any

from connector.state._dynamo import from_item, now_iso, to_item

POSITION_SK = "FEED_POSITION"


class FeedPositionStore:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._ddb = client

    def _key(self, feed: str) -> dict[str, Any]:
        return to_item({"pk": f"feed#{feed}", "sk": POSITION_SK})

    def get(self, feed: str) -> int:
        """The last applied id (0: nothing applied yet), read consistently."""
        item = self._ddb.get_item(TableName=self._table, Key=self._key(feed), ConsistentRead=True).get("Item")
        return int(from_item(item)["position"]) if item else 0

    def advance(self, feed: str, read: int, to: int) -> bool:
        """Move the position from `read` (what this poll read) to `to`; False when another poll moved it."""
        if to <= read:
            return True
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item=to_item({"pk": f"feed#{feed}", "sk": POSITION_SK, "position": to, "updated_at": now_iso()}),
                ConditionExpression="attribute_not_exists(pk) OR #p = :read",
                ExpressionAttributeNames={"#p": "position"},
                ExpressionAttributeValues=to_item({":read": read}),
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True
