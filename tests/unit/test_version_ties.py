"""Issue 11, ties: two different events with the same `occurred_at` for one entity. Whatever path
they take (the version check at intake, the entity claim, a queue batch), the one with the greater
event_id wins, and the sync state names the event whose data Salesforce holds."""

from __future__ import annotations

from typing import Any

import pytest

from connector.commerce.models import CustomerChanged
from connector.envelope import Envelope, Outcome
from connector.pipeline.handlers import EventHandler
from connector.pipeline.processing import Processor, QueuedMessage
from connector.services import Services
from connector.settings import Settings
from connector.social.models import ConversationChanged
from connector.state import StaleEvent, SyncStatus


@pytest.fixture
def services(sync_table: str, idempotency_table: str, sqs: Any) -> Services:
    queue = sqs.create_queue(QueueName="registration")["QueueUrl"]
    dlq = sqs.create_queue(QueueName="registration-dlq")["QueueUrl"]
    settings = Settings(
        sync_state_table=sync_table,
        idempotency_table=idempotency_table,
        queue_url=queue,
        dead_letter_queue_url=dlq,
        retry_base_seconds=0,
    )
    return Services(settings)


def _event(body: dict[str, Any], event_id: str, last_name: str) -> CustomerChanged:
    body = {**body, "event_id": event_id, "data": {**body["data"], "customer": {**body["data"]["customer"]}}}
    body["data"]["customer"]["last_name"] = last_name
    return CustomerChanged.model_validate(body)


def _queued(services: Services) -> list[QueuedMessage]:
    got = services.sqs.receive_message(
        QueueUrl=services.settings.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages", [])
    return [
        QueuedMessage(m["MessageId"], m["ReceiptHandle"], 1, CustomerChanged.model_validate_json(m["Body"]))
        for m in got
    ]


def test_two_events_of_one_instant_have_different_versions_ordered_by_event_id(registered_body: dict[str, Any]) -> None:
    a, b = _event(registered_body, "evt-a", "A"), _event(registered_body, "evt-b", "B")

    assert a.version < b.version


def test_the_lower_event_id_of_one_instant_is_stale_at_intake(
    services: Services, registered_body: dict[str, Any]
) -> None:
    # given the entity recorded at evt-b's version
    a, b = _event(registered_body, "evt-a", "A"), _event(registered_body, "evt-b", "B")
    store = services.sync_state
    store.record_received(
        b.entity(), version=b.version, event_id="evt-b", event_type=b.event_type, envelope="", queue_url=""
    )

    # when evt-a of the same instant arrives, then it is stale
    with pytest.raises(StaleEvent):
        store.record_received(
            a.entity(), version=a.version, event_id="evt-a", event_type=a.event_type, envelope="", queue_url=""
        )


def test_an_event_of_the_same_instant_that_waited_on_the_claim_is_written_not_dropped(
    services: Services, registered_body: dict[str, Any]
) -> None:
    # given evt-a running under the entity's claim while evt-b, of the same instant, arrives
    a, b = _event(registered_body, "evt-a", "A"), _event(registered_body, "evt-b", "B")
    written: list[str] = []
    processor: Processor

    def workflow(event: Envelope, _services: Any) -> Outcome:
        if event.event_id == "evt-a":
            assert processor.accept(b).status == 202  # the entity is busy: queued
        written.append(event.event_id)
        return Outcome(ids={})

    handler = EventHandler(CustomerChanged, workflow)
    processor = Processor(services, dict.fromkeys(handler.event_types, handler))
    processor.accept(a)

    # when the queue delivers evt-b
    processor.process_batch(_queued(services))

    # then Salesforce last took the event the sync state names
    state = services.sync_state.get(a.entity())
    assert state is not None
    assert (state.status, state.event_id) == (SyncStatus.SYNCED, written[-1])


def test_feed_actions_of_one_second_still_follow_their_action_ids() -> None:
    body = {
        "event_id": "alcmeon-action-900",
        "event_type": "conversation.routed",
        "occurred_at": "2026-11-23T09:59:00Z",
        "source": "social",
        "action_id": 900,
        "data": {"conversation_id": "conv-1", "user": {"id": "u-1"}},
    }
    earlier = ConversationChanged.model_validate(body)
    later = ConversationChanged.model_validate(body | {"event_id": "alcmeon-action-1000", "action_id": 1000})

    assert earlier.version < later.version
