"""Operations: the sync state of one entity on demand, and the reconciler's sweep."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from connector.pipeline.responses import Answer, errors
from connector.services import Services
from connector.state import EntityRef, SyncStatus

logger = Logger(child=True)

_SOURCES = ("commerce", "chat", "social", "loyalty")


def sync_status(services: Services, source: str, entity: str, key: str) -> Answer:
    """GET /v1/sync/{source}/{entity}/{key}: the entity's sync state, without its payload."""
    if source not in _SOURCES:
        return errors(404, ["source"], f"unknown source {source!r}")
    state = services.sync_state.get(EntityRef(source, entity, key))
    if state is None:
        return errors(404, ["key"], "no sync state for this entity")
    return Answer(200, state.public())


def reconcile(services: Services) -> dict[str, Any]:
    """Re-queue entities left RECEIVED or QUEUED past the deadline (a crash between steps, a lost
    message); the queue's own retries and the sync state's version checks make a re-queue safe."""
    deadline = datetime.now(UTC) - timedelta(seconds=services.settings.config.stuck_after_seconds)
    before = deadline.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    requeued = 0
    for status in (SyncStatus.RECEIVED, SyncStatus.QUEUED):
        for state in services.sync_state.stuck(status, before):
            if not state.envelope or not state.queue_url:
                continue
            if state.attempts >= services.settings.max_receive_count:
                # Retried as often as the queue would have: stop here, where support will look.
                services.sync_state.transition(
                    state.ref,
                    version=state.source_version,
                    status=SyncStatus.DEAD,
                    error=f"stuck in {status.value} after {state.attempts} attempts; last: {state.last_error}",
                )
                continue
            event = json.loads(state.envelope)
            services.sqs.send_message(
                QueueUrl=state.queue_url,
                MessageBody=state.envelope,
                MessageAttributes={
                    "event_type": {"DataType": "String", "StringValue": event.get("event_type", "unknown")},
                    "event_id": {"DataType": "String", "StringValue": event.get("event_id", "unknown")},
                },
            )
            services.sync_state.transition(
                state.ref,
                version=state.source_version,
                status=SyncStatus.QUEUED,
                attempts=state.attempts + 1,
                error=state.last_error,
            )
            requeued += 1
    logger.info("reconciled", extra={"requeued": requeued})
    return {"requeued": requeued}
