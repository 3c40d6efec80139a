"""What happens to an event once it is known to be authentic and well formed.

`accept` serves the HttpApi path (run now, or queue), `process_batch` the SQS path (retry with
backoff, dead-letter what cannot succeed). Both keep the sync state in step with every attempt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from aws_lambda_powertools import Logger

from connector.envelope import Envelope, Outcome
from connector.errors import ConflictError, ConnectorError, MappingError, PermanentError, TransientError
from connector.pipeline.responses import Answer, errors
from connector.salesforce.errors import SalesforceError
from connector.services import Services
from connector.state import EntityRef, StaleEvent, SyncStatus
from connector.work_queue import backoff_seconds

logger = Logger(child=True)

RunOne = Callable[[Any, Services], Outcome]
RunMany = Callable[[Sequence[Any], Services], list[Outcome | Exception]]


@dataclass(frozen=True)
class EventHandler:
    """One event type: its model, and the workflow that syncs it (optionally batch-aware)."""

    model: type[Envelope]
    run: RunOne
    run_many: RunMany | None = None

    @property
    def event_type(self) -> str:
        annotation = self.model.model_fields["event_type"].annotation
        values = get_args(annotation) if getattr(annotation, "__origin__", None) is Literal else ()
        if len(values) != 1:
            raise TypeError(f"{self.model.__name__}.event_type must be a single Literal")
        return str(values[0])

    def run_one(self, event: Envelope, services: Services) -> Outcome:
        """Run the workflow; if Salesforce says an Id it was given no longer exists (merged, deleted),
        forget the identity-map entries it relied on and run it once more with fresh look-ups."""
        services.identities.begin()
        try:
            return self.run(event, services)
        except SalesforceError as exc:
            used = services.identities.used()
            if exc.error_code not in STALE_ID_CODES or not used:
                raise
        logger.warning(
            "identity map entries no longer valid in Salesforce: forgotten, retrying", extra={"n": len(used)}
        )
        for kind, key in used:
            services.identities.forget(kind, key)
        return self.run(event, services)

    def run_batch(self, events: Sequence[Envelope], services: Services) -> list[Outcome | Exception]:
        if self.run_many is not None:
            services.identities.begin()
            try:
                results = self.run_many(events, services)
            except Exception as exc:  # a batch-wide failure (the collection call itself): each record retries
                return [exc] * len(events)
            stale = [
                i for i, r in enumerate(results) if isinstance(r, SalesforceError) and r.error_code in STALE_ID_CODES
            ]
            if not stale:
                return results
            for kind, key in services.identities.used():
                services.identities.forget(kind, key)
            return [self._guarded(events[i], services) if i in stale else r for i, r in enumerate(results)]
        return [self._guarded(event, services) for event in events]

    def _guarded(self, event: Envelope, services: Services) -> Outcome | Exception:
        try:
            return self.run_one(event, services)
        except Exception as exc:  # classified by the caller; one record never fails the batch
            return exc


# Salesforce refusing a value itself (not the org's rules or our configuration): the sender's to fix.
CALLER_DATA_CODES = frozenset(
    {
        "STRING_TOO_LONG",
        "INVALID_EMAIL_ADDRESS",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "NUMBER_OUTSIDE_VALID_RANGE",
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
    }
)
# What Salesforce answers when a record Id it is given does not (or no longer) exist.
STALE_ID_CODES = frozenset(
    {"INVALID_CROSS_REFERENCE_KEY", "ENTITY_IS_DELETED", "FIELD_INTEGRITY_EXCEPTION", "NOT_FOUND"}
)


def _error_text(exc: BaseException) -> str:
    """What logs, sync state and the DLQ may say about a failure: codes and field names, never the
    values (Salesforce and pydantic messages quote them, and they hold emails, names, phones)."""
    name = type(exc).__name__
    if isinstance(exc, SalesforceError):
        fields = sorted({f for d in exc.details for f in d.fields})
        return f"{name}: {exc.operation} -> {exc.status} {exc.error_code}" + (f" fields={fields}" if fields else "")
    if isinstance(exc, MappingError):
        return f"{name}: {exc.loc} {exc.msg}"[:1000]
    if isinstance(exc, ConnectorError) and not isinstance(exc.__cause__, SalesforceError):
        return f"{name}: {exc}"[:1000]  # our own messages, written without personal data
    return name


def _where(exc: BaseException) -> str:
    """file:line where an unexpected error was raised (the traceback's text could quote data)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"


def _synced(event: Envelope, ids: dict[str, str], **extra: Any) -> Answer:
    return Answer(200, {"status": "synced", "event_id": event.event_id, **ids, **extra})


def _queued(event: Envelope) -> Answer:
    return Answer(202, {"status": "queued", "event_id": event.event_id})


class Processor:
    def __init__(self, services: Services, handlers: dict[str, EventHandler]) -> None:
        self.services = services
        self.handlers = handlers

    # -- HttpApi ------------------------------------------------------------------------------
    def accept(self, event: Envelope) -> Answer:
        """Record, then sync now or queue; the answer is what every later delivery will get too."""
        s = self.services
        handler = self.handlers[event.event_type]
        ref = event.entity()
        queued = s.settings.sync_mode == "async"
        try:
            self._record(event, SyncStatus.QUEUED if queued else SyncStatus.RECEIVED)
        except StaleEvent as stale:
            logger.info("stale event skipped", extra={"entity": ref.entity})
            ids = stale.current.salesforce_ids if stale.current else {}
            return _synced(event, ids, stale=True)
        if queued:
            self._enqueue(event)
            return _queued(event)
        # One event per entity at a time: a queued retry of an older version must not write after us.
        if not s.claims.acquire("entity", ref.pk, event.event_id):
            self._enqueue(event, delay=backoff_seconds(1, s.settings.retry_base_seconds))
            s.sync_state.transition(ref, version=event.version, status=SyncStatus.QUEUED, error="entity busy")
            return _queued(event)
        try:
            return self._run_now(handler, event, ref)
        finally:
            s.claims.release("entity", ref.pk, event.event_id)

    def _run_now(self, handler: EventHandler, event: Envelope, ref: EntityRef) -> Answer:
        s = self.services
        try:
            outcome = handler.run_one(event, s)
        except TransientError as exc:
            logger.warning("transient failure, queued for retry", extra={"error": _error_text(exc)})
            self._enqueue(event, delay=backoff_seconds(1, s.settings.retry_base_seconds))
            s.sync_state.transition(
                ref, version=event.version, status=SyncStatus.QUEUED, attempts=1, error=_error_text(exc)
            )
            return _queued(event)
        except MappingError as exc:
            self._reject(ref, event, exc)
            return errors(422, exc.loc, exc.msg, "mapping_error")
        except ConflictError as exc:
            self._reject(ref, event, exc)
            return errors(409, ["data"], str(exc), "invalid_state_change")
        except PermanentError as exc:
            if isinstance(exc, SalesforceError) and exc.error_code in CALLER_DATA_CODES:
                # Salesforce refused a value the caller sent: a 4xx naming the field, nothing written.
                self._reject(ref, event, exc)
                fields = sorted({f for d in exc.details for f in d.fields})
                return errors(
                    422, ["salesforce", *fields], f"Salesforce refused the value: {exc.error_code}", "rejected"
                )
            self._dead_letter(ref, event, exc, attempts=1)
            return _queued(event)
        except Exception as exc:
            # Not the caller's doing: never a 500 for it. Retried from the queue like a transient.
            logger.error("unexpected failure, queued for retry", extra={"error": _error_text(exc), "at": _where(exc)})
            self._enqueue(event, delay=backoff_seconds(1, s.settings.retry_base_seconds))
            s.sync_state.transition(
                ref, version=event.version, status=SyncStatus.QUEUED, attempts=1, error=_error_text(exc)
            )
            return _queued(event)
        s.sync_state.transition(
            ref, version=event.version, status=SyncStatus.SYNCED, attempts=1, salesforce_ids=outcome.ids
        )
        return _synced(event, outcome.ids, **outcome.detail)

    def _record(self, event: Envelope, status: SyncStatus) -> None:
        """Claim the entity's state for this event's version (raises StaleEvent if a newer one holds it)."""
        self.services.sync_state.record_received(
            event.entity(),
            version=event.version,
            event_id=event.event_id,
            event_type=event.event_type,
            envelope=event.model_dump_json(),
            queue_url=self.services.settings.queue_url,
            status=status,
        )

    def _enqueue(self, event: Envelope, delay: int = 0) -> None:
        self.services.queue.send(
            event.model_dump_json(), event_type=event.event_type, event_id=event.event_id, delay_seconds=delay
        )

    def _reject(self, ref: EntityRef, event: Envelope, exc: Exception) -> None:
        # Nothing was written; the state says why, so support can answer the sender.
        self.services.sync_state.transition(
            ref, version=event.version, status=SyncStatus.DEAD, attempts=1, error=_error_text(exc)
        )

    def _dead_letter(self, ref: EntityRef, event: Envelope, exc: Exception, attempts: int) -> None:
        logger.error("permanent failure, dead-lettered", extra={"error": _error_text(exc)})
        self.services.queue.dead_letter(
            event.model_dump_json(),
            event_type=event.event_type,
            event_id=event.event_id,
            error=_error_text(exc),
        )
        self.services.sync_state.transition(
            ref, version=event.version, status=SyncStatus.DEAD, attempts=attempts, error=_error_text(exc)
        )

    # -- SQS ----------------------------------------------------------------------------------
    def process_batch(self, messages: Sequence[QueuedMessage]) -> dict[str, Exception | None]:
        """Per message id: None when done with it (synced, superseded or dead-lettered), else the
        error that keeps it on the queue for another attempt."""
        s = self.services
        verdicts: dict[str, Exception | None] = {}
        runnable: dict[str, list[QueuedMessage]] = {}
        latest: dict[str, QueuedMessage] = {}
        for msg in messages:
            event = msg.event
            ref = event.entity()
            current = s.sync_state.get(ref)
            if current is not None and current.source_version > event.version:
                logger.info("superseded by a newer version, dropped", extra={"event_id": event.event_id})
                verdicts[msg.message_id] = None
                continue
            if (
                current is not None
                and current.status is SyncStatus.SYNCED
                and current.event_id == event.event_id
                and current.source_version == event.version
            ):
                verdicts[msg.message_id] = None  # an at-least-once duplicate of done work
                continue
            if current is None or current.source_version < event.version:
                # Reached the queue without passing intake (a redrive, a replay): record it first.
                try:
                    self._record(event, SyncStatus.QUEUED)
                except StaleEvent:
                    verdicts[msg.message_id] = None
                    continue
            newest = latest.get(ref.pk)
            if newest is not None and newest.event.version >= event.version:
                verdicts[msg.message_id] = None  # an older or equal version in the same batch: the newest wins
                continue
            if newest is not None:
                verdicts[newest.message_id] = None
            latest[ref.pk] = msg

        held: list[QueuedMessage] = []
        for msg in latest.values():
            if s.claims.acquire("entity", msg.event.entity().pk, msg.event.event_id):
                held.append(msg)
                runnable.setdefault(msg.event.event_type, []).append(msg)
            else:
                verdicts[msg.message_id] = self._settle(msg, TransientError("entity busy"))
        try:
            for event_type, group in runnable.items():
                results = self.handlers[event_type].run_batch([m.event for m in group], s)
                for msg, result in zip(group, results, strict=True):
                    verdicts[msg.message_id] = self._settle(msg, result)
        finally:
            for msg in held:
                s.claims.release("entity", msg.event.entity().pk, msg.event.event_id)
        return verdicts

    def _settle(self, msg: QueuedMessage, result: Outcome | Exception) -> Exception | None:
        s = self.services
        event, ref = msg.event, msg.event.entity()
        if isinstance(result, Outcome):
            s.sync_state.transition(
                ref,
                version=event.version,
                status=SyncStatus.SYNCED,
                attempts=msg.receive_count,
                salesforce_ids=result.ids,
            )
            return None
        if not isinstance(result, PermanentError | MappingError | ConflictError):
            # Transient, or unexpected (retried the same way until the redrive gives up).
            last = msg.receive_count >= s.settings.max_receive_count
            # On the last attempt SQS's redrive moves the message to the DLQ at its next receive:
            # make that receive immediate, and say DEAD now with the error that killed it.
            delay = 0 if last else backoff_seconds(msg.receive_count, s.settings.retry_base_seconds)
            s.queue.retry_later(msg.receipt_handle, delay)
            s.sync_state.transition(
                ref,
                version=event.version,
                status=SyncStatus.DEAD if last else SyncStatus.QUEUED,
                attempts=msg.receive_count,
                error=_error_text(result),
            )
            return result
        # Permanent, mapping and conflict errors: retrying cannot help.
        self._dead_letter(ref, event, result, attempts=msg.receive_count)
        return None


@dataclass(frozen=True)
class QueuedMessage:
    message_id: str
    receipt_handle: str
    receive_count: int
    event: Envelope
