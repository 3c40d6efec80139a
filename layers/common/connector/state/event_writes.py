"""The DynamoDB writes of one event, made together in one round trip at its end.

While an event is handled (between `begin` and `end`), the stores that support it (sync state
transitions, claim releases, identity-map entries) hand their writes here instead of making them,
and the event's last write (its idempotency record's completion) takes them all in one
`TransactWriteItems`: one round trip instead of one per item, and all or nothing, so that the sync
state never says SYNCED without the identity map and the stored answer that go with it.

A write whose condition is only a guard (`optional`: a transition for a version another event has
since taken over, a claim no longer ours) is left out when its condition fails, and the others are
written without it: that is what the same write made alone would have done. One item is written with
its own plain call (a transaction of one costs twice the capacity for nothing). Two writes of one
item in an event: the later replaces the earlier (a transaction may name an item once, holds at most
100 actions and 4 MB, and its actions are authorised as the PutItem/UpdateItem/DeleteItem they stand
for: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connector.errors import TransientError

# TransactWriteItems takes at most 100 items: more (a queue batch's writes) go in several, each atomic.
MAX_TRANSACTION_ITEMS = 100
# DynamoDB cancels a transaction that meets another one on the same item (TransactionConflict);
# written again a moment later, it sees the other's result. Beyond this, the caller is told to retry.
CONFLICT_RETRIES = 3
CONFLICT_BACKOFF_SECONDS = 0.05
# Cancellation reasons that no retry changes (the others are a condition, a conflict or throttling).
CANNOT_BE_MADE = frozenset({"ValidationError", "ItemCollectionSizeLimitExceeded"})


@dataclass
class Write:
    """One item of a TransactWriteItems request ({"Put": ...}, {"Update": ...} or {"Delete": ...})."""

    item: dict[str, Any]
    key: tuple[str, ...]
    optional: bool = False
    # Told when an optional write was left out because its condition failed.
    on_skipped: Callable[[], None] | None = None

    @property
    def operation(self) -> str:
        return next(iter(self.item))


@dataclass
class Cancelled(Exception):
    """A non-optional write's condition failed: the transaction wrote nothing. `reasons` are
    DynamoDB's, one per write (with the item as it was, when the write asked for ALL_OLD)."""

    writes: list[Write]
    reasons: list[dict[str, Any]] = field(default_factory=list)

    def failed(self, index: int) -> dict[str, Any] | None:
        reason = self.reasons[index] if index < len(self.reasons) else {}
        return reason if reason.get("Code") == "ConditionalCheckFailed" else None


def key_of(table: str, item_key: dict[str, Any]) -> tuple[str, ...]:
    """An item's identity across tables, from its key attributes (low-level format)."""
    return (table, *(f"{name}={next(iter(value.values()))}" for name, value in sorted(item_key.items())))


class EventWrites:
    def __init__(self, client: Any) -> None:
        self._ddb = client
        self._pending: list[Write] | None = None
        # Bumped at every `begin`: what a store cached for one event is not trusted by the next.
        self.generation = 0

    @property
    def collecting(self) -> bool:
        return self._pending is not None

    def begin(self) -> None:
        self._pending = []
        self.generation += 1

    def end(self) -> list[Write]:
        """Stop collecting; the writes not made yet (normally none: the last write took them)."""
        pending, self._pending = self._pending or [], None
        self.generation += 1
        return pending

    def write(self, write: Write) -> bool:
        """Made now, or (while collecting) with the event's last write. False when an optional
        write made now was left out (its condition failed)."""
        if self._pending is not None:
            self._pending = [w for w in self._pending if w.key != write.key] + [write]
            return True
        skipped: list[Write] = []
        self.commit([write], skipped)
        return not skipped

    def pending(self, key: tuple[str, ...]) -> Write | None:
        """The write of this item waiting for the event's last write, if any."""
        return next((w for w in self._pending or [] if w.key == key), None)

    def discard(self, key: tuple[str, ...]) -> None:
        """A pending write of this item is no longer wanted."""
        if self._pending is not None:
            self._pending = [w for w in self._pending if w.key != key]

    def commit_pending(self, *last: Write) -> list[Write]:
        """Make the pending writes, with `last` (written after them, replacing any of one item), in
        one round trip. Collecting goes on (the event may still write); returns those skipped."""
        pending = self._pending or []
        if self._pending is not None:
            self._pending = []
        keys = {w.key for w in last}
        skipped: list[Write] = []
        self.commit([w for w in pending if w.key not in keys] + list(last), skipped)
        return skipped

    def commit(self, writes: list[Write], skipped: list[Write] | None = None) -> None:
        """Write all of `writes`, or raise Cancelled (nothing written) if a non-optional one's
        condition failed. Optional writes whose condition failed are left out (and appended to `skipped`)."""
        skipped = [] if skipped is None else skipped
        if len(writes) > MAX_TRANSACTION_ITEMS:
            for start in range(0, len(writes), MAX_TRANSACTION_ITEMS):
                self.commit(writes[start : start + MAX_TRANSACTION_ITEMS], skipped)
            return
        remaining = list(writes)
        for attempt in range(CONFLICT_RETRIES + 1):
            if not remaining:
                return
            if len(remaining) == 1:
                if not self._one(remaining[0]):
                    skipped.append(remaining[0])
                    _tell_skipped(remaining[0])
                return
            try:
                self._ddb.transact_write_items(TransactItems=[w.item for w in remaining])
                return
            except self._ddb.exceptions.TransactionCanceledException as exc:
                reasons = list(exc.response.get("CancellationReasons") or [])
                if any(r.get("Code") in CANNOT_BE_MADE for r in reasons):
                    raise  # no retry makes it: an item over 400 KB, an item collection full
            failed = [w for w, r in zip(remaining, reasons, strict=False) if r.get("Code") == "ConditionalCheckFailed"]
            if any(not w.optional for w in failed):
                raise Cancelled(remaining, reasons)
            if failed:
                for w in failed:
                    skipped.append(w)
                    _tell_skipped(w)
                remaining = [w for w in remaining if w not in failed]
                continue
            # Not a condition: another transaction on one of these items (TransactionConflict), or
            # throttling. The same writes again shortly.
            time.sleep(CONFLICT_BACKOFF_SECONDS * (attempt + 1))
        raise TransientError("DynamoDB: the event's writes kept meeting concurrent ones")

    def _one(self, write: Write) -> bool:
        """One write with its own call; False if it was optional and its condition failed."""
        operation, params = write.operation, write.item[write.operation]
        call = {"Put": self._ddb.put_item, "Update": self._ddb.update_item, "Delete": self._ddb.delete_item}
        try:
            call[operation](**params)
        except self._ddb.exceptions.ConditionalCheckFailedException as exc:
            if not write.optional:
                raise Cancelled([write], [{"Code": "ConditionalCheckFailed", **_old_item(exc)}]) from exc
            return False
        return True


def _tell_skipped(write: Write) -> None:
    if write.on_skipped is not None:
        write.on_skipped()


def _old_item(exc: Any) -> dict[str, Any]:
    item = exc.response.get("Item")
    return {"Item": item} if item else {}
