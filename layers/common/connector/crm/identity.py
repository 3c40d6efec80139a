"""The identity map: source key -> Salesforce Id, so a known entity costs no SOQL look-up."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from connector.state._dynamo import from_item, now_iso, to_item
from connector.state.event_writes import EventWrites, Write, key_of

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
    """While an event collects its writes (`EventWrites`), the entries it read are kept for the
    event: `prefetch` reads those a workflow will need in one BatchGetItem, `entry` then answers from
    what was read, and `put` writes only an entry that changed, with the event's last write."""

    def __init__(self, table_name: str, client: Any, writes: EventWrites | None = None) -> None:
        self._table = table_name
        self._ddb = client
        self._writes = writes or EventWrites(client)
        self._used: list[tuple[IdentityKind, str]] = []
        # (kind, key) -> the entry as this event knows it (None: read, and not there).
        self._known: dict[tuple[IdentityKind, str], Identity | None] = {}
        self._generation = -1

    def begin(self) -> None:
        """Start noting which entries a workflow relies on (see `used`)."""
        self._used = []

    def used(self) -> list[tuple[IdentityKind, str]]:
        """(kind, key) of every entry found since `begin`: the suspects when Salesforce says an Id is gone."""
        return list(self._used)

    @staticmethod
    def _key(kind: IdentityKind, key: str) -> dict[str, Any]:
        return to_item({"pk": f"id#{kind.value}#{key}", "sk": IDENTITY_SK})

    def _event_cache(self) -> dict[tuple[IdentityKind, str], Identity | None] | None:
        """What this event has read, or None when no event collects its writes (then every read is
        a read: a queue batch, a command, a schedule)."""
        if not self._writes.collecting:
            return None
        if self._generation != self._writes.generation:
            self._known, self._generation = {}, self._writes.generation
        return self._known

    def prefetch(self, wanted: list[tuple[IdentityKind, str]]) -> None:
        """Read in one BatchGetItem the entries a workflow is about to ask for, one by one."""
        cache = self._event_cache()
        if cache is None:
            return
        missing = [k for k in dict.fromkeys(wanted) if k not in cache and k[1]]
        if not missing:
            return
        found = self._batch_get(missing)
        for kind_key in missing:
            cache[kind_key] = found.get(kind_key)

    def get(self, kind: IdentityKind, key: str) -> str | None:
        found = self.entry(kind, key)
        return found.salesforce_id if found else None

    def entry(self, kind: IdentityKind, key: str) -> Identity | None:
        cache = self._event_cache()
        if cache is not None and (kind, key) in cache:
            known = cache[(kind, key)]
        else:
            resp = self._ddb.get_item(TableName=self._table, Key=self._key(kind, key))
            known = _from_item(from_item(resp["Item"])) if "Item" in resp else None
            if cache is not None:
                cache[(kind, key)] = known
        if known is not None:
            self._used.append((kind, key))
        return known

    def entries(self, kind: IdentityKind, keys: list[str]) -> dict[str, Identity]:
        """One BatchGetItem per 100 keys instead of one GetItem each (none for what the event knows)."""
        wanted = [(kind, key) for key in keys]
        cache = self._event_cache()
        if cache is not None:
            self.prefetch(wanted)
            found = {k: known for k in dict.fromkeys(wanted) if (known := cache.get(k)) is not None}
        else:
            found = self._batch_get(wanted)
        self._used.extend(found)
        return {key: identity for (_, key), identity in found.items()}

    def _batch_get(self, wanted: list[tuple[IdentityKind, str]]) -> dict[tuple[IdentityKind, str], Identity]:
        found: dict[tuple[IdentityKind, str], Identity] = {}
        unique = list(dict.fromkeys(wanted))
        kinds = {kind.value: kind for kind, _ in unique}
        for start in range(0, len(unique), 100):
            request = {self._table: {"Keys": [self._key(kind, k) for kind, k in unique[start : start + 100]]}}
            while request:
                resp = self._ddb.batch_get_item(RequestItems=request)
                for item in resp.get("Responses", {}).get(self._table, []):
                    data = from_item(item)
                    _, kind_value, key = data["pk"].split("#", 2)
                    found[(kinds[kind_value], key)] = _from_item(data)
                request = resp.get("UnprocessedKeys") or {}
        return found

    def get_many(self, kind: IdentityKind, keys: list[str]) -> dict[str, str]:
        return {key: found.salesforce_id for key, found in self.entries(kind, keys).items()}

    def put(self, kind: IdentityKind, key: str, identity: Identity) -> None:
        """Remember `identity` (with the event's last write while it collects them; not at all when
        the event read this very entry and it has not changed)."""
        cache = self._event_cache()
        if cache is not None:
            if (kind, key) in cache and cache[(kind, key)] == identity:
                return
            cache[(kind, key)] = identity
        item = (
            self._key(kind, key)
            | to_item({"salesforce_id": identity.salesforce_id, "attrs": _to_attrs(identity) or None})
            | to_item({"updated_at": now_iso()})
        )
        put = {"TableName": self._table, "Item": item}
        self._writes.write(Write({"Put": put}, key_of(self._table, self._key(kind, key))))

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
        cache = self._event_cache()
        if cache is not None:
            cache.pop((kind, key), None)
        self._writes.discard(key_of(self._table, self._key(kind, key)))
        self._ddb.delete_item(TableName=self._table, Key=self._key(kind, key))
