"""The identity map: source key -> Salesforce Id, so a known entity costs no SOQL look-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connector.state._dynamo import from_item, now_iso, to_item

IDENTITY_SK = "IDENTITY"


@dataclass(frozen=True)
class Identity:
    """A known Salesforce record and what the connector remembers about it (type, parent, fingerprint)."""

    salesforce_id: str
    attrs: dict[str, str] = field(default_factory=dict)


class IdentityMap:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._ddb = client
        self._used: list[tuple[str, str]] = []

    def begin(self) -> None:
        """Start noting which entries a workflow relies on (see `used`)."""
        self._used = []

    def used(self) -> list[tuple[str, str]]:
        """(kind, key) of every entry found since `begin`: the suspects when Salesforce says an Id is gone."""
        return list(self._used)

    @staticmethod
    def _pk(kind: str, key: str) -> str:
        return f"id#{kind}#{key}"

    def get(self, kind: str, key: str) -> str | None:
        found = self.entry(kind, key)
        return found.salesforce_id if found else None

    def entry(self, kind: str, key: str) -> Identity | None:
        resp = self._ddb.get_item(TableName=self._table, Key=to_item({"pk": self._pk(kind, key), "sk": IDENTITY_SK}))
        if "Item" not in resp:
            return None
        data = from_item(resp["Item"])
        self._used.append((kind, key))
        return Identity(data["salesforce_id"], {k: str(v) for k, v in (data.get("attrs") or {}).items()})

    def entries(self, kind: str, keys: list[str]) -> dict[str, Identity]:
        """One BatchGetItem per 100 keys instead of one GetItem each."""
        found: dict[str, Identity] = {}
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
                    attrs = {k: str(v) for k, v in (data.get("attrs") or {}).items()}
                    key = data["pk"].split("#", 2)[2]
                    self._used.append((kind, key))
                    found[key] = Identity(data["salesforce_id"], attrs)
                request = resp.get("UnprocessedKeys") or {}
        return found

    def get_many(self, kind: str, keys: list[str]) -> dict[str, str]:
        return {key: found.salesforce_id for key, found in self.entries(kind, keys).items()}

    def put(self, kind: str, key: str, salesforce_id: str, **attrs: str | None) -> None:
        kept = {k: v for k, v in attrs.items() if v is not None}
        self._ddb.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "pk": self._pk(kind, key),
                    "sk": IDENTITY_SK,
                    "salesforce_id": salesforce_id,
                    "attrs": kept or None,
                    "updated_at": now_iso(),
                }
            ),
        )

    def forget(self, kind: str, key: str) -> None:
        self._ddb.delete_item(TableName=self._table, Key=to_item({"pk": self._pk(kind, key), "sk": IDENTITY_SK}))
