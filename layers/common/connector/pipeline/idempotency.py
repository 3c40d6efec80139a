"""Powertools idempotency, its two writes joined with the event's own: one round trip each.

An event's DynamoDB round trips, real time (issue 12; counted by `bench/api_calls.py`, pinned by
tests/integration/triggers/test_dynamodb_round_trips.py):

1. intake: one TransactWriteItems of the idempotency record (Powertools' in-progress record, with its
   own condition), the sync state (conditional on the version: never older over newer) and, when the
   event is to run now, its entity's claim (create-once, one event per entity at a time). The three
   guard the same delivery, so they are written all or nothing: a duplicate writes no state, a stale
   event takes no claim.
2. the workflow's identity-map reads, in one BatchGetItem where the workflow says what it will need
   (`IdentityMap.prefetch`); a workflow may add a claim of its own (a new email's Contact) or a read.
3. completion: one TransactWriteItems of Powertools' completed record (the answer every later delivery
   gets), the sync state's new status, the claim's release and the identity-map entries that changed
   (`EventWrites`), all or nothing.

Not counted above: a container that has had no Salesforce answer for a minute reads the org's shared API
usage (one GetItem, connector.crm.api_budget) and stores its own at most once a minute (one PutItem);
a duplicate delivery costs the intake's one call (its condition fails on the idempotency record,
which comes back with the failure); a stale event two (the intake, then the idempotency record alone).
An event its workflow refuses (422, 404, 409) leaves nothing behind (issue 11): after the intake, its
sync state is undone (one conditional DeleteItem when the entity had no state; when it had one, a
second call, an UpdateItem, gives it back from what the intake kept of it), then one TransactWriteItems
deletes its idempotency record with its claim's release: three calls, or four (one more than its
accepted twin).
A queue batch has its own list (`Processor.process_batch`).

Powertools keeps its logic (keys, payload validation, in-progress expiry, replayed answers): only
the client it writes with is ours, and it joins the event's writes to the calls Powertools makes
(`put_item` for the in-progress record, `update_item` for the completed one). A condition that fails
on the idempotency record comes back to Powertools exactly as its own `put_item` reports it (the
record as it was included), so a repeated event is answered as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from connector.errors import TransientError
from connector.observability import logger
from connector.state.event_writes import Cancelled, EventWrites, Write, key_of
from connector.state.sync_state import SyncState

# Powertools' DynamoDB record key attribute (DynamoDBPersistenceLayer's default, the template's key).
IDEMPOTENCY_KEY_ATTR = "id"
# Attempts at an intake whose writes keep meeting another event's (each resolves one condition).
INTAKE_ATTEMPTS = 3


class IntakeOutcome(StrEnum):
    CLAIMED = "claimed"  # state recorded, entity claimed: run now
    RECORDED = "recorded"  # state recorded (queued, deferred): no claim wanted
    BUSY = "busy"  # state recorded, but another event holds the entity: queued for retry
    STALE = "stale"  # a newer version holds the state: nothing written but the idempotency record


@dataclass
class Intake:
    """What a sync event writes on arrival beside its idempotency record. `outcome` stays None
    until it is written (the processor then writes it itself, as when no idempotency record is made)."""

    received: Write
    claim: Write | None
    state_of: Callable[[dict[str, Any] | None], SyncState | None]
    pressure: Any = None  # the API usage reading that defers the event, if any
    outcome: IntakeOutcome | None = None
    current: SyncState | None = None  # the state that made it stale


class JoinedWritesClient:
    """The DynamoDB client Powertools' persistence layer writes with: its in-progress record joins the
    event's intake, its completed record the event's pending writes. Reads and everything else are
    the real client's."""

    def __init__(self, client: Any, writes: EventWrites) -> None:
        self._client = client
        self._writes = writes
        self.intake: Intake | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def put_item(self, **put: Any) -> dict[str, Any]:
        intake, self.intake = self.intake, None
        if intake is None:
            return dict(self._client.put_item(**put))
        return self._take_intake(intake, put)

    def update_item(self, **update: Any) -> dict[str, Any]:
        completed = Write({"Update": update}, key_of(update["TableName"], update["Key"]))
        self._writes.commit_pending(completed)
        return {}

    def delete_item(self, **delete: Any) -> dict[str, Any]:
        # The event was refused (NotRemembered), or failed unexpectedly, and Powertools drops its
        # record so that a repeat runs again: what the event wrote meanwhile (its claim's release,
        # identity-map entries) is made with the deletion, in one round trip. Were that refused, the
        # record is still deleted alone (a stuck in-progress record would answer 409 until it expires).
        record = Write({"Delete": delete}, (delete["TableName"], str(delete["Key"].get(IDEMPOTENCY_KEY_ATTR))))
        try:
            self._writes.commit_pending(record)
            return {}
        except Exception as exc:
            logger.warning("an event's pending writes could not be made", extra={"error": type(exc).__name__})
        return dict(self._client.delete_item(**delete))

    def _take_intake(self, intake: Intake, put: dict[str, Any]) -> dict[str, Any]:
        record = Write({"Put": put}, (put["TableName"], str(put["Item"].get(IDEMPOTENCY_KEY_ATTR))))
        claim = intake.claim
        for _ in range(INTAKE_ATTEMPTS):
            try:
                self._writes.commit([record, intake.received, *([claim] if claim else [])])
            except Cancelled as cancelled:
                if (existing := cancelled.failed(0)) is not None:
                    # A delivery of this event came first: told to Powertools as its put_item would.
                    raise _condition_failed(existing.get("Item")) from cancelled
                if (newer := cancelled.failed(1)) is not None:
                    # Stale: only the idempotency record is written (its answer is kept all the same).
                    intake.outcome, intake.current = IntakeOutcome.STALE, intake.state_of(newer.get("Item"))
                    return dict(self._client.put_item(**put))
                if claim is not None and cancelled.failed(2) is not None:
                    claim = None  # another event holds the entity: recorded without the claim
                    continue
                raise
            if intake.claim is None:
                intake.outcome = IntakeOutcome.RECORDED
            else:
                intake.outcome = IntakeOutcome.CLAIMED if claim is not None else IntakeOutcome.BUSY
            return {}
        raise TransientError("DynamoDB: the event's intake kept meeting concurrent writes")


def _condition_failed(item: dict[str, Any] | None) -> ClientError:
    response: dict[str, Any] = {"Error": {"Code": "ConditionalCheckFailedException", "Message": "condition failed"}}
    if item:
        response["Item"] = item
    return ClientError(response, "PutItem")  # type: ignore[arg-type]
