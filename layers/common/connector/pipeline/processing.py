"""What happens to an event once it is known to be authentic and well formed.

`accept` serves a sync event on the HttpApi path (run now, or queue), `execute` a command (answer
now, or queue it when it may complete later), `process_batch` the SQS path for both (retry with
backoff, dead-letter what cannot succeed). The sync state follows every attempt, and every status
change is counted (EventsSynced, EventsQueued, EventsDead, EventsIgnored).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from pydantic import BaseModel

from connector import observability as obs
from connector.envelope import Command, EntityRef, Envelope, Outcome, sync_key
from connector.errors import EntityBusy, IneligibleEvent, RefusedByPlatform, ReplicationLag, TransientError
from connector.observability import logger, traced
from connector.pipeline.failures import (
    DEFERRED,
    WAITING_FOR_REPLICATION,
    Verdict,
    error_text,
    raised_at,
    rejection,
    verdict,
)
from connector.pipeline.handlers import CommandHandler, EventHandler, Handler
from connector.pipeline.idempotency import Intake, IntakeOutcome
from connector.pipeline.responses import Answer, errors, ignored, message, queued, synced, unavailable
from connector.salesforce.limits import ApiUsage
from connector.services import Services
from connector.services.work_queue import backoff_seconds
from connector.state.sync_state import StaleEvent, SyncState, SyncStatus

_COUNTERS = {
    SyncStatus.SYNCED: obs.EVENTS_SYNCED,
    SyncStatus.QUEUED: obs.EVENTS_QUEUED,
    SyncStatus.DEAD: obs.EVENTS_DEAD,
    SyncStatus.IGNORED: obs.EVENTS_IGNORED,
    SyncStatus.FAILED: obs.EVENTS_FAILED,
}


class NotRemembered(Exception):
    """An answer the idempotency store must not keep (a retry should run the command again)."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.status)
        self.answer = answer


@dataclass(frozen=True)
class QueuedMessage:
    message_id: str
    receipt_handle: str
    receive_count: int
    event: Envelope


class Processor:
    def __init__(self, services: Services, handlers: dict[str, Handler]) -> None:
        self.services = services
        self.handlers = handlers

    # -- HttpApi: sync events -------------------------------------------------------------------
    def intake(self, event: Envelope, *, defer: bool = False) -> Intake:
        """What the event writes on arrival, to be written with its idempotency record (see
        connector.pipeline.idempotency): its sync state, and its entity's claim if it runs now."""
        s = self.services
        in_async_mode = s.settings.sync_mode == "async" or defer
        # Past the threshold of the org's daily API allocation: queued (202), no call spent.
        pressure = None if in_async_mode else s.api_budget.over_threshold()
        waits = in_async_mode or pressure is not None
        ref = self._ref(event)
        received = s.sync_state.received_write(
            ref,
            version=event.version,
            event_id=event.event_id,
            event_type=event.event_type,
            envelope=event.compact_json(),
            queue_url=s.settings.queue_url,
            status=SyncStatus.QUEUED if waits else SyncStatus.RECEIVED,
        )
        # One event per entity at a time: a queued retry of an older version must not write after us.
        claim = None if waits else s.claims.acquire_write("entity", ref.pk, event.event_id)
        return Intake(received, claim, s.sync_state.state_of, pressure=pressure)

    def accept(self, event: Envelope, *, defer: bool = False, intake: Intake | None = None) -> Answer:
        """Record, then sync now or queue (always, when `defer`: the caller cannot wait); the answer is
        what every later delivery will get too, but a refusal's (NotRemembered: it leaves nothing
        behind). `intake` is the arrival's writes, made already with the idempotency record; else
        they are made here."""
        s = self.services
        handler = self.handlers[event.event_type]
        assert isinstance(handler, EventHandler)
        ref = self._ref(event)
        in_async_mode = s.settings.sync_mode == "async" or defer
        intake = intake or self.intake(event, defer=defer)
        if intake.outcome is None:
            self._take_intake(event, ref, intake)
        if intake.outcome is IntakeOutcome.STALE:
            logger.info("stale event skipped", extra={"entity": ref.entity})
            return synced(event.event_id, intake.current.salesforce_ids if intake.current else {}, stale=True)
        if in_async_mode:
            self._enqueue(event)
            obs.count(obs.EVENTS_QUEUED)
            return queued(event.event_id)
        if intake.pressure is not None:
            self._defer(event, ref, attempts=0, reason=self._usage_text(intake.pressure))
            return queued(event.event_id)
        if intake.outcome is IntakeOutcome.BUSY:
            return self._queue_for_retry(event, ref, attempts=0, error="entity busy")
        try:
            result = self._run(handler, event)
        finally:
            s.claims.release("entity", ref.pk, event.event_id)
        if isinstance(result, Exception):
            return self._answer_failure(event, ref, result)
        outcome = result if isinstance(result, Outcome) else Outcome(ids={})
        self._mark(event, ref, SyncStatus.SYNCED, attempts=1, salesforce_ids=outcome.ids)
        return synced(event.event_id, outcome.ids, **outcome.detail)

    def _take_intake(self, event: Envelope, ref: EntityRef, intake: Intake) -> None:
        """The arrival's writes made one by one: the state, then the claim."""
        s = self.services
        try:
            s.sync_state.record(intake.received)
        except StaleEvent as stale:
            intake.outcome, intake.current = IntakeOutcome.STALE, stale.current
            return
        if intake.claim is None:
            intake.outcome = IntakeOutcome.RECORDED
        elif s.claims.acquire("entity", ref.pk, event.event_id):
            intake.outcome = IntakeOutcome.CLAIMED
        else:
            intake.outcome = IntakeOutcome.BUSY

    def _answer_failure(self, event: Envelope, ref: EntityRef, exc: Exception) -> Answer:
        match verdict(exc):
            case Verdict.IGNORE:
                assert isinstance(exc, IneligibleEvent)
                self._mark(event, ref, SyncStatus.IGNORED, attempts=1, error=exc.reason)
                return ignored(event.event_id, exc.reason)
            case Verdict.FAIL:
                # Nothing the sender did was wrong: accepted, and the sync state says what was refused.
                assert isinstance(exc, RefusedByPlatform)
                self._mark(event, ref, SyncStatus.FAILED, attempts=1, error=exc.reason)
                return queued(event.event_id)
            case Verdict.REJECT:
                # The sender's to fix, and a refused request writes nothing (issue 11): the arrival's
                # sync state is undone (the entity's state as it was, or none), and NotRemembered drops
                # the idempotency record with the claim's release, so a repeat is evaluated again and
                # refused the same way. Against an accepted event: one more call when the entity had
                # a state to give back (connector.pipeline.idempotency lists them).
                self.services.sync_state.undo_arrival(ref, version=event.version, event_id=event.event_id)
                status, loc, msg, kind = rejection(exc)
                raise NotRemembered(errors(status, loc, msg, kind))
            case Verdict.DEAD:
                self._dead_letter(event, ref, exc, attempts=1)
                return queued(event.event_id)
            case Verdict.RETRY:
                return self._queue_for_retry(event, ref, attempts=1, error=error_text(exc))
            case Verdict.DEFER:
                self._defer(event, ref, attempts=0, reason=error_text(exc))
                return queued(event.event_id)

    def _queue_for_retry(self, event: Envelope, ref: EntityRef, *, attempts: int, error: str) -> Answer:
        logger.warning("not synced now, queued for retry", extra={"error": error})
        self._enqueue(event, delay=backoff_seconds(1, self.services.settings.retry_base_seconds))
        self._mark(event, ref, SyncStatus.QUEUED, attempts=attempts, error=error)
        return queued(event.event_id)

    # -- HttpApi: commands ----------------------------------------------------------------------
    def execute(self, command: Command) -> Answer:
        """Answer the command now. Raises NotRemembered for answers a retry must not replay."""
        handler = self.handlers[command.event_type]
        assert isinstance(handler, CommandHandler)
        result = self._run(handler, command)
        if isinstance(result, BaseModel):
            obs.count(obs.COMMANDS_ANSWERED)
            return Answer(200, result)
        if not isinstance(result, Exception):
            raise TypeError(f"{command.event_type} answered {type(result).__name__}, not a response model")
        match verdict(result):
            case Verdict.IGNORE:
                assert isinstance(result, IneligibleEvent)
                obs.count(obs.EVENTS_IGNORED)
                return ignored(command.event_id, result.reason)
            case Verdict.REJECT:
                # A refused command writes nothing, its idempotency record included (issue 11): the
                # sender may correct it and send it again under the same event_id, and a repeat as it
                # was is refused again.
                status, loc, msg, kind = rejection(result)
                raise NotRemembered(errors(status, loc, msg, kind))
            case Verdict.DEAD | Verdict.FAIL:
                logger.warning("command refused by its target", extra={"error": error_text(result)})
                return message(502, "the target platform refused the command")
            case Verdict.RETRY | Verdict.DEFER if handler.deferrable:
                self._record(command, SyncStatus.QUEUED)
                return self._queue_for_retry(command, self._ref(command), attempts=1, error=error_text(result))
            case Verdict.RETRY | Verdict.DEFER:
                # The caller is waiting: past the API allocation too, it is told to come back later.
                logger.warning("command target unavailable", extra={"error": error_text(result)})
                raise NotRemembered(unavailable("the target platform is unavailable, retry later"))

    # -- both ----------------------------------------------------------------------------------
    def _ref(self, event: Envelope) -> EntityRef:
        """The entity an event is about, as its sync state, claims and GET /v1/sync/... name it: a
        key that is personal data (an opt-in's email) is replaced by its keyed hash, so that no
        email is ever a DynamoDB key or a request path (access logs keep paths)."""
        ref = event.entity()
        if not event.entity_key_is_personal:
            return ref
        secret = self.services.webhook_secret(ref.source)
        if not secret:
            raise TransientError(f"no {ref.source} webhook secret to key this entity with")
        return EntityRef(ref.source, ref.entity, sync_key(secret, ref.key))

    def _run(self, handler: Handler, event: Envelope) -> object:
        """The workflow's result, or the exception it raised (classified by the caller)."""
        try:
            with traced(event.event_type, event_type=event.event_type):
                return handler.run(event, self.services)
        except Exception as exc:
            if verdict(exc) is Verdict.RETRY and not isinstance(exc, TransientError):
                # Not the caller's doing: never a 500 for it. Retried like a transient failure.
                logger.error("unexpected failure", extra={"error": error_text(exc), "at": raised_at(exc)})
            return exc

    def _mark(
        self,
        event: Envelope,
        ref: EntityRef,
        status: SyncStatus,
        *,
        attempts: int | None,
        error: str | None = None,
        salesforce_ids: dict[str, str] | None = None,
    ) -> None:
        """Move the entity's sync state for this event's version, and count the change."""
        self.services.sync_state.transition(
            ref, version=event.version, status=status, attempts=attempts, error=error, salesforce_ids=salesforce_ids
        )
        obs.count(_COUNTERS[status])
        if status is SyncStatus.SYNCED:
            obs.latency_ms(obs.SYNC_LATENCY, (datetime.now(UTC) - event.occurred_at).total_seconds() * 1000)

    def _record(self, event: Envelope, status: SyncStatus) -> None:
        """Claim the entity's state for this event's version (raises StaleEvent if a newer one holds it)."""
        self.services.sync_state.record_received(
            self._ref(event),
            version=event.version,
            event_id=event.event_id,
            event_type=event.event_type,
            envelope=event.compact_json(),
            queue_url=self.services.settings.queue_url,
            status=status,
        )

    def _enqueue(self, event: Envelope, delay: int = 0) -> None:
        self.services.queue.send(
            event.compact_json(), event_type=event.event_type, event_id=event.event_id, delay_seconds=delay
        )

    def _defer(self, event: Envelope, ref: EntityRef, *, attempts: int | None, reason: str) -> None:
        """Back to the queue for `defer_seconds`, as a new message: a deferral is not an attempt, so
        it never counts towards the queue's maxReceiveCount (nor, with `attempts=None`, the state's)."""
        logger.warning("deferred: the org's API allocation is nearly spent", extra={"reason": reason})
        self._enqueue(event, delay=self.services.settings.config.salesforce.defer_seconds)
        self._mark(event, ref, SyncStatus.QUEUED, attempts=attempts, error=f"{DEFERRED}: {reason}")
        obs.count(obs.EVENTS_DEFERRED)

    def _usage_text(self, usage: ApiUsage) -> str:
        threshold = self.services.settings.config.salesforce.defer_at_api_usage
        return f"API usage {usage.used}/{usage.allocation} is past {threshold:.0%} of the daily allocation"

    def _dead_letter(
        self, event: Envelope, ref: EntityRef, exc: Exception, attempts: int, *, rejected: bool = False
    ) -> None:
        logger.error("permanent failure, dead-lettered", extra={"error": error_text(exc)})
        self.services.queue.dead_letter(
            event.compact_json(), event_type=event.event_type, event_id=event.event_id, error=error_text(exc)
        )
        if rejected:
            self._reject(event, ref, exc, attempts=attempts)
        else:
            self._mark(event, ref, SyncStatus.DEAD, attempts=attempts, error=error_text(exc))

    def _reject(self, event: Envelope, ref: EntityRef, exc: Exception, attempts: int) -> None:
        """DEAD with the reason, and the entity's source version as it was before this event: a
        refused event wrote nothing, so it must not make a valid older event look superseded."""
        self.services.sync_state.reject(
            ref, version=event.version, event_id=event.event_id, attempts=attempts, error=error_text(exc)
        )
        obs.count(_COUNTERS[SyncStatus.DEAD])

    # -- SQS -----------------------------------------------------------------------------------
    def process_batch(self, messages: Sequence[QueuedMessage]) -> dict[str, Exception | None]:
        """Per message id: None when done with it (synced, superseded, ignored or dead-lettered),
        else the error that keeps it on the queue for another attempt.

        DynamoDB round trips of a batch: the messages' sync states in one BatchGetItem; per entity
        run, its claim (one conditional PutItem: each may fail alone); the workflows' identity-map
        reads; then every state transition, claim release and changed identity-map entry of the
        batch in one TransactWriteItems at its end (SQS deletes only what the answer reports done, so
        were the function to die before, the whole batch is delivered again)."""
        writes = self.services.writes
        writes.begin()
        try:
            verdicts = self._process_batch(messages)
            writes.commit_pending()
        finally:
            left = writes.end()
            if left:  # the batch failed before its last write: what it did still stands
                writes.commit(left)
        return verdicts

    def _process_batch(self, messages: Sequence[QueuedMessage]) -> dict[str, Exception | None]:
        s = self.services
        verdicts: dict[str, Exception | None] = {}
        latest: dict[str, QueuedMessage] = {}
        # The messages an entity's newest stands for in this batch (older versions it absorbed): they
        # end as it ends, so that a retry of the newest brings them back too.
        absorbed: dict[str, list[str]] = {}
        states = s.sync_state.get_many([self._ref(msg.event) for msg in messages])
        for msg in messages:
            if self._already_settled(msg, states.get(self._ref(msg.event).pk)):
                verdicts[msg.message_id] = None
                continue
            pk = self._ref(msg.event).pk
            newest = latest.get(pk)
            if newest is not None and newest.event.version >= msg.event.version:
                # An older or equal version in the same batch: the newest wins (standing for it too,
                # when it carries only what changed and absorbed the older's changes).
                self._absorb(latest, absorbed, verdicts, pk, newest, msg)
                continue
            if newest is not None:
                self._absorb(latest, absorbed, verdicts, pk, msg, newest)
                continue
            latest[pk] = msg

        # Past the threshold of the org's daily API allocation: each waits again, no call spent.
        pressure = s.api_budget.over_threshold() if latest else None
        if pressure is not None:
            for msg in latest.values():
                # Deferred as merged: the event queued again stands for the messages it absorbed.
                self._defer(msg.event, self._ref(msg.event), attempts=None, reason=self._usage_text(pressure))
                verdicts[msg.message_id] = None
            return self._as_their_newest(verdicts, latest, absorbed)

        runnable: dict[Handler, list[QueuedMessage]] = {}
        held: list[QueuedMessage] = []
        for msg in latest.values():
            if s.claims.acquire("entity", self._ref(msg.event).pk, msg.event.event_id):
                held.append(msg)
                runnable.setdefault(self.handlers[msg.event.event_type], []).append(msg)
            else:
                verdicts[msg.message_id] = self._settle(msg, EntityBusy("entity busy"))
        try:
            for handler, group in runnable.items():
                results = self._run_group(handler, [m.event for m in group])
                for msg, result in zip(group, results, strict=True):
                    verdicts[msg.message_id] = self._settle(msg, result)
        finally:
            for msg in held:
                s.claims.release("entity", self._ref(msg.event).pk, msg.event.event_id)
        return self._as_their_newest(verdicts, latest, absorbed)

    @staticmethod
    def _absorb(
        latest: dict[str, QueuedMessage],
        absorbed: dict[str, list[str]],
        verdicts: dict[str, Exception | None],
        pk: str,
        newer: QueuedMessage,
        older: QueuedMessage,
    ) -> None:
        merged = newer.event.absorbing(older.event)
        latest[pk] = replace(newer, event=merged) if merged is not newer.event else newer
        if merged is newer.event:
            verdicts[older.message_id] = None  # the newer alone says everything: the older is done
        else:
            absorbed.setdefault(pk, []).append(older.message_id)

    def _as_their_newest(
        self, verdicts: dict[str, Exception | None], latest: dict[str, QueuedMessage], absorbed: dict[str, list[str]]
    ) -> dict[str, Exception | None]:
        """The messages an entity's newest absorbed end as it ends: done with it, or retried with it."""
        for pk, msg in latest.items():
            for message_id in absorbed.get(pk, ()):
                verdicts[message_id] = verdicts.get(msg.message_id)
        return verdicts

    def _carry_on_waiting(self, msg: QueuedMessage, lag: ReplicationLag) -> None:
        """The queue's attempts ran out inside a platform's replication-lag window: the window, not
        maxReceiveCount, decides when to give up, so a fresh message carries the event on and this
        one is done (the workflow dead-letters it once the window has passed). The state's error says
        so: the reconciler must not take its spent attempts for work given up on."""
        event = msg.event
        left = int((lag.retry_until - datetime.now(UTC)).total_seconds()) + 1
        backoff = backoff_seconds(msg.receive_count, self.services.settings.retry_base_seconds)
        self._enqueue(event, delay=min(backoff, left))
        error = f"{WAITING_FOR_REPLICATION}: {error_text(lag)}"
        self._mark(event, self._ref(event), SyncStatus.QUEUED, attempts=msg.receive_count, error=error)

    def _carry_on_busy(self, msg: QueuedMessage, busy: EntityBusy) -> None:
        event = msg.event
        self._enqueue(event, delay=backoff_seconds(msg.receive_count, self.services.settings.retry_base_seconds))
        # Its waits are not attempts spent (attempts=None): were this message lost, the reconciler
        # re-queues it rather than giving up on it.
        self._mark(event, self._ref(event), SyncStatus.QUEUED, attempts=None, error=error_text(busy))

    def _already_settled(self, msg: QueuedMessage, current: SyncState | None) -> bool:
        """A message whose work is done or overtaken: superseded by a newer version, or an
        at-least-once duplicate of an event already synced. Records one that bypassed intake."""
        event = msg.event
        if current is not None and current.source_version > event.version:
            logger.info("superseded by a newer version, dropped", extra={"event_id": event.event_id})
            return True
        if (
            current is not None
            and current.status in (SyncStatus.SYNCED, SyncStatus.IGNORED, SyncStatus.FAILED)
            and current.event_id == event.event_id
            and current.source_version == event.version
        ):
            return True
        if current is None or current.source_version < event.version:
            # Reached the queue without passing intake (a redrive, a replay): record it first.
            try:
                self._record(event, SyncStatus.QUEUED)
            except StaleEvent:
                return True
        return False

    def _run_group(self, handler: Handler, events: list[Envelope]) -> list[object]:
        if isinstance(handler, EventHandler) and handler.run_many is not None:
            try:
                with traced(f"{events[0].event_type} batch", event_type=events[0].event_type):
                    return list(handler.run_many(events, self.services))
            except Exception as exc:  # a batch-wide failure (the collection call itself): each record retries
                return [exc] * len(events)
        return [self._run(handler, event) for event in events]

    def _settle(self, msg: QueuedMessage, result: object) -> Exception | None:
        event, ref = msg.event, self._ref(msg.event)
        if not isinstance(result, Exception):
            ids = result.ids if isinstance(result, Outcome) else {}
            self._mark(event, ref, SyncStatus.SYNCED, attempts=msg.receive_count, salesforce_ids=ids)
            return None
        match verdict(result):
            case Verdict.IGNORE:
                assert isinstance(result, IneligibleEvent)
                self._mark(event, ref, SyncStatus.IGNORED, attempts=msg.receive_count, error=result.reason)
                return None
            case Verdict.FAIL:
                assert isinstance(result, RefusedByPlatform)
                self._mark(event, ref, SyncStatus.FAILED, attempts=msg.receive_count, error=result.reason)
                return None
            case Verdict.REJECT:
                self._dead_letter(event, ref, result, attempts=msg.receive_count, rejected=True)
                return None
            case Verdict.DEAD:
                self._dead_letter(event, ref, result, attempts=msg.receive_count)
                return None
            case Verdict.DEFER:
                self._defer(event, ref, attempts=None, reason=error_text(result))
                return None
            case Verdict.RETRY:
                last = msg.receive_count >= self.services.settings.max_receive_count
                if last and isinstance(result, ReplicationLag) and datetime.now(UTC) < result.retry_until:
                    self._carry_on_waiting(msg, result)
                    return None
                if last and isinstance(result, EntityBusy):
                    # Another event held what this one needs on each attempt (a user's steady
                    # stream of conversations): a claim's lease bounds every wait, so it carries on
                    # as a fresh message rather than going to the DLQ for having waited.
                    self._carry_on_busy(msg, result)
                    return None
                # On the last attempt SQS's redrive moves the message to the DLQ at its next receive:
                # make that receive immediate, and say DEAD now with the error that killed it.
                delay = 0 if last else backoff_seconds(msg.receive_count, self.services.settings.retry_base_seconds)
                self.services.queue.retry_later(msg.receipt_handle, delay)
                status = SyncStatus.DEAD if last else SyncStatus.QUEUED
                self._mark(event, ref, status, attempts=msg.receive_count, error=error_text(result))
                return result
