"""A new route is a declaration: a command route and a sync-event route, declared here on a
`Trigger` as a future platform's app.py would, work end to end in-process (real pipeline, moto)
and are published in the OpenAPI document with their request and response models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from connector.envelope import Command, EntityRef, Envelope, Outcome
from connector.errors import ConfigurationError, ConflictError, IneligibleEvent, NotFoundError, TransientError
from connector.pipeline import CommandHandler, EventHandler, Trigger
from connector.services import Services
from connector.settings import Settings
from devstack.events import http_api_event, sqs_event
from devstack.signing import HEADER, sign

LOYALTY_SECRET = "loyalty-secret"
CHAT_SECRET = "chat-secret"


# -- what a platform package would declare ------------------------------------------------------------


class OfferRef(BaseModel):
    offer_id: str
    customer_key: str


class IssueOffer(Command):
    event_type: Literal["offer.issue"]
    data: OfferRef


class OfferState(BaseModel):
    """What the caller of offer.issue waits for."""

    offer_id: str
    state: Literal["issued", "redeemed", "revoked"]


class ChatSession(BaseModel):
    chat_id: str
    visitor_email: str | None = None


class ChatEnded(Envelope):
    event_type: Literal["chat.ended"]
    data: ChatSession

    def entity(self) -> EntityRef:
        return EntityRef("chat", "chat", self.data.chat_id)


class Offers:
    """A command workflow with a controllable target (the platform it would call)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.failure: Exception | None = None

    def issue(self, command: IssueOffer, services: Services) -> OfferState:
        self.calls.append(command.event_id)
        if self.failure is not None:
            raise self.failure
        return OfferState(offer_id=command.data.offer_id, state="issued")


def end_chat(event: ChatEnded, services: Services) -> Outcome:
    if event.data.visitor_email is None:
        raise IneligibleEvent("an anonymous chat has no Contact to log it on")
    return Outcome(ids={"task_id": "00T000000000001AAA"})


# -- in-process stack -----------------------------------------------------------------------------------


@pytest.fixture
def services(sync_table: str, idempotency_table: str, sqs: Any) -> Iterator[Services]:
    import boto3

    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    loyalty = secrets.create_secret(Name="loyalty-hmac", SecretString=LOYALTY_SECRET)["ARN"]
    chat = secrets.create_secret(Name="chat-hmac", SecretString=CHAT_SECRET)["ARN"]
    settings = Settings(
        sync_state_table=sync_table,
        idempotency_table=idempotency_table,
        queue_url=sqs.create_queue(QueueName="q")["QueueUrl"],
        dead_letter_queue_url=sqs.create_queue(QueueName="dlq")["QueueUrl"],
        retry_base_seconds=0,
        webhook_secret_arns={"loyalty": loyalty, "chat": chat},
    )
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    yield Services(settings)
    parameters.clear_caches()


@pytest.fixture
def offers() -> Offers:
    return Offers()


def declare(services: Services, offers: Offers, *, deferrable: bool = False) -> Trigger:
    trigger = Trigger("tryout")
    trigger.commands("/v1/loyalty/actions", CommandHandler(IssueOffer, offers.issue, OfferState, deferrable=deferrable))
    trigger.events("/v1/chat/events", EventHandler(ChatEnded, end_chat))
    trigger.use_services(services)
    return trigger


def body(event_type: str, data: dict[str, Any], source: str, event_id: str = "evt-1") -> dict[str, Any]:
    return {
        "event_id": event_id,
        "event_type": event_type,
        "occurred_at": datetime.now(UTC).isoformat(),
        "source": source,
        "data": data,
    }


def post(
    trigger: Trigger, path: str, payload: dict[str, Any], secret: str
) -> tuple[int, dict[str, Any], dict[str, str]]:
    raw = json.dumps(payload).encode()
    event = http_api_event(
        method="POST",
        raw_path=path,
        raw_query="",
        headers=[("content-type", "application/json"), (HEADER, sign(secret, "POST", path, raw))],
        body=raw,
        route_key=f"POST {path}",
    )
    result = trigger.handler(event, None)
    return result["statusCode"], json.loads(result["body"]), result.get("headers") or {}


def issue(trigger: Trigger, event_id: str = "evt-1") -> tuple[int, dict[str, Any], dict[str, str]]:
    payload = body("offer.issue", {"offer_id": "OF-1", "customer_key": "C-1"}, "loyalty", event_id)
    return post(trigger, "/v1/loyalty/actions", payload, LOYALTY_SECRET)


# -- the command route ----------------------------------------------------------------------------------


def test_a_declared_command_answers_its_typed_result(services: Services, offers: Offers) -> None:
    status, answer, _ = issue(declare(services, offers))

    assert (status, answer) == (200, {"offer_id": "OF-1", "state": "issued"})


def test_a_repeated_command_answers_the_same_and_runs_once(services: Services, offers: Offers) -> None:
    trigger = declare(services, offers)

    first, second = issue(trigger), issue(trigger)

    assert first[:2] == second[:2]
    assert offers.calls == ["evt-1"]


def test_a_command_whose_target_is_down_answers_503_with_retry_after_and_a_retry_runs_again(
    services: Services, offers: Offers
) -> None:
    trigger = declare(services, offers)
    offers.failure = TransientError("loyalty platform answered 503")

    status, _, headers = issue(trigger)
    offers.failure = None
    retried = issue(trigger)

    assert (status, "Retry-After" in headers) == (503, True)
    assert retried[:2] == (200, {"offer_id": "OF-1", "state": "issued"})
    assert offers.calls == ["evt-1", "evt-1"]


def test_a_deferrable_command_is_queued_then_completed_from_the_queue(services: Services, offers: Offers) -> None:
    trigger = declare(services, offers, deferrable=True)
    offers.failure = TransientError("loyalty platform answered 503")

    status, answer, _ = issue(trigger)
    offers.failure = None
    messages = services.sqs.receive_message(
        QueueUrl=services.settings.queue_url, AttributeNames=["All"], MaxNumberOfMessages=10
    )["Messages"]
    batch = trigger.handler(sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:q"), None)

    assert (status, answer["status"]) == (202, "queued")
    assert batch == {"batchItemFailures": []}
    state = services.sync_state.get(EntityRef("loyalty", "command", "evt-1"))
    assert state is not None and state.status.value == "SYNCED"


@pytest.mark.parametrize(
    ("failure", "status", "loc"),
    [
        (ConflictError("the offer was revoked"), 409, ["data"]),
        (NotFoundError(["data", "offer_id"], "no such offer"), 404, ["data", "offer_id"]),
    ],
)
def test_a_refused_command_names_what_is_wrong(
    services: Services, offers: Offers, failure: Exception, status: int, loc: list[str]
) -> None:
    offers.failure = failure

    answered, answer, _ = issue(declare(services, offers))

    assert (answered, answer["errors"][0]["loc"]) == (status, loc)


def test_a_command_of_another_family_is_unauthorized_on_this_route(services: Services, offers: Offers) -> None:
    payload = body("offer.issue", {"offer_id": "OF-1", "customer_key": "C-1"}, "loyalty")

    status, _, _ = post(declare(services, offers), "/v1/loyalty/actions", payload, CHAT_SECRET)

    assert status == 401
    assert offers.calls == []


def test_a_body_naming_another_source_family_is_422_on_source(services: Services, offers: Offers) -> None:
    payload = body("offer.issue", {"offer_id": "OF-1", "customer_key": "C-1"}, "chat")

    status, answer, _ = post(declare(services, offers), "/v1/loyalty/actions", payload, LOYALTY_SECRET)

    assert (status, answer["errors"][0]["loc"]) == (422, ["source"])


# -- the sync-event route -------------------------------------------------------------------------------


def test_a_declared_sync_event_is_synced_and_its_state_kept(services: Services, offers: Offers) -> None:
    payload = body("chat.ended", {"chat_id": "CH-1", "visitor_email": "jane@example.com"}, "chat")

    status, answer, _ = post(declare(services, offers), "/v1/chat/events", payload, CHAT_SECRET)

    assert (status, answer["status"], answer["task_id"]) == (200, "synced", "00T000000000001AAA")
    state = services.sync_state.get(EntityRef("chat", "chat", "CH-1"))
    assert state is not None and state.status.value == "SYNCED"


def test_an_ineligible_sync_event_is_ignored_with_its_reason(services: Services, offers: Offers) -> None:
    payload = body("chat.ended", {"chat_id": "CH-2"}, "chat")

    status, answer, _ = post(declare(services, offers), "/v1/chat/events", payload, CHAT_SECRET)

    assert (status, answer["status"]) == (200, "ignored")
    assert "anonymous" in answer["reason"]
    state = services.sync_state.get(EntityRef("chat", "chat", "CH-2"))
    assert state is not None and state.status.value == "IGNORED"


# -- the OpenAPI document -------------------------------------------------------------------------------


def test_the_openapi_document_shows_both_routes_request_and_response_models(services: Services, offers: Offers) -> None:
    doc = json.loads(declare(services, offers).app.get_openapi_json_schema(title="t", version="1"))
    schemas = doc["components"]["schemas"]

    command = doc["paths"]["/v1/loyalty/actions"]["post"]
    event = doc["paths"]["/v1/chat/events"]["post"]

    assert command["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/IssueOffer")
    assert command["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/OfferState")
    assert event["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ChatEnded")
    assert "SyncedAnswer" in json.dumps(event["responses"]["200"])
    assert event["responses"]["202"]["content"]["application/json"]["schema"]["$ref"].endswith("/QueuedAnswer")
    assert {"IssueOffer", "OfferState", "ChatEnded", "SyncedAnswer", "QueuedAnswer", "ErrorAnswer"} <= set(schemas)


def test_a_configuration_that_cannot_be_loaded_answers_503_not_a_lambda_error(offers: Offers) -> None:
    def unreachable_parameter_store() -> Services:
        raise ConnectionError("SSM unreachable")

    trigger = Trigger("tryout", services=unreachable_parameter_store)
    trigger.commands("/v1/loyalty/actions", CommandHandler(IssueOffer, offers.issue, OfferState))

    status, _, headers = issue(trigger)

    assert (status, "Retry-After" in headers) == (503, True)
    assert offers.calls == []


# -- the cold-start check (Trigger.on_cold_start) -------------------------------------------------------


class ColdStartCheck:
    """A configuration check whose verdict a test chooses; counts its runs."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.failure = failure
        self.runs = 0

    def __call__(self, services: Services) -> None:
        self.runs += 1
        if self.failure is not None:
            raise self.failure


def checked(services: Services, offers: Offers, check: ColdStartCheck) -> Trigger:
    trigger = declare(services, offers)
    trigger.on_cold_start(check)
    return trigger


def test_a_passing_cold_start_check_runs_once_per_container(services: Services, offers: Offers) -> None:
    check = ColdStartCheck()
    trigger = checked(services, offers, check)

    statuses = [issue(trigger, f"evt-{n}")[0] for n in range(3)]

    assert (statuses, check.runs) == ([200, 200, 200], 1)


def test_a_failing_cold_start_check_refuses_every_request_with_retry_after(services: Services, offers: Offers) -> None:
    check = ColdStartCheck(ConfigurationError("the chat configuration does not fit", ["chat.x: no field X"]))
    trigger = checked(services, offers, check)

    first, second = issue(trigger, "evt-1"), issue(trigger, "evt-2")

    assert (first[0], second[0], "Retry-After" in first[2]) == (503, 503, True)
    assert offers.calls == []
    assert check.runs == 1  # within the re-check window the refusal stands without asking again


def test_a_refusing_container_checks_again_after_the_window_and_heals(
    services: Services, offers: Offers, monkeypatch: pytest.MonkeyPatch
) -> None:
    import connector.pipeline.trigger as trigger_module

    check = ColdStartCheck(ConfigurationError("the chat configuration does not fit", ["chat.x: no field X"]))
    trigger = checked(services, offers, check)
    assert issue(trigger, "evt-1")[0] == 503
    # the admin fixes the org; the window passes
    check.failure = None
    monkeypatch.setattr(trigger_module, "RECHECK_REFUSAL_SECONDS", 0.0)

    assert issue(trigger, "evt-2")[0] == 200
    assert check.runs == 2


def test_a_transient_failure_of_the_check_lets_the_request_through_and_it_runs_again(
    services: Services, offers: Offers
) -> None:
    check = ColdStartCheck(TransientError("Salesforce describe failed: ConnectionError"))
    trigger = checked(services, offers, check)

    first = issue(trigger, "evt-1")
    check.failure = None
    second = issue(trigger, "evt-2")
    issue(trigger, "evt-3")

    assert (first[0], second[0], check.runs) == (200, 200, 2)


class Audited(Envelope):
    event_type: Literal["tryout.audited"]
    data: ChatSession

    def entity(self) -> EntityRef:
        return EntityRef("loyalty", "audit", self.data.chat_id)


def declare_internal(services: Services, offers: Offers, ran: list[str]) -> Trigger:
    trigger = declare(services, offers)

    def write(event: Audited, _services: Services) -> Outcome:
        ran.append(event.event_id)
        return Outcome(ids={})

    trigger.internal(EventHandler(Audited, write))
    return trigger


def test_an_internal_event_is_run_from_the_queue(services: Services, offers: Offers) -> None:
    # given an internal event type, and one of its events on the trigger's queue
    ran: list[str] = []
    trigger = declare_internal(services, offers, ran)
    event = body("tryout.audited", {"chat_id": "A-1"}, "loyalty", event_id="evt-1.audit")
    services.queue.send(json.dumps(event), event_type="tryout.audited", event_id="evt-1.audit")
    messages = services.sqs.receive_message(
        QueueUrl=services.settings.queue_url, AttributeNames=["All"], MaxNumberOfMessages=10
    )["Messages"]
    # when the queue hands it to the trigger
    batch = trigger.handler(sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:q"), None)
    # then its workflow ran
    assert batch == {"batchItemFailures": []}
    assert ran == ["evt-1.audit"]


def test_an_internal_event_is_refused_on_every_route_and_from_a_feed(services: Services, offers: Offers) -> None:
    # given an internal event type declared beside the trigger's routes
    ran: list[str] = []
    trigger = declare_internal(services, offers, ran)
    event = body("tryout.audited", {"chat_id": "A-2"}, "loyalty")
    # when it is posted to the command route, or handed in as a canonical body
    status, _, _ = post(trigger, "/v1/loyalty/actions", event, LOYALTY_SECRET)
    canonical = trigger.accept_canonical(event)
    # then both refuse it as an event type they do not take, and nothing ran
    assert (status, canonical.status) == (422, 422)
    assert ran == []
