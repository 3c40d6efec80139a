"""How the pipeline answers a caller for each way a workflow can end (real-time path), against
in-process AWS; the workflows here are small test workflows, not stand-ins for the connector's."""

from __future__ import annotations

from typing import Any

import pytest

from connector.commerce.models import CustomerChanged
from connector.envelope import Outcome
from connector.errors import MappingError, TransientError
from connector.pipeline.handlers import EventHandler
from connector.pipeline.processing import NotRemembered, Processor
from connector.pipeline.responses import Answer
from connector.salesforce.errors import ApiErrorDetail, salesforce_error
from connector.services import Services
from connector.settings import Settings
from connector.state import SyncStatus


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


def processor(services: Services, run: Any) -> Processor:
    handler = EventHandler(CustomerChanged, run)
    return Processor(services, dict.fromkeys(handler.event_types, handler))


def answer_to(processor: Processor, event: CustomerChanged) -> Answer:
    """What the caller is answered: the processor's answer, or a refusal's, which is not remembered."""
    try:
        return processor.accept(event)
    except NotRemembered as refused:
        return refused.answer


def depth(services: Services, url: str) -> int:
    attrs = services.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


def test_a_synced_event_answers_200_with_its_ids(services: Services, registered_body: dict[str, Any]) -> None:
    event = CustomerChanged.model_validate(registered_body)

    answer = processor(services, lambda e, s: Outcome(ids={"contact_id": "003000000000001AAA"})).accept(event)

    assert (answer.status, answer.json_body()["contact_id"]) == (200, "003000000000001AAA")
    assert services.sync_state.get(event.entity()).status is SyncStatus.SYNCED  # type: ignore[union-attr]


def test_a_transient_failure_answers_202_and_queues(services: Services, registered_body: dict[str, Any]) -> None:
    event = CustomerChanged.model_validate(registered_body)

    def down(e: Any, s: Any) -> Outcome:
        raise TransientError("Salesforce answered 503")

    answer = processor(services, down).accept(event)

    assert answer.status == 202
    assert depth(services, services.settings.queue_url) == 1


def test_a_value_salesforce_refuses_answers_422_naming_the_field_and_dead_letters_nothing(
    services: Services, registered_body: dict[str, Any]
) -> None:
    event = CustomerChanged.model_validate(registered_body)

    def refused(e: Any, s: Any) -> Outcome:
        detail = ApiErrorDetail("INVALID_EMAIL_ADDRESS", "invalid email address: jane@doe", ("Email",))
        raise salesforce_error(400, [detail], "upsert")

    answer = answer_to(processor(services, refused), event)

    assert answer.status == 422
    assert answer.json_body()["errors"][0]["loc"] == ["salesforce", "Email"]
    assert "jane@doe" not in str(answer.json_body())
    assert depth(services, services.settings.dead_letter_queue_url) == 0


def test_an_org_rule_refusal_answers_202_and_dead_letters(services: Services, registered_body: dict[str, Any]) -> None:
    event = CustomerChanged.model_validate(registered_body)

    def rule(e: Any, s: Any) -> Outcome:
        raise salesforce_error(400, [ApiErrorDetail("FIELD_CUSTOM_VALIDATION_EXCEPTION", "no")], "upsert")

    answer = processor(services, rule).accept(event)

    assert answer.status == 202
    assert depth(services, services.settings.dead_letter_queue_url) == 1
    assert services.sync_state.get(event.entity()).status is SyncStatus.DEAD  # type: ignore[union-attr]


def test_an_event_for_a_busy_entity_is_queued_not_run(services: Services, registered_body: dict[str, Any]) -> None:
    event = CustomerChanged.model_validate(registered_body)
    services.claims.acquire("entity", event.entity().pk, "another-event")
    ran: list[str] = []

    answer = processor(services, lambda e, s: ran.append("x") or Outcome(ids={})).accept(event)

    assert answer.status == 202
    assert ran == []
    assert depth(services, services.settings.queue_url) == 1


def test_a_rejected_event_gives_the_entity_back_the_state_it_had(
    services: Services, registered_body: dict[str, Any]
) -> None:
    # given an entity synchronized at 10:00, then a newer event the workflow rejects as the caller's error
    older = CustomerChanged.model_validate(registered_body | {"occurred_at": "2026-11-23T10:00:00Z"})
    newer = CustomerChanged.model_validate(registered_body | {"occurred_at": "2026-11-23T12:00:00Z", "event_id": "e-2"})
    processor(services, lambda e, s: Outcome(ids={"contact_id": "003000000000001AAA"})).accept(older)
    synced = services.sync_state.get(older.entity())

    def rejects(e: Any, s: Any) -> Outcome:
        raise MappingError(["data", "customer", "email"], "not usable")

    answer = answer_to(processor(services, rejects), newer)

    # then it is answered 422, and the state is the older event's as it was (issue 11: a refused
    # request writes nothing)
    assert answer.status == 422
    assert services.sync_state.get(newer.entity()) == synced


def test_a_rejected_first_event_of_an_entity_leaves_no_state(
    services: Services, registered_body: dict[str, Any]
) -> None:
    event = CustomerChanged.model_validate(registered_body)

    def rejects(e: Any, s: Any) -> Outcome:
        raise MappingError(["data", "customer", "email"], "not usable")

    answer = answer_to(processor(services, rejects), event)

    assert answer.status == 422
    assert services.sync_state.get(event.entity()) is None


def test_an_event_older_than_a_rejected_one_is_still_run(services: Services, registered_body: dict[str, Any]) -> None:
    newer = CustomerChanged.model_validate(registered_body | {"occurred_at": "2026-11-23T12:00:00Z", "event_id": "e-2"})
    older = CustomerChanged.model_validate(registered_body | {"occurred_at": "2026-11-23T11:00:00Z", "event_id": "e-1"})

    def rejects(e: Any, s: Any) -> Outcome:
        raise MappingError(["data"], "not usable")

    answer_to(processor(services, rejects), newer)
    answer = processor(services, lambda e, s: Outcome(ids={"contact_id": "003000000000001AAA"})).accept(older)

    assert (answer.status, answer.json_body().get("stale")) == (200, None)
