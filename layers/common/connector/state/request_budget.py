"""A platform's request rate limit shared by every container of a function: one counter per minute.

The social inbox allows an API application 15 requests a minute, and the doorbell and the scheduled
poll of its actions feed read with the same credentials, from any number of containers. Each takes
a request from the minute's counter before it calls (an atomic conditional increment), up to the
limit it is given: the poll stops below the full limit, so that the doorbell (which has one second
to answer) still finds requests left. Minutes are fixed windows; the inbox's own window may differ,
so a 429 stays possible and is handled as before (transient). DynamoDB throttling the counter is
`CountUnavailable`: not knowing the count, the caller does not call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from connector.state._dynamo import to_item

BUDGET_SK = "REQUEST_BUDGET"
# DynamoDB's answers when it cannot take the write now (its own retries spent).
_THROTTLED = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
}


class CountUnavailable(Exception):
    """The minute's counter could not be written now (DynamoDB throttled or failed): count unknown."""


class RequestBudgetStore:
    def __init__(self, table_name: str, client: Any, clock: Callable[[], float] = time.time) -> None:
        self._table = table_name
        self._ddb = client
        self._clock = clock

    def take(self, name: str, up_to: int) -> bool:
        """Count one request of `name` in this minute if fewer than `up_to` were counted; False when
        the minute's requests are spent (nothing counted)."""
        minute = int(self._clock()) // 60
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key=to_item({"pk": f"budget#{name}#{minute}", "sk": BUDGET_SK}),
                UpdateExpression="ADD #n :one SET expires_at = :expires",
                ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
                ExpressionAttributeNames={"#n": "requests"},
                # Reaped by DynamoDB TTL in AWS (a minute's counter is never read after it).
                ExpressionAttributeValues=to_item({":one": 1, ":limit": up_to, ":expires": (minute + 2) * 60 + 3600}),
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        except self._ddb.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _THROTTLED:
                raise CountUnavailable(exc.response["Error"]["Code"]) from exc
            raise
        return True
