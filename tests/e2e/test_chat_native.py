"""The chat platform's own webhooks, end to end through the local stack: posted to
`/v1/chat/native/<token>` as the platform posts them (its JSON, no X-Signature), they are refused
without the installation's token, refused naming the platform's field when they do not match, and
leave the same Salesforce records as their canonical twins posted to `/v1/chat/events`."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import LocalStack
from example_events import body_of
from salesforce_org import wait_for

pytestmark = pytest.mark.e2e

NATIVE = Path(__file__).resolve().parents[2] / "events" / "native"
# The platform gives a webhook 10 seconds before it redelivers.
PLATFORM_TIMEOUT = 10.0
# Set by Salesforce, by the clock or by the record's own keys, not by the event's content.
VOLATILE = {
    "Id",
    "attributes",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
    "LastActivityDate",
    "LastViewedDate",
    "LastReferencedDate",
    "OwnerId",
    "CaseNumber",
    "ContactId",
    "AccountId",
    "WhoId",
    "WhatId",
}


def native_body(name: str = "chat.chat_ended") -> dict[str, Any]:
    return dict(json.loads((NATIVE / f"{name}.native.json").read_text()))


def token_of(stack: LocalStack) -> str:
    return str(stack.health["native_webhook_tokens"]["chat"])


def post_native(stack: LocalStack, body: Any, token: str) -> requests.Response:
    """POST as the platform does: its JSON to the URL its admin configured, nothing signed."""
    return stack.http.post(f"{stack.url}/v1/chat/native/{token}", json=body, timeout=60)


def test_the_local_stack_lists_the_chat_platforms_url_token(stack: LocalStack) -> None:
    assert token_of(stack)


def test_a_native_webhook_with_a_wrong_token_is_401(stack: LocalStack) -> None:
    resp = post_native(stack, native_body(), token="not-the-token")

    assert resp.status_code == 401


def test_the_chat_families_hmac_secret_does_not_open_the_native_route(stack: LocalStack) -> None:
    resp = post_native(stack, native_body(), token=stack.health["webhook_secrets"]["chat"])

    assert resp.status_code == 401


def test_a_native_webhook_that_does_not_match_is_422_naming_the_platforms_field(stack: LocalStack) -> None:
    body = native_body()
    body["chat"]["start_time"] = "yesterday"

    resp = post_native(stack, body, token_of(stack))

    assert resp.status_code == 422
    assert [e["loc"] for e in resp.json()["errors"]] == [["chat", "start_time"]]


def test_a_native_webhook_of_another_event_is_422_naming_event(stack: LocalStack) -> None:
    body = native_body()
    body["event"] = "chat_started"

    resp = post_native(stack, body, token_of(stack))

    assert (resp.status_code, [e["loc"] for e in resp.json()["errors"]]) == (422, [["event"]])


# -- the acceptance: same records as the canonical twin ----------------------------------------------


def _records(stack: LocalStack, sobject: str) -> list[dict[str, Any]]:
    resp = requests.get(f"{stack.salesforce}/_admin/records/{sobject}", timeout=10)
    resp.raise_for_status()
    return list(resp.json()["records"])


def _left_by(stack: LocalStack, chat_id: str, email: str) -> dict[str, list[dict[str, Any]]]:
    """The records a chat left: Cases and Tasks carrying its chat id, Contacts and Leads its email;
    their own keys and ids replaced, so that two chats' records compare."""

    def clean(record: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for key, value in record.items():
            if key in VOLATILE or key == "Chat_Id__c":
                continue
            if isinstance(value, str):
                value = value.replace(email, "<email>").replace(chat_id, "<chat>")
            out[key] = value
        return out

    left: dict[str, list[dict[str, Any]]] = {}
    for sobject in ("Case", "Task"):
        left[sobject] = [clean(r) for r in _records(stack, sobject) if r.get("Chat_Id__c") == chat_id]
    for sobject in ("Contact", "Lead"):
        left[sobject] = [clean(r) for r in _records(stack, sobject) if (r.get("Email") or "").lower() == email]
    return left


def _leaves_something(stack: LocalStack, chat_id: str, email: str) -> dict[str, list[dict[str, Any]]] | None:
    left = _left_by(stack, chat_id, email)
    return left if any(left.values()) else None


def test_the_native_example_leaves_the_same_records_as_its_canonical_twin(stack: LocalStack) -> None:
    # Given the canonical twin (events/chat.ended.json) and the native example, each with its own chat
    # and visitor so that neither finds the other's records
    run = uuid.uuid4().hex[:8]
    twin_chat, twin_email = f"chat-{run}", f"twin-{run}@example.com"
    native_chat, native_email = f"native-{run}", f"visitor-{run}@example.com"
    twin = body_of("chat.ended", chat_id=twin_chat)
    twin["data"]["visitor"]["email"] = twin_email
    native = native_body()
    native["chat"]["id"] = native_chat
    native["visitor"]["chat_id"] = native_chat
    native["visitor"]["email"] = native["chat"]["email"] = native_email

    # When the twin is posted to the envelope route and the native body to the native route
    assert stack.send(twin).status_code in (200, 202)
    started = time.monotonic()
    answer = post_native(stack, native, token_of(stack))
    elapsed = time.monotonic() - started

    # Then the native route answered within the platform's 10 s, and both chats left the same records
    assert answer.status_code in (200, 202), answer.text
    assert elapsed < PLATFORM_TIMEOUT
    expected = wait_for(lambda: _leaves_something(stack, twin_chat, twin_email), timeout=60)
    got = wait_for(lambda: _leaves_something(stack, native_chat, native_email), timeout=60)
    assert got == expected


def test_a_redelivered_native_webhook_answers_as_the_first_and_writes_nothing_new(stack: LocalStack) -> None:
    # Given a native chat-ended webhook, delivered once and synced
    run = uuid.uuid4().hex[:8]
    chat_id, email = f"redelivered-{run}", f"redelivered-{run}@example.com"
    native = native_body()
    native["chat"]["id"] = native["visitor"]["chat_id"] = chat_id
    native["visitor"]["email"] = native["chat"]["email"] = email
    first = post_native(stack, native, token_of(stack))
    assert first.status_code in (200, 202), first.text
    before = wait_for(lambda: _leaves_something(stack, chat_id, email), timeout=60)

    # When the platform redelivers it (as it does when it saw no answer within 10 s)
    again = post_native(stack, native, token_of(stack))

    # Then the answer is the first one's and the records are unchanged
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert _left_by(stack, chat_id, email) == before
