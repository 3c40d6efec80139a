"""The inbox's actions feed and notification webhook, in the shapes of its synchronize API
(alcmeon/openapi synchronize.yaml: GET /actions, POST /notify)."""

import time
from collections.abc import Iterator

import pytest
import requests
from flask import Flask, request

from emulators._base import running

BASIC = ("local-social-app", "local-social-key")


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, object]]]]:
    """A webhook endpoint that keeps what it is sent."""
    received: list[dict[str, object]] = []
    app = Flask("receiver")

    @app.post("/hook")
    def hook() -> str:
        received.append(request.get_json())
        return "ok"

    with running(app) as base_url:
        yield f"{base_url}/hook", received


def _receive(social: str, text: str = "Hello") -> dict[str, object]:
    body = {"type": "task-create", "conversation_id": "conv-501", "text": text}
    response = requests.post(f"{social}/_admin/actions", json=body, timeout=5)
    assert response.status_code == 201
    return response.json()["action"]


def test_the_feed_lists_at_most_ten_actions_after_min_action_id_ascending(social: str) -> None:
    # given 12 received messages
    ids = [_receive(social, f"m{n}")["id"] for n in range(12)]
    # when the feed is read from 0, then after the first page
    first = requests.get(f"{social}/actions", params={"min_action_id": 0}, auth=BASIC, timeout=5).json()
    rest = requests.get(f"{social}/actions", params={"min_action_id": first[-1]["id"]}, auth=BASIC, timeout=5).json()
    # then 10, then the last 2, ascending
    assert [a["id"] for a in first] == ids[:10]
    assert [a["id"] for a in rest] == ids[10:]
    assert first[0]["type"] == "task-create"
    assert first[0]["task"]["conversation_id"] == "conv-501"
    assert first[0]["task"]["message"]["content"] == "m0"


def test_the_feed_needs_basic_auth(social: str) -> None:
    # when read without, or with the wrong, credentials
    anonymous = requests.get(f"{social}/actions", params={"min_action_id": 0}, timeout=5)
    wrong = requests.get(f"{social}/actions", params={"min_action_id": 0}, auth=("x", "y"), timeout=5)
    # then 401
    assert (anonymous.status_code, wrong.status_code) == (401, 401)


def test_an_action_is_notified_to_the_registered_webhook(
    social: str, receiver: tuple[str, list[dict[str, object]]]
) -> None:
    # given a webhook registered
    url, received = receiver
    requests.post(f"{social}/_admin/webhook", json={"url": url}, timeout=5).raise_for_status()
    # when a message is received
    action = _receive(social)
    # then the notification {"id", "action"} arrives
    deadline = time.monotonic() + 3
    while not received and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(received) == 1
    assert received[0]["action"] == action
    assert isinstance(received[0]["id"], int)


def test_dropped_notifications_are_lost_but_the_feed_has_the_action(
    social: str, receiver: tuple[str, list[dict[str, object]]]
) -> None:
    # given a webhook registered, its notifications dropped
    url, received = receiver
    requests.post(f"{social}/_admin/webhook", json={"url": url, "drop": True}, timeout=5).raise_for_status()
    # when a message is received
    action = _receive(social)
    time.sleep(0.3)
    # then nothing was notified, and the feed lists it
    assert received == []
    feed = requests.get(f"{social}/actions", params={"min_action_id": 0}, auth=BASIC, timeout=5).json()
    assert [a["id"] for a in feed] == [action["id"]]


def test_a_user_match_matches_every_conversation_of_the_user(social: str) -> None:
    # when the inbox matches u-88 to a Contact
    body = {"type": "user-match", "conversation_id": "conv-501", "salesforce_contact_id": "003000000000003AAA"}
    action = requests.post(f"{social}/_admin/actions", json=body, timeout=5).json()["action"]
    # then the action says so, and the user's closed conversation carries it too
    assert action["data"] == {"salesforce_contact_id": "003000000000003AAA"}
    inbox = requests.get(
        f"{social}/api/v1/conversations/conv-480", headers={"Authorization": "Bearer local-social-key"}, timeout=5
    )
    assert inbox.json()["conversation"]["salesforce_contact_id"] == "003000000000003AAA"
