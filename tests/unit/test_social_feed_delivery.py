"""The social inbox's doorbell (`POST /v1/social/native/<token>`) and the scheduled poll of its
actions feed, in-process: the real pipeline, moto, the social emulator over HTTP, and a stand-in
workflow for the conversation events (what it received is what the feed queued)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.exceptions
import pytest

from connector.config import ConnectorConfig
from connector.envelope import Outcome
from connector.pipeline import EventHandler, Trigger
from connector.services import Services
from connector.settings import PlatformApi, Settings
from connector.social.feed import FEED, DoorbellAnswer, find_head, poll_feed, ring_doorbell
from connector.social.models import ConversationChanged
from connector.state import FeedPositionStore, RequestBudgetStore
from devstack.events import http_api_event, scheduled_event, sqs_event
from emulators._base import running
from emulators.social import create_app

TOKEN = "social-t0ken-of-this-installation-0123"
ROUTE = "/v1/social/native/<token>"
SEED = {
    "conversations": [
        {
            "id": "conv-501",
            "channel": "whatsapp",
            "status": "open",
            "user": {"id": "u-88", "handle": "+33612345678", "name": "Camille Martin"},
        }
    ]
}


class Workflow:
    def __init__(self) -> None:
        self.ran: list[ConversationChanged] = []

    def run(self, event: ConversationChanged, services: Services) -> Outcome:
        self.ran.append(event)
        return Outcome(ids={})


@pytest.fixture(scope="module")
def inbox_server() -> Iterator[tuple[Any, str]]:
    app = create_app()
    with running(app) as url:
        yield app.test_client(), url


@pytest.fixture
def inbox(inbox_server: tuple[Any, str]) -> Any:
    admin, _ = inbox_server
    admin.post("/_admin/reset")
    assert admin.post("/_admin/seed", json=SEED).status_code == 200
    return admin


@pytest.fixture
def feed_start() -> str:
    """Where the feed starts on a new deployment: these tests read the inbox's whole feed."""
    return "beginning"


@pytest.fixture
def services(
    sync_table: str, idempotency_table: str, sqs: Any, inbox_server: tuple[Any, str], feed_start: str
) -> Iterator[Services]:
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    api_secret = json.dumps({"app_id": "local-social-app", "api_key": "local-social-key"})
    settings = Settings(
        sync_state_table=sync_table,
        idempotency_table=idempotency_table,
        queue_url=sqs.create_queue(QueueName="q")["QueueUrl"],
        dead_letter_queue_url=sqs.create_queue(QueueName="dlq")["QueueUrl"],
        retry_base_seconds=0,
        webhook_token_arns={"social": secrets.create_secret(Name="social-token", SecretString=TOKEN)["ARN"]},
        config=ConnectorConfig.model_validate({"social": {"feed": {"start": feed_start}}}),
        social_api=PlatformApi(
            url=inbox_server[1], secret_arn=secrets.create_secret(Name="social-api", SecretString=api_secret)["ARN"]
        ),
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
    trigger = Trigger("conversation_routing")
    trigger.events("/v1/social/conversations", EventHandler(ConversationChanged, workflow.run))
    trigger.doorbell(ROUTE, ring_doorbell, DoorbellAnswer)
    trigger.on_schedule(lambda s: poll_feed(s, trigger.accept_canonical))
    trigger.use_services(services)
    return trigger


def receive(inbox: Any, text: str = "Bonjour", team: str = "Support FR") -> dict[str, Any]:
    body = {"type": "task-create", "conversation_id": "conv-501", "text": text, "team": team}
    response = inbox.post("/_admin/actions", json=body)
    assert response.status_code == 201
    return dict(response.get_json())


def ring(trigger: Trigger, body: Any, token: str = TOKEN) -> tuple[int, dict[str, Any]]:
    path = f"/v1/social/native/{token}"
    event = http_api_event(
        method="POST",
        raw_path=path,
        raw_query="",
        headers=[("content-type", "application/json")],
        body=json.dumps(body).encode(),
        route_key="POST /v1/social/native/{token}",
        path_parameters={"token": token},
    )
    result = trigger.handler(event, None)
    return result["statusCode"], json.loads(result["body"])


def poll(trigger: Trigger) -> dict[str, Any]:
    return dict(trigger.handler(scheduled_event("social-feed"), None))


def drain(trigger: Trigger, services: Services) -> None:
    """Run the queued messages through the function, as the event source mapping would: a message
    the batch reports failed comes back (at once here), the others are deleted."""
    queue_url = services.settings.queue_url
    arn = services.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for _ in range(50):
        got = services.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"])
        messages = got.get("Messages", [])
        if not messages:
            return
        response = trigger.handler(sqs_event(messages, arn), None)
        failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        for m in messages:
            if m["MessageId"] in failed:
                services.sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                services.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    raise AssertionError("the queue did not drain")


def test_the_poll_applies_each_action_once_and_keeps_its_position(
    trigger: Trigger, services: Services, inbox: Any, workflow: Workflow
) -> None:
    # given 12 messages of one conversation routed to a team: two pages of the feed
    for n in range(12):
        receive(inbox, f"m{n}")
    # when the schedule polls twice, and the queue runs
    first, second = poll(trigger), poll(trigger)
    drain(trigger, services)
    # then the conversation's newest state ran (an older one of the same batch is overtaken, never
    # run after it), nothing twice, and the second poll had nothing to do
    texts = [e.data.last_message.text for e in workflow.ran]
    assert texts[-1] == "m11"
    assert len(texts) == len(set(texts))
    assert (first["accepted"], first["actions"], first["stopped"]) == (12, 12, "caught_up")
    assert (second["accepted"], second["actions"]) == (0, 0)
    assert second["position"] == first["position"] == 5501 + 11  # the last action's id


def test_a_rung_doorbell_queues_the_inbox_version_of_the_action_not_the_body(
    trigger: Trigger, services: Services, inbox: Any, workflow: Workflow
) -> None:
    # given a received message, and a notification naming it with forged content
    notification = receive(inbox, "the inbox's text")
    forged = {"id": 1, "action": dict(notification["action"])}
    forged["action"]["task"] = {**forged["action"]["task"], "conversation_id": "conv-666"}
    forged["action"]["task"]["message"] = {"content": "forged text", "author": {"id": "u-evil"}}
    # when the doorbell rings, and the queue runs
    status, answer = ring(trigger, forged)
    drain(trigger, services)
    # then what ran is the inbox's action
    assert (status, answer) == (200, {"status": "queued", "action_id": notification["action"]["id"]})
    assert [(e.data.conversation_id, e.data.last_message.text) for e in workflow.ran] == [
        ("conv-501", "the inbox's text")
    ]


def test_a_notification_of_an_action_the_inbox_does_not_have_changes_nothing(
    trigger: Trigger, services: Services, inbox: Any, workflow: Workflow
) -> None:
    # given a forged notification for an action id the inbox never had
    body = {"id": 9, "action": {"id": 999999, "type": "task-create", "task": {"conversation_id": "conv-501"}}}
    # when it rings
    status, answer = ring(trigger, body)
    drain(trigger, services)
    # then it is ignored and nothing ran
    assert (status, answer) == (200, {"status": "ignored", "action_id": 999999})
    assert workflow.ran == []


def test_an_action_seen_by_the_doorbell_and_by_the_poll_is_applied_once(
    trigger: Trigger, services: Services, inbox: Any, workflow: Workflow
) -> None:
    # given a received message whose notification rang the doorbell
    notification = receive(inbox)
    ring(trigger, {"id": 1, "action": notification["action"]})
    # when the poll reads it too, and the queue runs
    polled = poll(trigger)
    drain(trigger, services)
    poll(trigger)
    # then it ran once
    assert polled["actions"] == 1
    assert len(workflow.ran) == 1


def test_a_wrong_token_is_401_and_reads_nothing(trigger: Trigger, inbox: Any, workflow: Workflow) -> None:
    notification = receive(inbox)
    status, _ = ring(trigger, {"id": 1, "action": notification["action"]}, token="wrong")
    assert status == 401


def test_a_notification_naming_no_action_is_422(trigger: Trigger, inbox: Any) -> None:
    status, answer = ring(trigger, {"id": 1})
    assert status == 422
    assert answer["errors"][0]["loc"] == ["action", "id"]


def test_two_polls_that_read_the_same_position_cannot_both_move_it(sync_table: str, dynamodb: Any) -> None:
    # given a position both polls read
    positions = FeedPositionStore(sync_table, dynamodb)
    assert positions.advance(FEED, 0, 5510)
    # when both try to move it from there
    first, second = positions.advance(FEED, 5510, 5520), positions.advance(FEED, 5510, 5515)
    # then only the first does, and the position never goes back
    assert (first, second) == (True, False)
    assert positions.get(FEED) == 5520


def test_a_poll_while_the_inbox_is_unavailable_keeps_its_position(
    trigger: Trigger, inbox: Any, workflow: Workflow
) -> None:
    # given a received message, and the inbox's API answering 429 (its rate limit)
    receive(inbox)
    inbox.post("/_admin/faults", json={"status": 429, "match": "GET /actions", "count": 1})
    # when the schedule polls, then polls again
    refused, next_one = poll(trigger), poll(trigger)
    # then the first stops where it was, the second reads the action
    assert (refused["stopped"], refused["position"], refused["actions"]) == ("unavailable", 0, 0)
    assert (next_one["stopped"], next_one["actions"]) == ("caught_up", 1)


def test_an_event_type_the_trigger_does_not_handle_is_refused_and_runs_nothing(
    trigger: Trigger, workflow: Workflow
) -> None:
    # given a canonical body of a type no workflow on this trigger takes (issue9-sync's, before it lands)
    body = {"event_id": "alcmeon-action-1", "event_type": "user.matched", "occurred_at": "2026-11-23T10:00:00Z"}
    # when the feed hands it to the pipeline
    answer = trigger.accept_canonical({**body, "source": "social", "data": {}}, defer=True)
    # then 422, and nothing ran
    assert answer.status == 422
    assert workflow.ran == []


def test_an_action_the_doorbell_is_still_queuing_is_read_again_by_the_next_poll() -> None:
    # given two actions in the inbox, the first one being queued by the doorbell at this moment (409)
    task = {"conversation_id": "conv-7", "conversation": {"team": "Support FR"}}
    actions = [
        {"id": n, "type": "task-create", "date": "2026-11-23", "time": "10:00:00", "task": task} for n in (7001, 7002)
    ]

    class Positions:
        kept = 7000

        def find(self, feed: str) -> int:
            return self.kept

        def advance(self, feed: str, seen: int, to: int) -> bool:
            if seen != self.kept:
                return False
            self.kept = max(self.kept, to)
            return True

    class Inbox:
        def actions(self, after: int, upto: int | None = None) -> list[dict[str, Any]]:
            return [a for a in actions if a["id"] > after]

    class Answer:
        def __init__(self, status: int) -> None:
            self.status = status

    class Budget:
        def take(self, name: str, up_to: int) -> bool:
            return True

    settings = Settings(sync_state_table="t", idempotency_table="i")

    services: Any = type(
        "S",
        (),
        {"feed_positions": Positions(), "social_actions": Inbox(), "settings": settings, "request_budget": Budget()},
    )()
    answers = iter([409])

    def accept(canonical: dict[str, Any], defer: bool = False) -> Answer:
        return Answer(next(answers, 202))

    # when the schedule polls (the doorbell's intake then fails: the inbox never rings again)
    first = poll_feed(services, accept)
    # then the position stays before that action, and the next poll queues it
    assert first.position == 7000
    second = poll_feed(services, accept)
    assert (second.accepted, second.position) == (2, 7002)


class _Context:
    function_name, memory_limit_in_mb, function_version = "conversation_routing", 512, "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:conversation_routing"
    aws_request_id, log_group_name, log_stream_name = "req-1", "/aws/lambda/x", "s"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def test_a_poll_dying_mid_intake_leaves_an_in_progress_record_that_expires_with_its_invocation(
    trigger: Trigger, inbox: Any
) -> None:
    # given an action to queue
    receive(inbox)
    # when the schedule polls, in its Lambda invocation
    context = _Context()
    trigger.handler(scheduled_event("social-feed"), context)
    # then the intake's in-progress records expire with the invocation (else a poll that timed out
    # mid-intake would leave a record answering 409 for the idempotency TTL, and the next polls stop
    # before it)
    assert trigger._idempotency_config().lambda_context is context


def dead_letters(services: Services) -> list[dict[str, Any]]:
    got = services.sqs.receive_message(
        QueueUrl=services.settings.dead_letter_queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )
    return list(got.get("Messages", []))


def test_a_malformed_action_is_dead_lettered_with_the_reason_and_the_poll_moves_past_it(
    trigger: Trigger, services: Services, inbox: Any, workflow: Workflow
) -> None:
    # given an action whose event is malformed (its user's handle is past the 255 characters of the
    # model), then a well-formed one
    user = {"id": "u-long", "handle": "+33" + "6" * 300}
    seed = {"conversations": [{"id": "conv-bad", "channel": "whatsapp", "status": "open", "user": user}]}
    assert inbox.post("/_admin/seed", json=seed).status_code == 200
    body = {"type": "task-create", "conversation_id": "conv-bad", "text": "Bonjour", "team": "Support FR"}
    bad = inbox.post("/_admin/actions", json=body).get_json()["action"]
    good = receive(inbox)["action"]
    # when the schedule polls
    polled = poll(trigger)
    drain(trigger, services)
    # then the poll moved past both, the good one ran, and the bad one is in the dead-letter queue
    # with the field at fault (never its value)
    assert (polled["position"], polled["accepted"]) == (good["id"], 1)
    assert [e.data.conversation_id for e in workflow.ran] == ["conv-501"]
    (parked,) = dead_letters(services)
    attributes = {k: v["StringValue"] for k, v in parked["MessageAttributes"].items()}
    assert attributes["event_id"] == f"alcmeon-action-{bad['id']}"
    assert "data.user.handle" in attributes["last_error"]
    assert "666" not in attributes["last_error"]


class Clock:
    """The time the request budget reads: one minute, until a test moves it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("feed_start", ["now"])
def test_a_new_deployments_first_poll_starts_at_the_head_without_syncing_the_past(
    trigger: Trigger, services: Services, inbox: Any, workflow: Workflow
) -> None:
    # given an inbox with history (12 actions), no position kept, and social.feed.start "now"
    history = [receive(inbox, f"old {n}")["action"]["id"] for n in range(12)]
    # when the schedule polls for the first times, a minute apart (a few requests each, the search
    # kept between them)
    clock = Clock()
    services.request_budget = RequestBudgetStore(services.settings.sync_state_table, services.dynamodb, clock)
    searching = [poll(trigger)]
    while searching[-1]["stopped"] == "finding_head" and len(searching) < 5:
        clock.now += 60
        searching.append(poll(trigger))
    drain(trigger, services)
    # then the position is the newest action, and none of the past ran
    assert (searching[-1]["stopped"], searching[-1]["position"]) == ("started_at_head", history[-1])
    assert sum(p["accepted"] for p in searching) == 0
    assert workflow.ran == []
    # and an action after that is applied by the next poll
    receive(inbox, "new")
    assert poll(trigger)["accepted"] == 1
    drain(trigger, services)
    assert [e.data.last_message.text for e in workflow.ran] == ["new"]


@pytest.mark.parametrize("feed_start", ["now"])
def test_a_new_deployments_first_notification_starts_the_feed_at_its_action(
    trigger: Trigger, services: Services, inbox: Any, workflow: Workflow
) -> None:
    # given an inbox with history, no position kept, and social.feed.start "now"
    for n in range(3):
        receive(inbox, f"old {n}")
    # when the first notification rings (the newest action), then the schedule polls
    notification = receive(inbox, "new")
    ring(trigger, {"id": 1, "action": notification["action"]})
    polled = poll(trigger)
    drain(trigger, services)
    # then only that action ran, once; the past before it is not synced
    assert polled["position"] == notification["action"]["id"]
    assert [e.data.last_message.text for e in workflow.ran] == ["new"]


@pytest.mark.parametrize("feed_start", ["now"])
def test_a_forged_notification_does_not_start_the_feed(trigger: Trigger, services: Services, inbox: Any) -> None:
    ring(trigger, {"id": 9, "action": {"id": 10**9, "type": "task-create"}})
    assert services.feed_positions.find(FEED) is None


class SparseFeed:
    """A feed whose ids have gaps, up to `head`; counts the requests made of it."""

    def __init__(self, head: int) -> None:
        self.head, self.requests = head, 0

    def actions(self, after: int) -> list[dict[str, Any]]:
        self.requests += 1
        # the ids are the multiples of 3 up to the head
        return [{"id": i} for i in range((after // 3 + 1) * 3, self.head + 1, 3)[:10]]


@pytest.mark.parametrize("head", [0, 7, 5_512, 1_234_567, 987_654_321])
def test_the_head_of_a_feed_is_found_in_a_logarithmic_number_of_requests(head: int) -> None:
    # given a feed whose newest action is `head`
    feed = SparseFeed(head)
    low, high, found = 0, None, None
    # when the search runs, five requests at a time (one poll each), resuming from what it knows
    for _ in range(20):
        found, low, high = find_head(feed.actions, low, high, 5)
        if found is not None:
            break
    # then it finds the newest action id exactly, in about log8(head / 1024) + log2(head / 10) requests
    assert found == head // 3 * 3
    assert feed.requests <= 3 + math.log(max(head, 1024) / 1024, 8) + math.log2(max(head, 1024) / 10)


def inbox_reads(inbox: Any) -> int:
    return len(inbox.get("/_admin/requests", query_string={"match": "GET /actions"}).get_json())


def test_the_doorbell_and_the_poll_share_the_inboxs_requests_of_a_minute(
    trigger: Trigger, services: Services, inbox: Any
) -> None:
    # given one minute, in which the inbox rang the doorbell for 10 received messages
    services.request_budget = RequestBudgetStore(services.settings.sync_state_table, services.dynamodb, Clock())
    inbox.delete("/_admin/requests")
    rung = [ring(trigger, {"id": n, "action": receive(inbox, f"m{n}")["action"]})[1] for n in range(10)]
    assert {r["status"] for r in rung} == {"queued"}
    # when the schedule polls in that minute
    polled = poll(trigger)
    # then the poll reads nothing: its share (10 of the 15) is spent, the doorbell keeps the rest
    assert (polled["stopped"], polled["actions"]) == ("budget_spent", 0)
    later = [ring(trigger, {"id": n, "action": receive(inbox, f"m{n}")["action"]})[1] for n in range(10, 16)]
    assert [r["status"] for r in later] == ["queued"] * 5 + ["deferred"]
    # and the inbox was asked 15 times in the minute, its limit
    assert inbox_reads(inbox) == 15


@pytest.mark.parametrize("feed_start", ["now"])
def test_a_notification_of_an_old_action_does_not_start_the_feed_in_the_past(
    trigger: Trigger, services: Services, inbox: Any
) -> None:
    # given an inbox with history (12 actions), no position kept, and social.feed.start "now"
    history = [receive(inbox, f"old {n}")["action"] for n in range(12)]
    # when a notification (forged, or very late) names its first action, which the inbox has
    ring(trigger, {"id": 1, "action": history[0]})
    # then the feed is not started there (the whole history would replay): the head search starts it
    assert services.feed_positions.find(FEED) is None


class ThrottledDynamoDb:
    """DynamoDB throttling the request budget's counter (ProvisionedThroughputExceeded), from the
    `after`-th count on; every other call goes through."""

    def __init__(self, client: Any, after: int = 0) -> None:
        self._client, self._left = client, after

    def update_item(self, **kwargs: Any) -> Any:
        if self._left <= 0:
            error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "throttled"}}
            raise botocore.exceptions.ClientError(error, "UpdateItem")
        self._left -= 1
        return self._client.update_item(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_a_doorbell_whose_request_count_dynamodb_throttles_leaves_the_action_to_the_poll(
    trigger: Trigger, services: Services, inbox: Any
) -> None:
    # given DynamoDB throttling the shared request budget's counter
    services.request_budget = RequestBudgetStore(
        services.settings.sync_state_table, ThrottledDynamoDb(services.dynamodb), Clock()
    )
    # when the inbox rings for a received message
    status, answer = ring(trigger, {"id": 1, "action": receive(inbox)["action"]})
    # then it is told the action is deferred (the poll reads it), as when the minute's requests are spent
    assert (status, answer["status"]) == (200, "deferred")


@pytest.mark.parametrize("feed_start", ["now"])
def test_a_head_search_whose_request_count_dynamodb_throttles_keeps_what_it_found(
    trigger: Trigger, services: Services, inbox: Any
) -> None:
    # given a new deployment's first poll, whose third count of a request DynamoDB throttles
    services.request_budget = RequestBudgetStore(
        services.settings.sync_state_table, ThrottledDynamoDb(services.dynamodb, after=2), Clock()
    )
    # when the schedule polls
    polled = poll(trigger)
    # then it stops as with the minute's requests spent, and the two probes it made are kept
    assert polled["stopped"] == "budget_spent"
    assert services.feed_positions.head_search(FEED) != (0, None)


class PositionsFailingOnce:
    """The feed's position store, whose first move of the position fails (the poll dies there)."""

    def __init__(self, positions: FeedPositionStore) -> None:
        self._positions, self._failed = positions, False

    def advance(self, feed: str, read: int, to: int) -> bool:
        if not self._failed:
            self._failed = True
            raise RuntimeError("the poll died before it moved the position")
        return self._positions.advance(feed, read, to)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._positions, name)


def test_a_malformed_action_read_again_after_a_poll_died_is_dead_lettered_once(
    trigger: Trigger, services: Services, inbox: Any
) -> None:
    # given a malformed action (its user's handle past 255 characters), and a poll that dead-letters
    # it, then dies before it moves the position
    user = {"id": "u-long", "handle": "+33" + "6" * 300}
    seed = {"conversations": [{"id": "conv-bad", "channel": "whatsapp", "status": "open", "user": user}]}
    assert inbox.post("/_admin/seed", json=seed).status_code == 200
    body = {"type": "task-create", "conversation_id": "conv-bad", "text": "Bonjour", "team": "Support FR"}
    assert inbox.post("/_admin/actions", json=body).status_code == 201
    positions = services.feed_positions
    services.feed_positions = PositionsFailingOnce(positions)  # type: ignore[assignment]
    with pytest.raises(RuntimeError):
        poll_feed(services, trigger.accept_canonical)
    # when the next poll reads that action again
    polled = poll(trigger)
    # then it moves past it, and the dead-letter queue holds it once
    assert polled["stopped"] == "caught_up"
    assert len(dead_letters(services)) == 1


def test_a_head_search_kept_by_a_slower_poll_never_loses_what_another_found(sync_table: str, dynamodb: Any) -> None:
    # given two polls that read the search's start (nothing known) together; the first narrows it
    positions = FeedPositionStore(sync_table, dynamodb)
    positions.keep_head_search(FEED, 8192, 9000)
    # when the second, slower (its first probe spent the minute's budget), keeps what it knows
    positions.keep_head_search(FEED, 1024, None)
    # then what the first found stays, and a narrower search is still kept
    assert positions.head_search(FEED) == (8192, 9000)
    positions.keep_head_search(FEED, 8600, 9000)
    assert positions.head_search(FEED) == (8600, 9000)
