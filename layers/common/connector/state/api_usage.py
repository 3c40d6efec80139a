"""The org's last known Salesforce API usage, shared by every function and container.

One item in the sync state table. A write never replaces a newer reading with an older one, so
containers can write in any order.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from connector.state._dynamo import from_item, to_item

API_USAGE_PK = "salesforce#api-usage"
API_USAGE_SK = "USAGE"


class StoredApiUsage(NamedTuple):
    used: int
    allocation: int
    observed_at: float  # epoch seconds


class ApiUsageStore:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._ddb = client

    def get(self) -> StoredApiUsage | None:
        """The last reading any container stored (an eventually consistent read: 0.5 RCU)."""
        resp = self._ddb.get_item(TableName=self._table, Key=to_item({"pk": API_USAGE_PK, "sk": API_USAGE_SK}))
        if "Item" not in resp:
            return None
        data = from_item(resp["Item"])
        return StoredApiUsage(int(data["used"]), int(data["allocation"]), int(data["observed_at_ms"]) / 1000)

    def put(self, usage: StoredApiUsage) -> bool:
        """Store `usage` unless a newer reading is there already (False then). 1 WCU."""
        observed_ms = int(usage.observed_at * 1000)
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item=to_item(
                    {
                        "pk": API_USAGE_PK,
                        "sk": API_USAGE_SK,
                        "used": usage.used,
                        "allocation": usage.allocation,
                        "observed_at_ms": observed_ms,
                    }
                ),
                ConditionExpression="attribute_not_exists(pk) OR observed_at_ms < :observed",
                ExpressionAttributeValues=to_item({":observed": observed_ms}),
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True
