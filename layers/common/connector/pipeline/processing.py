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
from connector.errors import ConflictError, MappingError, PermanentError, TransientError
from connector.pipeline.responses import Answer, errors
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

    def run_batch(self, events: Sequence[Envelope], services: Services) -> list[Outcome | Exception]:
        if self.run_many is not None:
            try:
                return self.run_many(events, services)
            except Exception as exc:  # a batch-wide failure (the collection call itself): each record retries
                return [exc] * len(events)
        results: list[Outcome | Exception] = []
        for event in events:
            try:
                results.append(self.run(event, services))
            except Exception as exc:  # classified by the caller; one record never fails the batch
                results.append(exc)
        return results


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


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
            s.sync_state.record_received(
                ref,
                version=event.version,
                event_id=event.event_id,
                event_type=event.event_type,
                envelope=event.model_dump_json(),
                queue_url=s.settings.queue_url,
                status=SyncStatus.QUEUED if queued else SyncStatus.RECEIVED,
            )
        except StaleEvent as stale:
            logger.info("stale event skipped", extra={"entity": ref.entity})
            ids = stale.current.salesforce_ids if stale.current else {}
            return _synced(event, ids, stale=True)
        if queued:
            self._enqueue(event)
            return _queued(event)
        try:
            outcome = handler.run(event, s)
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
            self._dead_letter(ref, event, exc, attempts=1)
            return _queued(event)
        except Exception as exc:
            # Not the caller's doing: never a 500 for it. Retried from the queue like a transient.
            logger.exception("unexpected failure, queued for retry")
            self._enqueue(event, delay=backoff_seconds(1, s.settings.retry_base_seconds))
            s.sync_state.transition(
                ref, version=event.version, status=SyncStatus.QUEUED, attempts=1, error=_error_text(exc)
            )
            return _queued(event)
        s.sync_state.transition(
            ref, version=event.version, status=SyncStatus.SYNCED, attempts=1, salesforce_ids=outcome.ids
        )
        return _synced(event, outcome.ids, **outcome.detail)

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
                    s.sync_state.record_received(
                        ref,
                        version=event.version,
                        event_id=event.event_id,
                        event_type=event.event_type,
                        envelope=event.model_dump_json(),
                        queue_url=s.settings.queue_url,
                        status=SyncStatus.QUEUED,
                    )
                except StaleEvent:
                    verdicts[msg.message_id] = None
                    continue
            runnable.setdefault(event.event_type, []).append(msg)

        for event_type, group in runnable.items():
            results = self.handlers[event_type].run_batch([m.event for m in group], s)
            for msg, result in zip(group, results, strict=True):
                verdicts[msg.message_id] = self._settle(msg, result)
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
