"""Sync state per business entity: what happened to it, with which Salesforce ids, at which version.

Every write is conditional on the source version, so an older event never overwrites a newer one,
however deliveries interleave. An event refused back to its sender (422, 404, 409) writes nothing:
its arrival is undone, the entity's state given back exactly as it was (`undo_arrival`). One refused
from the queue (its sender was answered 202) reads DEAD with why, at the version the entity had before
it (`reject`). Either way a valid older event is then still welcome instead of being dropped as
superseded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from connector.envelope import EntityRef
from connector.state._dynamo import from_item, now_iso, to_item
from connector.state.event_writes import EventWrites, Write, key_of

STATE_SK = "STATE"
# The source version of an entity no accepted event has set yet (sorts before every real version).
NO_VERSION = ""
# What an arrival (`received_write`) replaces in the state, kept beside it as `previous_<name>` (with
# `previous_version`) by that same write, so that an event refused after its arrival gives the entity
# back exactly the state it had (`undo_arrival`). Kept in the arrival's own write: reading the state
# before it would cost every accepted event a round trip (tests/.../test_dynamodb_round_trips.py).
REPLACED = ("status", "event_id", "event_type", "attempts", "last_error", "updated_at", "queue_url", "envelope")
# The state's envelope is kept only beside a new one of at most this many bytes: two envelopes of
# bodies near 256 KiB would pass DynamoDB's 400 KB item limit
# (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html), and the
# arrival would then fail for good. A refused event larger than this leaves the entity without an
# envelope (the reconciler and the backfill skip such a state) rather than with its own.
KEPT_ENVELOPE_BYTES = 100_000


# A `previous_<name>` the arrival did not keep (an envelope too large to keep beside the new one).
_ABSENT = {"NULL": True}


class SyncStatus(StrEnum):
    RECEIVED = "RECEIVED"  # accepted, being processed now
    QUEUED = "QUEUED"  # waiting in the queue (async mode or a retry)
    SYNCED = "SYNCED"  # Salesforce holds it
    DEAD = "DEAD"  # given up: in the DLQ (or refused back to the sender), last_error says why
    IGNORED = "IGNORED"  # valid, but nothing for the connector to do; last_error says why
    # A backfilled record Salesforce refused (no event, so no DLQ), or a Salesforce change a platform
    # refused part of (a field value it does not take): last_error holds why; the next backfill or a
    # live event of the entity tries it again.
    FAILED = "FAILED"


@dataclass
class SyncState:
    ref: EntityRef
    status: SyncStatus
    source_version: str
    event_id: str
    event_type: str = ""
    attempts: int = 0
    last_error: str | None = None
    salesforce_ids: dict[str, str] = field(default_factory=dict)
    queue_url: str | None = None
    envelope: str | None = None
    created_at: str = ""
    updated_at: str = ""

    def public(self) -> dict[str, Any]:
        """What GET /v1/sync/... shows: no payload (it holds personal data)."""
        return {
            "source": self.ref.source,
            "entity": self.ref.entity,
            "key": self.ref.key,
            "status": self.status.value,
            "source_version": self.source_version,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "salesforce_ids": self.salesforce_ids,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class StaleEvent(Exception):
    """A newer version of the entity has already been accepted."""

    def __init__(self, current: SyncState | None) -> None:
        super().__init__("a newer version of this entity was already accepted")
        self.current = current


class SyncStateStore:
    def __init__(self, table_name: str, client: Any, writes: EventWrites | None = None) -> None:
        self._table = table_name
        self._ddb = client
        # Transitions join the event's last write while an event collects its writes.
        self._writes = writes or EventWrites(client)

    def get(self, ref: EntityRef) -> SyncState | None:
        resp = self._ddb.get_item(
            TableName=self._table, Key=to_item({"pk": ref.pk, "sk": STATE_SK}), ConsistentRead=True
        )
        return self._to_state(resp["Item"]) if "Item" in resp else None

    def get_many(self, refs: list[EntityRef]) -> dict[str, SyncState]:
        """The states of several entities by their pk, in one BatchGetItem per 100 (consistent, as `get`)."""
        found: dict[str, SyncState] = {}
        unique = list(dict.fromkeys(ref.pk for ref in refs))
        for start in range(0, len(unique), 100):
            keys = [to_item({"pk": pk, "sk": STATE_SK}) for pk in unique[start : start + 100]]
            request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
            while request:
                resp = self._ddb.batch_get_item(RequestItems=request)
                for item in resp.get("Responses", {}).get(self._table, []):
                    found[from_item(item)["pk"]] = self._to_state(item)
                request = resp.get("UnprocessedKeys") or {}
        return found

    def record_received(
        self,
        ref: EntityRef,
        *,
        version: str,
        event_id: str,
        event_type: str,
        envelope: str,
        queue_url: str,
        status: SyncStatus = SyncStatus.RECEIVED,
    ) -> SyncState:
        """Claim the entity for this event's version; raises StaleEvent if a newer one got there first."""
        return self.record(
            self.received_write(
                ref,
                version=version,
                event_id=event_id,
                event_type=event_type,
                envelope=envelope,
                queue_url=queue_url,
                status=status,
            )
        )

    def record(self, received: Write) -> SyncState:
        """Make a `received_write` alone; raises StaleEvent (with the newer state) if its condition fails."""
        try:
            resp = self._ddb.update_item(**received.item["Update"], ReturnValues="ALL_NEW")
        except self._ddb.exceptions.ConditionalCheckFailedException as exc:
            raise StaleEvent(self.state_of(exc.response.get("Item"))) from exc
        return self._to_state(resp["Attributes"])

    def received_write(
        self,
        ref: EntityRef,
        *,
        version: str,
        event_id: str,
        event_type: str,
        envelope: str,
        queue_url: str,
        status: SyncStatus = SyncStatus.RECEIVED,
    ) -> Write:
        """`record_received` as a write of a transaction: its condition failing means StaleEvent,
        and the state as it was comes back with the failure (`state_of`), so no read is needed."""
        now = now_iso()
        # What `undo_arrival` (and `reject`) give back if this event is refused: the operands are
        # read from the item as it was before this write. NULL: the state had no such attribute.
        kept = [n for n in REPLACED if n != "envelope" or len(envelope.encode()) <= KEPT_ENVELOPE_BYTES]
        snapshot = "".join(f", previous_{name} = if_not_exists(#{name}, :null)" for name in kept)
        removes = "" if "envelope" in kept else ", previous_envelope"
        return Write(
            {
                "Update": {
                    "TableName": self._table,
                    "Key": self._key(ref),
                    "UpdateExpression": (
                        "SET #status = :status, source_version = :v, #event_id = :e, #event_type = :t, "
                        "#envelope = :env, #queue_url = :q, #updated_at = :now, "
                        "created_at = if_not_exists(created_at, :now), "
                        "#source = :source, entity = :entity, entity_key = :key, #attempts = :zero, "
                        f"previous_version = if_not_exists(source_version, :none){snapshot} "
                        f"REMOVE #last_error{removes}"
                    ),
                    "ConditionExpression": "attribute_not_exists(source_version) OR source_version <= :v",
                    "ExpressionAttributeNames": {"#source": "source", **{f"#{name}": name for name in REPLACED}},
                    "ExpressionAttributeValues": {":null": {"NULL": True}}
                    | to_item(
                        {
                            ":status": status.value,
                            ":v": version,
                            ":e": event_id,
                            ":t": event_type,
                            ":env": envelope,
                            ":q": queue_url,
                            ":now": now,
                            ":source": ref.source,
                            ":entity": ref.entity,
                            ":key": ref.key,
                            ":zero": 0,
                            ":none": NO_VERSION,
                        }
                    ),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            key_of(self._table, self._key(ref)),
        )

    def state_of(self, item: dict[str, Any] | None) -> SyncState | None:
        """The state an item (as a failed condition returned it) holds."""
        return self._to_state(item) if item and "source_version" in item else None

    def _key(self, ref: EntityRef) -> dict[str, Any]:
        return to_item({"pk": ref.pk, "sk": STATE_SK})

    def transition(
        self,
        ref: EntityRef,
        *,
        version: str,
        status: SyncStatus,
        attempts: int | None = None,
        error: str | None = None,
        salesforce_ids: dict[str, str] | None = None,
    ) -> bool:
        """Move the entity to `status`, unless a newer version took it over meanwhile (then False)."""
        names = {"#status": "status"}
        values: dict[str, Any] = {":status": status.value, ":v": version, ":now": now_iso()}
        sets = ["#status = :status", "updated_at = :now"]
        removes = []
        if attempts is not None:
            sets.append("attempts = :attempts")
            values[":attempts"] = attempts
        if error is not None:
            sets.append("last_error = :err")
            values[":err"] = error[:1000]
        elif status is SyncStatus.SYNCED:
            removes.append("last_error")
        if salesforce_ids:
            sets.append("salesforce_ids = :ids")
            values[":ids"] = salesforce_ids
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        update = {
            "TableName": self._table,
            "Key": self._key(ref),
            "UpdateExpression": expression,
            "ConditionExpression": "source_version = :v",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
        }
        # While an event collects its writes this is made with its last write (True then: a
        # transition overtaken by a newer version is left out there, as it would be here).
        return self._writes.write(Write({"Update": update}, key_of(self._table, self._key(ref)), optional=True))

    def undo_arrival(self, ref: EntityRef, *, version: str, event_id: str) -> bool:
        """The event at `version` was refused back to its sender right after its arrival: the entity
        gets back exactly the state it had before it (none, if it had none), unless another event took
        the entity over meanwhile (then False, nothing changed). One call when the entity had no
        state, two when it had one (the second restores what the arrival kept of it)."""
        key = self._key(ref)
        ours = to_item({":v": version, ":e": event_id})
        try:
            self._ddb.delete_item(
                TableName=self._table,
                Key=key,
                ConditionExpression="source_version = :v AND event_id = :e AND previous_version = :none",
                ExpressionAttributeValues=ours | to_item({":none": NO_VERSION}),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return True
        except self._ddb.exceptions.ConditionalCheckFailedException as exc:
            current: dict[str, Any] = exc.response.get("Item") or {}
        if current.get("source_version") != ours[":v"] or current.get("event_id") != ours[":e"]:
            return False  # not ours any more: another event's state, not to be touched
        if "previous_version" not in current:
            return False  # not written by an arrival that keeps what it replaces
        sets = {"source_version": current["previous_version"]}
        sets |= {name: value for name in REPLACED if "NULL" not in (value := current.get(f"previous_{name}", _ABSENT))}
        removes = [name for name in REPLACED if name not in sets]
        expression = "SET " + ", ".join(f"#{n} = :{n}" for n in sets)
        expression += " REMOVE " + ", ".join(f"#{n}" for n in removes) if removes else ""
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression=expression,
                ConditionExpression="#source_version = :v AND #event_id = :e",
                ExpressionAttributeNames={f"#{n}": n for n in (*sets, *removes, "event_id")},
                ExpressionAttributeValues={f":{n}": value for n, value in sets.items()} | ours,
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def reject(self, ref: EntityRef, *, version: str, event_id: str, attempts: int, error: str) -> bool:
        """The event at `version`, run from the queue, was refused and wrote nothing: the state says
        DEAD with why, and the entity's source version goes back to what it was before that event,
        unless another event took the entity over meanwhile (then False, nothing changed)."""
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key=to_item({"pk": ref.pk, "sk": STATE_SK}),
                UpdateExpression=(
                    "SET #status = :status, attempts = :attempts, last_error = :err, updated_at = :now, "
                    # A state recorded before previous_version existed keeps its version.
                    "source_version = if_not_exists(previous_version, source_version)"
                ),
                ConditionExpression="source_version = :v AND event_id = :e",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(
                    {
                        ":status": SyncStatus.DEAD.value,
                        ":attempts": attempts,
                        ":err": error[:1000],
                        ":now": now_iso(),
                        ":v": version,
                        ":e": event_id,
                    }
                ),
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def put_many(self, states: list[SyncState]) -> None:
        """Write whole states, 25 per BatchWriteItem, unconditionally: the caller (a backfill) read the
        versions just before and keeps only those its own version is not older than. BatchWriteItem
        takes no condition, and one conditional UpdateItem per record would cost a backfill of 10,000
        records 10,000 calls; the window left is the caller's to close (it re-reads after)."""
        now = now_iso()
        items = [
            to_item(
                {
                    "pk": state.ref.pk,
                    "sk": STATE_SK,
                    "status": state.status.value,
                    "source_version": state.source_version,
                    "event_id": state.event_id,
                    "event_type": state.event_type,
                    "attempts": state.attempts,
                    "last_error": state.last_error[:1000] if state.last_error else None,
                    "salesforce_ids": state.salesforce_ids or None,
                    "source": state.ref.source,
                    "entity": state.ref.entity,
                    "entity_key": state.ref.key,
                    "created_at": state.created_at or now,
                    "updated_at": now,
                }
            )
            for state in states
        ]
        for start in range(0, len(items), 25):
            request: dict[str, Any] = {self._table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
            while request:
                resp = self._ddb.batch_write_item(RequestItems=request)
                request = resp.get("UnprocessedItems") or {}

    def stuck(self, status: SyncStatus, older_than: str, limit: int = 100) -> list[SyncState]:
        """Entities left in `status` since before `older_than` (the reconciler's query, on the GSI)."""
        resp = self._ddb.query(
            TableName=self._table,
            IndexName="ByStatus",
            KeyConditionExpression="#status = :status AND updated_at < :before",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item({":status": status.value, ":before": older_than}),
            Limit=limit,
        )
        return [self._to_state(item) for item in resp.get("Items", [])]

    def dead_since(self, since: str) -> Iterator[SyncState]:
        """Entities DEAD since `since` (on the GSI, every page): what the operator CLI joins its
        dead-letter messages to, for their entity and their error."""
        pages = self._ddb.get_paginator("query").paginate(
            TableName=self._table,
            IndexName="ByStatus",
            KeyConditionExpression="#status = :status AND updated_at >= :since",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item({":status": SyncStatus.DEAD.value, ":since": since}),
        )
        for page in pages:
            yield from (self._to_state(item) for item in page.get("Items", []))

    @staticmethod
    def _to_state(item: dict[str, Any]) -> SyncState:
        data = from_item(item)
        return SyncState(
            ref=EntityRef(data["source"], data["entity"], data["entity_key"]),
            status=SyncStatus(data["status"]),
            source_version=data["source_version"],
            event_id=data.get("event_id", ""),
            event_type=data.get("event_type", ""),
            attempts=int(data.get("attempts", 0)),
            last_error=data.get("last_error"),
            salesforce_ids=dict(data.get("salesforce_ids") or {}),
            queue_url=data.get("queue_url"),
            envelope=data.get("envelope"),
            created_at=data.get("created_at", ""),
            updated_at=data.get("updated_at", ""),
        )
