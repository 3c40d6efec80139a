"""Create-once claims: of two concurrent events for the same new entity, only one creates it."""

from __future__ import annotations

import time
from typing import Any

from connector.state._dynamo import to_item
from connector.state.event_writes import EventWrites, Write, key_of

CLAIM_SK = "CLAIM"


class ClaimStore:
    def __init__(
        self, table_name: str, client: Any, lease_seconds: int = 60, writes: EventWrites | None = None
    ) -> None:
        self._table = table_name
        self._ddb = client
        self._lease = lease_seconds
        # Releases join the event's last write while an event collects its writes.
        self._writes = writes or EventWrites(client)

    def acquire(self, kind: str, key: str, owner: str) -> bool:
        """True if `owner` now holds the claim (fresh, expired, already its own, or released by an
        earlier event of the same queue batch, its release still waiting for the batch's last write)."""
        write = self.acquire_write(kind, key, owner)
        put = write.item["Put"]
        release = self._writes.pending(write.key)
        if release is not None and "Delete" in release.item:
            # Taken over from the event that released it: its release is no longer to be made.
            released_by = release.item["Delete"]["ExpressionAttributeValues"][":owner"]
            put = {
                **put,
                "ConditionExpression": f"{put['ConditionExpression']} OR #owner = :released_by",
                "ExpressionAttributeValues": {**put["ExpressionAttributeValues"], ":released_by": released_by},
            }
        try:
            self._ddb.put_item(**put)
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        if release is not None and "Delete" in release.item:
            self._writes.discard(write.key)
        return True

    def acquire_write(self, kind: str, key: str, owner: str) -> Write:
        """`acquire` as a write of a transaction (its condition failing means: held by another)."""
        now = int(time.time())
        return Write(
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(
                        {
                            "pk": f"claim#{kind}#{key}",
                            "sk": CLAIM_SK,
                            "owner": owner,
                            "lease_until": now + self._lease,
                            # Reaped by DynamoDB TTL in AWS; the lease check never relies on that.
                            "expires_at": now + self._lease + 3600,
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(pk) OR lease_until < :now OR #owner = :owner",
                    "ExpressionAttributeNames": {"#owner": "owner"},
                    "ExpressionAttributeValues": to_item({":now": now, ":owner": owner}),
                }
            },
            key_of(self._table, self._key(kind, key)),
        )

    def release(self, kind: str, key: str, owner: str) -> None:
        """Released now, or (while an event collects its writes) with the event's last write: a
        claim held a few milliseconds longer, for one round trip less. Not ours any more: left alone."""
        delete = {
            "TableName": self._table,
            "Key": self._key(kind, key),
            "ConditionExpression": "#owner = :owner",
            "ExpressionAttributeNames": {"#owner": "owner"},
            "ExpressionAttributeValues": to_item({":owner": owner}),
        }
        self._writes.write(Write({"Delete": delete}, key_of(self._table, self._key(kind, key)), optional=True))

    @staticmethod
    def _key(kind: str, key: str) -> dict[str, Any]:
        return to_item({"pk": f"claim#{kind}#{key}", "sk": CLAIM_SK})
