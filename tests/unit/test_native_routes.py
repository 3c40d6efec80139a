"""A native route (`Trigger.native`): a platform's own webhook body, authenticated by the token in its
URL, translated to the canonical event and run by the handler the trigger declares for that event
type, with the same intake answers and idempotency as the envelope route. In-process: the real
pipeline, moto, and the chat mapping of `connector.chat.native`."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector.chat.end_events import ChatEnded, OfflineMessageReceived
from connector.chat.native import to_canonical
from connector.envelope import Outcome
from connector.pipeline import EventHandler, Trigger
from connector.services import Services
from connector.settings import Settings
from devstack.events import http_api_event

EVENTS = Path(__file__).resolve().parents[2] / "events"
TOKEN = "t0ken-of-this-installation-0123456789"
CHAT_SECRET = "chat-hmac-secret"
ROUTE = "/v1/chat/native/<token>"


class Workflow:
    """The chat-end workflow's stand-in: records the canonical events it runs."""

    def __init__(self) -> None:
        self.ran: list[Any] = []

    def run(self, event: Any, services: Services) -> Outcome:
        self.ran.append(event)
        return Outcome(ids={"case_id": "500000000000001AAA"})


@pytest.fixture
def services(sync_table: str, idempotency_table: str, sqs: Any) -> Iterator[Services]:
    import boto3

    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    settings = Settings(
        sync_state_table=sync_table,
        idempotency_table=idempotency_table,
        queue_url=sqs.create_queue(QueueName="q")["QueueUrl"],
        dead_letter_queue_url=sqs.create_queue(QueueName="dlq")["QueueUrl"],
        retry_base_seconds=0,
        webhook_secret_arns={"chat": secrets.create_secret(Name="chat-hmac", SecretString=CHAT_SECRET)["ARN"]},
        webhook_token_arns={"chat": secrets.create_secret(Name="chat-token", SecretString=TOKEN)["ARN"]},
    )
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    yield Services(settings)
    parameters.clear_caches()


@pytest.fixture
def workflow() -> Workflow:
    return Workflow()


@pytest.fixture
def trigger(services: Services, workflow: Workflow) -> Trigger:
    trigger = Trigger("chat_end")
    trigger.events(
        "/v1/chat/events", EventHandler(ChatEnded, workflow.run), EventHandler(OfflineMessageReceived, workflow.run)
    )
    trigger.native(ROUTE, to_canonical)
    trigger.use_services(services)
    return trigger


def native_body(name: str = "chat.chat_ended") -> dict[str, Any]:
    return dict(json.loads((EVENTS / "native" / f"{name}.native.json").read_text()))


def post(trigger: Trigger, body: Any, token: str = TOKEN, raw: bytes | None = None) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if raw is None else raw
    path = f"/v1/chat/native/{token}"
    event = http_api_event(
        method="POST",
        raw_path=path,
        raw_query="",
        headers=[("content-type", "application/json")],
        body=data,
        route_key="POST /v1/chat/native/{token}",
        path_parameters={"token": token},
    )
    result = trigger.handler(event, None)
    return result["statusCode"], json.loads(result["body"])


def test_the_native_chat_ended_body_runs_the_chat_ended_workflow_with_its_canonical_event(
    trigger: Trigger, workflow: Workflow
) -> None:
    status, answer = post(trigger, native_body())

    assert (status, answer["status"]) == (200, "synced")
    assert [type(e) for e in workflow.ran] == [ChatEnded]
    assert workflow.ran[0] == to_canonical(native_body())


def test_the_native_offline_message_body_runs_the_offline_message_workflow(
    trigger: Trigger, workflow: Workflow
) -> None:
    status, _ = post(trigger, native_body("offline_message.offline_message_submitted"))

    assert status == 200
    assert [type(e) for e in workflow.ran] == [OfflineMessageReceived]


def test_a_redelivery_answers_what_the_first_delivery_answered_and_runs_nothing_new(
    trigger: Trigger, workflow: Workflow
) -> None:
    first = post(trigger, native_body())

    again = post(trigger, native_body())

    assert again == first
    assert len(workflow.ran) == 1


@pytest.mark.parametrize("token", ["wrong-token", TOKEN[:-1], TOKEN + "x", "%20"])
def test_a_wrong_token_is_401_and_runs_nothing(trigger: Trigger, workflow: Workflow, token: str) -> None:
    status, answer = post(trigger, native_body(), token=token)

    assert (status, answer) == (401, {"message": "missing, stale or invalid X-Signature"})
    assert workflow.ran == []


def test_the_chat_hmac_secret_is_not_a_token(trigger: Trigger, workflow: Workflow) -> None:
    status, _ = post(trigger, native_body(), token=CHAT_SECRET)

    assert status == 401


def test_without_a_configured_token_every_native_request_is_401(
    services: Services, workflow: Workflow, sync_table: str
) -> None:
    trigger = Trigger("chat_end")
    trigger.events("/v1/chat/events", EventHandler(ChatEnded, workflow.run))
    trigger.native(ROUTE, to_canonical)
    trigger.use_services(Services(services.settings.model_copy(update={"webhook_token_arns": {}})))

    status, _ = post(trigger, native_body())

    assert status == 401


def test_a_native_body_that_does_not_match_is_422_naming_the_platforms_field(
    trigger: Trigger, workflow: Workflow
) -> None:
    body = native_body()
    body["chat"]["start_time"] = "yesterday"

    status, answer = post(trigger, body)

    assert status == 422
    assert [e["loc"] for e in answer["errors"]] == [["chat", "start_time"]]
    assert workflow.ran == []


def test_an_event_the_route_does_not_take_is_422_naming_event(trigger: Trigger) -> None:
    body = native_body()
    body["event"] = "chat_started"

    status, answer = post(trigger, body)

    assert (status, [e["loc"] for e in answer["errors"]]) == (422, [["event"]])


def test_an_event_type_without_a_declared_workflow_is_422_naming_event(services: Services, workflow: Workflow) -> None:
    trigger = Trigger("chat_end")
    trigger.events("/v1/chat/events", EventHandler(ChatEnded, workflow.run))
    trigger.native(ROUTE, to_canonical)
    trigger.use_services(services)

    status, answer = post(trigger, native_body("offline_message.offline_message_submitted"))

    assert (status, [e["loc"] for e in answer["errors"]]) == (422, [["event"]])


def test_a_body_over_256_kib_is_413(trigger: Trigger) -> None:
    status, _ = post(trigger, None, raw=b'{"event": "' + b"x" * (256 * 1024) + b'"}')

    assert status == 413


def test_malformed_json_is_400(trigger: Trigger) -> None:
    status, _ = post(trigger, None, raw=b'{"event": ')

    assert status == 400


def test_a_json_body_that_is_not_an_object_is_422(trigger: Trigger) -> None:
    status, answer = post(trigger, ["chat_ended"])

    assert (status, [e["loc"] for e in answer["errors"]]) == (422, [[]])


def test_the_token_never_reaches_the_functions_log(
    trigger: Trigger, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, monkeypatch: Any
) -> None:
    # Given every debug switch on (Powertools' own event and route logging included)
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    monkeypatch.setenv("POWERTOOLS_DEV", "true")
    caplog.set_level(logging.DEBUG)
    # (botocore's own debug output prints every secret it reads, this one included: not the function's)
    caplog.set_level(logging.WARNING, logger="botocore")
    debug_trigger = Trigger("chat_end")
    debug_trigger.events("/v1/chat/events", EventHandler(ChatEnded, Workflow().run))
    debug_trigger.native(ROUTE, to_canonical)
    debug_trigger.use_services(trigger.services)

    # When a valid and a malformed native body arrive
    post(debug_trigger, native_body())
    post(debug_trigger, {"event": "chat_ended", "chat": {}})

    # Then the token is nowhere in what the function printed or logged
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err + caplog.text


def test_the_envelope_route_still_takes_signed_canonical_bodies(trigger: Trigger, workflow: Workflow) -> None:
    from devstack.signing import HEADER, sign

    raw = (EVENTS / "chat.ended.json").read_bytes()
    event = http_api_event(
        method="POST",
        raw_path="/v1/chat/events",
        raw_query="",
        headers=[("content-type", "application/json"), (HEADER, sign(CHAT_SECRET, "POST", "/v1/chat/events", raw))],
        body=raw,
        route_key="POST /v1/chat/events",
    )

    result = trigger.handler(event, None)

    assert result["statusCode"] == 200
    assert [type(e) for e in workflow.ran] == [ChatEnded]


@pytest.mark.parametrize("path", ["/v1/chat/native", "/v1/chat/native/<key>", "/v1/nowhere/native/<token>"])
def test_a_native_route_must_end_its_family_path_with_a_token(path: str) -> None:
    with pytest.raises(ValueError, match="native route"):
        Trigger("chat_end").native(path, to_canonical)


def test_each_familys_native_token_secret_comes_from_its_environment_variable() -> None:
    settings = Settings.from_environment(
        {
            "SYNC_STATE_TABLE": "s",
            "IDEMPOTENCY_TABLE": "i",
            "CHAT_NATIVE_WEBHOOK_TOKEN_SECRET_ARN": "arn:chat-token",
            "SOCIAL_NATIVE_WEBHOOK_TOKEN_SECRET_ARN": "",
        }
    )

    assert settings.webhook_token_arns == {"chat": "arn:chat-token"}
