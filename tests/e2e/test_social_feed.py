"""The social inbox's notification webhook and actions feed, end to end through the local stack:
the inbox's notification (unsigned, 1 s, never redelivered) rings `/v1/social/native/<token>`, a
doorbell whose body is never trusted; the scheduled poll of the inbox's actions API catches what a
lost notification missed; an action is applied once however it arrives."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from conftest import LocalStack
from salesforce_org import SalesforceOrg, wait_for

pytestmark = pytest.mark.e2e

# "The API call will timeout after one second" (alcmeon/openapi synchronize.yaml, POST /notify).
INBOX_TIMEOUT = 1.0
SCHEDULED = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}


def token_of(stack: LocalStack) -> str:
    return str(stack.health["native_webhook_tokens"]["social"])


@pytest.fixture
def inbox(stack: LocalStack) -> Iterator[str]:
    """The social emulator, its feed started (social.feed.start "now": the first polls set the
    position at the inbox's head); its webhook reset afterwards."""
    assert stack.social
    for _ in range(10):
        if poll(stack)["stopped"] != "finding_head":
            break
    yield stack.social
    requests.post(f"{stack.social}/_admin/webhook", json={"url": None}, timeout=5).raise_for_status()


def new_conversation(social: str) -> str:
    conversation_id = f"conv-e2e-{uuid.uuid4().hex[:10]}"
    user = {"id": f"u-{conversation_id}", "handle": "+33600000000", "name": "Camille E2E"}
    seed = {"conversations": [{"id": conversation_id, "channel": "whatsapp", "status": "open", "user": user}]}
    requests.post(f"{social}/_admin/seed", json=seed, timeout=5).raise_for_status()
    return conversation_id


def webhook(stack: LocalStack, *, drop: bool) -> None:
    url = f"{stack.url}/v1/social/native/{token_of(stack)}"
    requests.post(f"{stack.social}/_admin/webhook", json={"url": url, "drop": drop}, timeout=5).raise_for_status()


def receive(social: str, conversation_id: str) -> dict[str, Any]:
    body = {"type": "task-create", "conversation_id": conversation_id, "text": "Bonjour", "team": "Support FR"}
    response = requests.post(f"{social}/_admin/actions", json=body, timeout=5)
    response.raise_for_status()
    return dict(response.json())


def poll(stack: LocalStack) -> dict[str, Any]:
    response = stack.invoke("ConversationRoutingFunction", SCHEDULED)
    assert response.status_code == 200, response.text
    return dict(response.json())


def conversations(stack: LocalStack, conversation_id: str) -> list[dict[str, Any]]:
    org = SalesforceOrg(stack.salesforce or "")
    return org.query(f"SELECT Id FROM Social_Conversation__c WHERE Conversation_Id__c = '{conversation_id}'")


def test_the_local_stack_lists_the_social_inboxs_url_token(stack: LocalStack) -> None:
    assert token_of(stack)


def test_a_dropped_notification_is_read_by_the_next_poll(stack: LocalStack, inbox: str) -> None:
    # given a message received while the inbox's notifications are lost
    webhook(stack, drop=True)
    action = receive(inbox, new_conversation(inbox))["action"]
    # when the schedule polls the actions feed
    polled = poll(stack)
    # then the poll has read past that action
    assert polled["position"] >= action["id"]


def test_a_dropped_notification_is_applied_by_the_next_poll(stack: LocalStack, inbox: str) -> None:
    webhook(stack, drop=True)
    conversation_id = new_conversation(inbox)
    receive(inbox, conversation_id)
    assert conversations(stack, conversation_id) == []

    poll(stack)

    assert len(wait_for(lambda: conversations(stack, conversation_id), timeout=30)) == 1


def test_the_doorbell_answers_within_the_inboxs_timeout(stack: LocalStack, inbox: str) -> None:
    # given a received message's notification (as the inbox posts it: no signature)
    notification = {"id": 1, "action": receive(inbox, new_conversation(inbox))["action"]}
    url = f"{stack.url}/v1/social/native/{token_of(stack)}"
    stack.http.post(url, json={"id": 0, "action": {"id": 1}}, timeout=60)  # a warm container
    # when it rings the doorbell
    started = time.monotonic()
    response = stack.http.post(url, json=notification, timeout=60)
    elapsed = time.monotonic() - started
    # then it answers 200 before the inbox gives up
    assert response.status_code == 200
    assert response.json()["action_id"] == notification["action"]["id"]
    assert elapsed < INBOX_TIMEOUT


def test_a_notification_with_a_wrong_token_is_401(stack: LocalStack, inbox: str) -> None:
    response = stack.http.post(f"{stack.url}/v1/social/native/not-the-token", json={"id": 1}, timeout=60)
    assert response.status_code == 401


def test_a_forged_notification_of_an_unknown_action_changes_nothing(stack: LocalStack, inbox: str) -> None:
    # given a notification the inbox never sent, for a conversation it does not have
    conversation_id = f"conv-forged-{uuid.uuid4().hex[:10]}"
    forged = {"id": 1, "action": {"id": 10**12, "type": "task-create", "task": {"conversation_id": conversation_id}}}
    # when it rings the doorbell
    response = stack.http.post(f"{stack.url}/v1/social/native/{token_of(stack)}", json=forged, timeout=60)
    # then it is ignored, and nothing reaches Salesforce
    assert response.status_code == 200
    assert response.json() == {"status": "ignored", "action_id": 10**12}
    time.sleep(2)
    assert conversations(stack, conversation_id) == []


def test_a_notified_action_is_applied_once_by_the_doorbell_and_the_poll(stack: LocalStack, inbox: str) -> None:
    # given a received message whose notification reaches the doorbell
    webhook(stack, drop=False)
    conversation_id = new_conversation(inbox)
    receive(inbox, conversation_id)
    wait_for(lambda: conversations(stack, conversation_id), timeout=30)
    # when the poll reads the same action
    poll(stack)
    time.sleep(2)
    # then one conversation record
    assert len(conversations(stack, conversation_id)) == 1
