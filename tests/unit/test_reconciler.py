"""The reconciler re-queues work stuck past its deadline, and gives up (DEAD) after as many attempts
as the queue itself would have made."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connector.pipeline.operations import reconcile
from connector.services import Services
from connector.settings import Settings
from connector.state import EntityRef, SyncStateStore, SyncStatus

REF = EntityRef("commerce", "customer", "00001001")


@pytest.fixture
def services(sync_table: str, idempotency_table: str, sqs: Any) -> Services:
    queue_url = sqs.create_queue(QueueName="registration")["QueueUrl"]
    settings = Settings(
        sync_state_table=sync_table,
        idempotency_table=idempotency_table,
        queue_url=queue_url,
        max_receive_count=3,
    )
    return Services(settings)


def stuck_entity(services: Services, status: SyncStatus, attempts: int) -> SyncStateStore:
    store = services.sync_state
    store.record_received(
        REF,
        version="2026-11-23T10:00:00.000000Z",
        event_id="evt-1",
        event_type="customer.registered",
        envelope=json.dumps({"event_id": "evt-1", "event_type": "customer.registered"}),
        queue_url=services.settings.queue_url,
        status=status,
    )
    store.transition(REF, version="2026-11-23T10:00:00.000000Z", status=status, attempts=attempts)
    return store


def queued_bodies(services: Services) -> list[str]:
    resp = services.sqs.receive_message(QueueUrl=services.settings.queue_url, MaxNumberOfMessages=10)
    return [m["Body"] for m in resp.get("Messages", [])]


def test_work_left_received_past_the_deadline_is_queued_again(services: Services) -> None:
    store = stuck_entity(services, SyncStatus.RECEIVED, attempts=1)

    result = reconcile_now(services)

    assert result.requeued == 1
    assert [json.loads(b)["event_id"] for b in queued_bodies(services)] == ["evt-1"]
    state = store.get(REF)
    assert state is not None and (state.status, state.attempts) == (SyncStatus.QUEUED, 2)


def test_work_stuck_after_max_attempts_is_marked_dead_not_requeued(services: Services) -> None:
    store = stuck_entity(services, SyncStatus.QUEUED, attempts=3)

    result = reconcile_now(services)

    assert (result.requeued, result.dead) == (0, 1)
    assert queued_bodies(services) == []
    state = store.get(REF)
    assert state is not None and state.status is SyncStatus.DEAD
    assert "after 3 attempts" in (state.last_error or "")


def test_fresh_work_is_left_alone(services: Services) -> None:
    stuck_entity(services, SyncStatus.RECEIVED, attempts=1)

    assert reconcile(services).requeued == 0


def reconcile_now(services: Services) -> dict[str, Any]:
    """Reconcile with a deadline of now (the config's minimum is 60 s, too long for a unit test)."""
    config = services.settings.config.model_copy(update={"stuck_after_seconds": 0})
    services.settings = services.settings.model_copy(update={"config": config})
    return reconcile(services)
