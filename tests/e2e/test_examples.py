"""A newcomer's first run: every example body in `events/`, sent as it stands to a fresh local stack
(emulators seeded from `local/seed/`), is accepted and ends SYNCED.

One test over the whole directory, in the order a shell loop sends it (sorted file names). A 202
is accepted only when the entity's sync state then reads SYNCED; a 200 must already read SYNCED.
A command answers at once: 200 with its result, or, for a find that finds nothing on a fresh org,
404 `not_found`. A sync event whose example names a Salesforce record a fresh org lacks ends DEAD
with Salesforce's error code (`DEAD_ON_A_FRESH_ORG`).
Event types whose trigger is not built yet must still answer 404 (or 422 at event_type on a route
that exists without them): when a trigger lands, this test fails until its examples are given their
documented answer here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import LocalStack, booted_stack

from connector.envelope import sync_key
from devstack.signing import FAMILY_SECRETS

EVENTS = Path(__file__).resolve().parents[2] / "events"
SYNC_TIMEOUT = 60.0

Body = dict[str, Any]

# event_type -> (entity, the key of its sync state), as the event models declare them.
SYNC_EVENTS: dict[str, tuple[str, Callable[[Body], str]]] = {
    "customer.registered": ("customer", lambda b: b["data"]["customer"]["customer_no"]),
    "customer.updated": ("customer", lambda b: b["data"]["customer"]["customer_no"]),
    # An opt-in is keyed by the keyed hash of its email (README, "Personal data"), never the email.
    "customer.opted_in": ("opt_in", lambda b: sync_key(FAMILY_SECRETS["commerce"], b["data"]["email"])),
    "order.created": ("order", lambda b: b["data"]["order"]["order_no"]),
    "order.updated": ("order", lambda b: b["data"]["order"]["order_no"]),
    "contact_us.submitted": ("case", lambda b: b["event_id"]),
    "chat.action_selected": ("chat_action", lambda b: b["data"]["chat_id"]),
    "chat.ended": ("chat", lambda b: b["data"]["chat_id"]),
    "offline_message.received": ("offline_message", lambda b: b["data"]["message_id"]),
    # The inbox seeds conv-501 (local/seed/social.json); a fresh org has no Social_Conversation__c
    # for it, so the link reads the conversation's user from the inbox and has no other to link.
    "conversation.contact_linked": ("conversation_link", lambda b: b["data"]["conversation_id"]),
    "conversation.assigned": ("conversation_assignment", lambda b: b["data"]["conversation_id"]),
    "conversation.reply": ("conversation_reply", lambda b: b["event_id"]),
    "engagement.send": ("engagement", lambda b: b["event_id"]),
    # The Contacts the social examples name are in local/seed/salesforce.json, with those Ids.
    "conversation.routed": ("conversation", lambda b: b["data"]["conversation_id"]),
    "conversation.replied": ("conversation", lambda b: b["data"]["conversation_id"]),
    "user.matched": ("social_user", lambda b: b["data"]["user"]["id"]),
}

# Commands: event_type -> the answers documented for its example on a fresh stack, and the `status`
# of its 200. The bot's finds look for sam.lee@example.com's Contact and Cases, which a fresh org
# does not hold: their documented not-found is a 404 of type not_found.
COMMANDS: dict[str, tuple[frozenset[int], str]] = {
    "chat.requested": (frozenset({200}), "routed"),
    "bot.create_record": (frozenset({200}), "created"),
    "bot.find_record": (frozenset({200, 404}), "found"),
    "bot.query": (frozenset({200, 404}), "found"),
    # The loyalty actions apply to ACC_EXT_1 and the user offers of local/seed/loyalty.json, in the
    # order of the file names (offer.redeem before offer.unredeem of the same offer).
    **{
        event_type: (frozenset({200}), "applied")
        for event_type in (
            *("offer.issue", "offer.revoke", "offer.redeem", "offer.unredeem", "offer.extend", "offer.reissue"),
            *("reward.purchase", "points.award", "note.add"),
        )
    },
    # The enrolment names the reference's Account Id (001J000002XWxUmIAL) for an empty external id, to
    # be written back on the parent record: a fresh org (Contacts as parent records) has no such
    # record, and nobody is enrolled: a 404 of type not_found naming data.customer.salesforce_id.
    "customer.enroll": (frozenset({404}), "applied"),
    # ACC_EXT_2 merged into ACC_EXT_1 (local/seed/loyalty.json): the survivor keeps its key.
    "customer.merge": (frozenset({200}), "applied"),
    # Sync Customer Changes is off in the local config: ignored, with the reason.
    "customer.sync": (frozenset({200}), "ignored"),
    # ACC_EXT_1's names on the platform and on its Contact 003J000001AbCdEIAV (local/seed/salesforce.json).
    "customer.update": (frozenset({200}), "applied"),
}

# Sync events whose example names a Salesforce record a fresh org does not hold: the documented answer
# is a permanent refusal of a valid event, 202 then DEAD with Salesforce's error code. The engagement
# example is sent from Case 500000000000001AAA: its Social_Engagement__c cannot look that Case up.
DEAD_ON_A_FRESH_ORG: dict[str, str] = {"engagement.send": "INVALID_CROSS_REFERENCE_KEY"}

# Event types whose triggers do not exist yet: their route answers 404, or 422 at event_type once the
# route exists without them. Every example's trigger is built today.
NOT_BUILT_YET: frozenset[str] = frozenset()


@pytest.fixture(scope="module")
def fresh_stack(request: pytest.FixtureRequest) -> Iterator[LocalStack]:
    """A stack of its own, booted as `make run` boots it: nothing sent to it before this test."""
    with booted_stack(request, "e2e-examples") as local:
        yield local


def _examples() -> list[tuple[str, Body]]:
    return [(path.name, json.loads(path.read_text())) for path in sorted(EVENTS.glob("*.json"))]


def _sync_status(stack: LocalStack, source: str, entity: str, key: str) -> dict[str, Any]:
    deadline = time.monotonic() + SYNC_TIMEOUT
    while True:
        # Every key is one path segment (an opt-in's is the hex keyed hash of its email, never the email).
        resp = stack.get(f"/v1/sync/{source}/{entity}/{quote(key, safe='')}")
        state = resp.json() if resp.status_code == 200 else {"status": f"HTTP {resp.status_code}"}
        if state.get("status") in ("SYNCED", "DEAD") or time.monotonic() > deadline:
            return dict(state)
        time.sleep(0.25)


def test_every_example_in_events_ends_synced_on_a_fresh_stack(fresh_stack: LocalStack) -> None:
    # Given a fresh stack and the example bodies of events/
    examples = _examples()
    assert examples, "events/ holds no example"
    problems: list[str] = []
    for name, body in examples:
        event_type = body["event_type"]
        # When each is sent as it stands
        resp = fresh_stack.send(body)
        if event_type in NOT_BUILT_YET:
            if not _not_built(resp):
                problems.append(f"{name}: its trigger answers {resp.status_code} now; give it its documented answer")
            continue
        if event_type in COMMANDS:
            problems.extend(_command_problems(name, resp, *COMMANDS[event_type]))
            continue
        if event_type not in SYNC_EVENTS:
            problems.append(f"{name}: {event_type} is neither a known sync event nor listed as not built")
            continue
        # Then it is accepted and its entity's sync state reads SYNCED (at once for a 200, soon for a 202)
        if resp.status_code not in (200, 202):
            problems.append(f"{name}: {resp.status_code} {resp.text[:300]}")
            continue
        answer = resp.json()
        if resp.status_code == 200 and answer.get("status") != "synced":
            problems.append(f"{name}: 200 with status {answer.get('status')!r}")
            continue
        entity, key_of = SYNC_EVENTS[event_type]
        state = _sync_status(fresh_stack, body["source"], entity, key_of(body))
        if event_type in DEAD_ON_A_FRESH_ORG:
            error = str(state.get("last_error") or state.get("error") or "")
            if (resp.status_code, state.get("status")) != (202, "DEAD") or DEAD_ON_A_FRESH_ORG[event_type] not in error:
                problems.append(f"{name}: {resp.status_code}, then {state.get('status')} ({error}), not a DEAD refusal")
            continue
        if state.get("status") != "SYNCED":
            problems.append(
                f"{name}: answered {resp.status_code} {answer.get('status')}, then its sync state reads "
                f"{state.get('status')} ({state.get('last_error') or state.get('error') or ''})"
            )
    assert not problems, "examples that do not end synced:\n" + "\n".join(problems)


def _not_built(resp: Any) -> bool:
    """No route (404), or a route that does not declare the event type yet (422 at event_type)."""
    if resp.status_code == 404:
        return True
    if resp.status_code != 422:
        return False
    return [error.get("loc", [None])[-1] for error in resp.json().get("errors", [])] == ["event_type"]


def _command_problems(name: str, resp: Any, statuses: frozenset[int], status: str) -> list[str]:
    """What is wrong with a command's answer, if anything: its status code, then its body."""
    if resp.status_code not in statuses:
        return [f"{name}: {resp.status_code} {resp.text[:300]}"]
    answer = resp.json()
    if resp.status_code == 404:
        types = [error.get("type") for error in answer.get("errors", [])]
        return [] if types == ["not_found"] else [f"{name}: 404 without one not_found error: {resp.text[:300]}"]
    return [] if answer.get("status") == status else [f"{name}: 200 with status {answer.get('status')!r}"]
