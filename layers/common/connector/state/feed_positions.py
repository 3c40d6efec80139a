"""How far a platform's feed has been applied: one item per feed (the social inbox's actions).

The position only grows, and only from the value a poll read: two polls that read the same position
cannot both move it (the second's conditional write fails and it stops); applying an action twice
is harmless anyway, as the pipeline's idempotency on its event_id answers the second time.
"""

from __future__ import annotations

import time
from typing import Any

from connector.state._dynamo import from_item, now_iso, to_item

POSITION_SK = "FEED_POSITION"
# Where the search for a feed's head has got to (config `social.feed.start` "now"), until it ends.
HEAD_SEARCH_SK = "FEED_HEAD_SEARCH"
# An entry dead-lettered already (one item each, reaped by DynamoDB TTL once no poll can read it again).
PARKED_SK = "FEED_PARKED#"
PARKED_DAYS = 14


class FeedPositionStore:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._ddb = client
        # Feeds known to have a position (it is never removed): `start` costs no call for them.
        self._started: set[str] = set()

    def _key(self, feed: str) -> dict[str, Any]:
        return to_item({"pk": f"feed#{feed}", "sk": POSITION_SK})

    def get(self, feed: str) -> int:
        """The last applied id (0: nothing applied yet), read consistently."""
        found = self.find(feed)
        return found if found is not None else 0

    def find(self, feed: str) -> int | None:
        """The last applied id, or None when no position is kept yet (a new deployment)."""
        item = self._ddb.get_item(TableName=self._table, Key=self._key(feed), ConsistentRead=True).get("Item")
        return int(from_item(item)["position"]) if item else None

    def start(self, feed: str, at: int) -> bool:
        """Set the first position, unless one is kept already (then False: it stays)."""
        if feed in self._started:
            return False
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item=to_item({"pk": f"feed#{feed}", "sk": POSITION_SK, "position": at, "updated_at": now_iso()}),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            self._started.add(feed)
            return False
        self._started.add(feed)
        return True

    def head_search(self, feed: str) -> tuple[int, int | None]:
        """What a search for the head knows: head >= low, and head <= high when high is not None."""
        key = to_item({"pk": f"feed#{feed}", "sk": HEAD_SEARCH_SK})
        item = self._ddb.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        if not item:
            return 0, None
        doc = from_item(item)
        return int(doc["low"]), (int(doc["high"]) if doc.get("high") is not None else None)

    def keep_head_search(self, feed: str, low: int, high: int | None) -> None:
        """Keep what a search knows, merged with what is kept: two polls searching together each
        keep their bounds, and a slower one never widens what the other narrowed."""
        for _ in range(5):
            known_low, known_high = self.head_search(feed)
            merged_low = max(low, known_low)
            merged_high = known_high if high is None else high if known_high is None else min(high, known_high)
            if (merged_low, merged_high) == (known_low, known_high):
                return
            doc: dict[str, Any] = {
                "pk": f"feed#{feed}",
                "sk": HEAD_SEARCH_SK,
                "low": merged_low,
                "updated_at": now_iso(),
            }
            if merged_high is not None:
                doc["high"] = merged_high
            values: dict[str, Any] = {":low": known_low}
            if known_high is None:
                unchanged_high = "attribute_not_exists(#high)"
            else:
                unchanged_high, values[":high"] = "#high = :high", known_high
            try:
                self._ddb.put_item(
                    TableName=self._table,
                    Item=to_item(doc),
                    # As read: another poll keeping its bounds meanwhile makes this one merge again.
                    ConditionExpression=f"attribute_not_exists(pk) OR (#low = :low AND {unchanged_high})",
                    ExpressionAttributeNames={"#low": "low", "#high": "high"},
                    ExpressionAttributeValues=to_item(values),
                )
            except self._ddb.exceptions.ConditionalCheckFailedException:
                continue
            return

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

    def park(self, feed: str, entry_id: int) -> bool:
        """Note that the entry is dead-lettered; False when it was already (a poll that died before
        moving the position, or one running alongside, read it again)."""
        expires = int(time.time()) + PARKED_DAYS * 86400
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item=to_item({"pk": f"feed#{feed}", "sk": f"{PARKED_SK}{entry_id}", "expires_at": expires}),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def unpark(self, feed: str, entry_id: int) -> None:
        """The dead letter could not be sent: the next poll parks the entry again."""
        self._ddb.delete_item(
            TableName=self._table, Key=to_item({"pk": f"feed#{feed}", "sk": f"{PARKED_SK}{entry_id}"})
        )
