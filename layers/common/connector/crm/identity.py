"""The identity map: source key -> Salesforce Id, so a known entity costs no SOQL look-up."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from connector.state._dynamo import from_item, now_iso, to_item

IDENTITY_SK = "IDENTITY"


class IdentityKind(StrEnum):
    """What a key names. The value is part of the DynamoDB key: never rename one."""

    CONTACT = "contact"  # storefront customer number -> Contact (or the Person Account's Contact)
    CONTACT_EMAIL = "contact-email"  # email -> the Contact matched by it
    CONTACT_ACCOUNT = "contact-account"  # Contact Id -> its AccountId
    ACCOUNT = "account"  # customer list id -> the list's Account
    ORDER = "order"  # order number -> Order
    RECORD_TYPE = "recordtype"  # record type developer name -> RecordType Id


@dataclass(frozen=True)
class Identity:
    """A known Salesforce record and what the connector remembers about it."""

    salesforce_id: str
    account_id: str | None = None
    contact_id: str | None = None
    customer_type: str | None = None  # Registered | Guest | Opt-in
    sync_status: str | None = None
    # A digest of what the connector last wrote: the same digest means an update changes nothing.
    fingerprint: str | None = None
    opted_in: bool | None = None
    # The Contact is a person account's person Contact: its fields are written through the Account.
    person_account: bool | None = None

    def but(self, **changes: Any) -> Identity:
        return replace(self, **changes)


# Attribute names as stored (kept from the first release so that existing entries still read).
_STORED_NAMES = {"customer_type": "type"}
_FIELD_NAMES = {stored: name for name, stored in _STORED_NAMES.items()}


def _to_attrs(identity: Identity) -> dict[str, str]:
    values = asdict(identity)
    values.pop("salesforce_id")
    return {_STORED_NAMES.get(k, k): str(v) for k, v in values.items() if v not in (None, "")}


def _from_item(data: dict[str, Any]) -> Identity:
    attrs = {_FIELD_NAMES.get(k, k): str(v) for k, v in (data.get("attrs") or {}).items()}
    opted_in = attrs.get("opted_in")
    person_account = attrs.get("person_account")
    return Identity(
        str(data["salesforce_id"]),
        account_id=attrs.get("account_id"),
        contact_id=attrs.get("contact_id"),
        customer_type=attrs.get("customer_type"),
        sync_status=attrs.get("sync_status"),
        fingerprint=attrs.get("fingerprint"),
        opted_in=None if opted_in is None else opted_in == "True",
        person_account=None if person_account is None else person_account == "True",
    )


class IdentityMap:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._ddb = client
        self._used: list[tuple[IdentityKind, str]] = []

    def begin(self) -> None:
        """Start noting which entries a workflow relies on (see `used`)."""
        self._used = []

    def used(self) -> list[tuple[IdentityKind, str]]:
        """(kind, key) of every entry found since `begin`: the suspects when Salesforce says an Id is gone."""
        return list(self._used)

    @staticmethod
    def _key(kind: IdentityKind, key: str) -> dict[str, Any]:
        return to_item({"pk": f"id#{kind.value}#{key}", "sk": IDENTITY_SK})

    def get(self, kind: IdentityKind, key: str) -> str | None:
        found = self.entry(kind, key)
        return found.salesforce_id if found else None

    def entry(self, kind: IdentityKind, key: str) -> Identity | None:
        resp = self._ddb.get_item(TableName=self._table, Key=self._key(kind, key))
        if "Item" not in resp:
            return None
        self._used.append((kind, key))
        return _from_item(from_item(resp["Item"]))

    def entries(self, kind: IdentityKind, keys: list[str]) -> dict[str, Identity]:
        """One BatchGetItem per 100 keys instead of one GetItem each."""
        found: dict[str, Identity] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 100):
            request = {self._table: {"Keys": [self._key(kind, k) for k in unique[start : start + 100]]}}
            while request:
                resp = self._ddb.batch_get_item(RequestItems=request)
                for item in resp.get("Responses", {}).get(self._table, []):
                    data = from_item(item)
                    key = data["pk"].split("#", 2)[2]
                    self._used.append((kind, key))
                    found[key] = _from_item(data)
                request = resp.get("UnprocessedKeys") or {}
        return found

    def get_many(self, kind: IdentityKind, keys: list[str]) -> dict[str, str]:
        return {key: found.salesforce_id for key, found in self.entries(kind, keys).items()}

    def put(self, kind: IdentityKind, key: str, identity: Identity) -> None:
        self._ddb.put_item(
            TableName=self._table,
            Item=self._key(kind, key)
            | to_item({"salesforce_id": identity.salesforce_id, "attrs": _to_attrs(identity) or None})
            | to_item({"updated_at": now_iso()}),
        )

    def put_many(self, kind: IdentityKind, entries: dict[str, Identity]) -> None:
        """`put` for many keys, 25 per BatchWriteItem (a backfill remembers thousands at once)."""
        now = to_item({"updated_at": now_iso()})
        items = [
            self._key(kind, key)
            | to_item({"salesforce_id": identity.salesforce_id, "attrs": _to_attrs(identity) or None})
            | now
            for key, identity in entries.items()
        ]
        for start in range(0, len(items), 25):
            request: dict[str, Any] = {self._table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
            while request:
                resp = self._ddb.batch_write_item(RequestItems=request)
                request = resp.get("UnprocessedItems") or {}

    def forget(self, kind: IdentityKind, key: str) -> None:
        self._ddb.delete_item(TableName=self._table, Key=self._key(kind, key))
