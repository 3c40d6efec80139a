"""The identity map: source key -> Salesforce Id, so a known entity costs no SOQL look-up."""

from __future__ import annotations

from typing import Any

from connector.state._dynamo import from_item, now_iso, to_item

IDENTITY_SK = "IDENTITY"


class IdentityMap:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._ddb = client

    @staticmethod
    def _pk(kind: str, key: str) -> str:
        return f"id#{kind}#{key}"

    def get(self, kind: str, key: str) -> str | None:
        resp = self._ddb.get_item(TableName=self._table, Key=to_item({"pk": self._pk(kind, key), "sk": IDENTITY_SK}))
        return from_item(resp["Item"]).get("salesforce_id") if "Item" in resp else None

    def get_many(self, kind: str, keys: list[str]) -> dict[str, str]:
        """One BatchGetItem per 100 keys instead of one GetItem each."""
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 100):
            request = {
                self._table: {
                    "Keys": [to_item({"pk": self._pk(kind, k), "sk": IDENTITY_SK}) for k in unique[start : start + 100]]
                }
            }
            while request:
                resp = self._ddb.batch_get_item(RequestItems=request)
                for item in resp.get("Responses", {}).get(self._table, []):
                    data = from_item(item)
                    found[data["pk"].split("#", 2)[2]] = data["salesforce_id"]
                request = resp.get("UnprocessedKeys") or {}
        return found

    def put(self, kind: str, key: str, salesforce_id: str) -> None:
        self._ddb.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "pk": self._pk(kind, key),
                    "sk": IDENTITY_SK,
                    "salesforce_id": salesforce_id,
                    "updated_at": now_iso(),
                }
            ),
        )

    def forget(self, kind: str, key: str) -> None:
        self._ddb.delete_item(TableName=self._table, Key=to_item({"pk": self._pk(kind, key), "sk": IDENTITY_SK}))
