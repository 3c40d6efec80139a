"""Operations: the sync state of one entity on demand, and the reconciler's sweep."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from connector.envelope import EntityRef
from connector.errors import NotFoundError
from connector.observability import logger
from connector.pipeline.failures import DEFERRED, WAITING_FOR_REPLICATION
from connector.services import Services
from connector.state.sync_state import SyncStatus
from connector.value_types import SOURCE_FAMILIES, TIMESTAMP_FORMAT


class SyncStateView(BaseModel):
    """GET /v1/sync/{source}/{entity}/{key}: an entity's sync state, without its payload (it holds
    personal data)."""

    source: str
    entity: str
    key: str
    status: SyncStatus
    source_version: str
    event_id: str
    event_type: str
    attempts: int
    last_error: str | None = None
    salesforce_ids: dict[str, str]
    created_at: str
    updated_at: str


class ReconcileReport(BaseModel):
    requeued: int
    dead: int


def sync_status(services: Services, source: str, entity: str, key: str) -> SyncStateView:
    if source not in SOURCE_FAMILIES:
        raise NotFoundError(["path", "source"], f"unknown source {source!r}")
    state = services.sync_state.get(EntityRef(source, entity, key))
    if state is None:
        raise NotFoundError(["path", "key"], "no sync state for this entity")
    return SyncStateView(
        source=state.ref.source,
        entity=state.ref.entity,
        key=state.ref.key,
        status=state.status,
        source_version=state.source_version,
        event_id=state.event_id,
        event_type=state.event_type,
        attempts=state.attempts,
        last_error=state.last_error,
        salesforce_ids=state.salesforce_ids,
        created_at=state.created_at,
        updated_at=state.updated_at,
    )


def reconcile(services: Services) -> ReconcileReport:
    """Re-queue entities left RECEIVED or QUEUED past the deadline (a crash between steps, a lost
    message); the queue's own retries and the sync state's version checks make a re-queue safe."""
    deadline = datetime.now(UTC) - timedelta(seconds=services.settings.config.stuck_after_seconds)
    before = deadline.strftime(TIMESTAMP_FORMAT)
    requeued = dead = 0
    for status in (SyncStatus.RECEIVED, SyncStatus.QUEUED):
        for state in services.sync_state.stuck(status, before):
            if not state.envelope or not state.queue_url:
                continue
            # Deferred by the org's API usage, or carried on past the queue's attempts while a
            # platform's replicas lag: waiting is not failing. Re-queued if its message went silent,
            # but never counted as an attempt nor given up on (the lag's workflow gives up itself,
            # once its window has passed).
            waiting = (state.last_error or "").startswith((DEFERRED, WAITING_FOR_REPLICATION))
            if not waiting and state.attempts >= services.settings.max_receive_count:
                # Retried as often as the queue would have: stop here, where support will look.
                services.sync_state.transition(
                    state.ref,
                    version=state.source_version,
                    status=SyncStatus.DEAD,
                    error=f"stuck in {status.value} after {state.attempts} attempts; last: {state.last_error}",
                )
                dead += 1
                continue
            event = json.loads(state.envelope)
            services.queue.send(
                state.envelope,
                event_type=str(event.get("event_type", "unknown")),
                event_id=str(event.get("event_id", "unknown")),
                queue_url=state.queue_url,
            )
            services.sync_state.transition(
                state.ref,
                version=state.source_version,
                status=SyncStatus.QUEUED,
                attempts=state.attempts if waiting else state.attempts + 1,
                error=state.last_error,
            )
            requeued += 1
    logger.info("reconciled", extra={"requeued": requeued, "dead": dead})
    return ReconcileReport(requeued=requeued, dead=dead)
