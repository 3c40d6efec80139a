"""The social inbox's actions feed -> the canonical conversation events, applied once.

The inbox's notification webhook (`{"id", "action"}`, alcmeon/openapi synchronize.yaml `POST
/notify`) is unsigned, gets one second and is never redelivered: it is a doorbell, never the truth.
`ring_doorbell` reads the action it names from the inbox's actions API with the connector's own
credentials and queues its canonical event (a forged notification names an action the inbox does
not have, or holds content the inbox never said: neither reaches a workflow). `poll_feed`, on a
schedule, reads every action after the position kept in DynamoDB, so whatever the webhook missed
is applied too. Both give an action the same event_id (`alcmeon-action-<id>`): the pipeline's
idempotency on [source, event_id] applies it once, whichever comes first.

A new deployment (no position kept) starts where `social.feed.start` says: "now" (the default), at
the inbox's head, set by the first notification (its action) or found by the first polls, the
past not synced; "beginning", from the inbox's first action. An action whose event the pipeline
refuses (422) is dead-lettered with the reason by the poll, which moves past it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field, ValidationError

from connector import observability as obs
from connector.clients.alcmeon import ACTIONS_PAGE
from connector.errors import MappingError, TransientError
from connector.observability import logger
from connector.services import Services
from connector.social.models import ACTION_ID_DIGITS
from connector.state.request_budget import CountUnavailable
from connector.value_types import WholeNumber

FEED = "social.actions"
# The inbox allows an API application 15 requests a minute by default
# (`social.feed.inbox_requests_per_minute`); the doorbell and the poll read with the same
# credentials, from any number of containers, so they count them in one shared budget
# (connector.state.request_budget): the poll (its head search included) stops at two thirds of a
# minute's requests (10 of 15), the doorbell (one second to answer) may use them all.
# Pages one scheduled poll reads at most (10 actions each), and the time it gives itself (the
# function's timeout is 30 s); the next poll goes on from there.
MAX_PAGES_PER_POLL = 10
POLL_BUDGET_SECONDS = 15.0


# Config `social.feed.start` "now": a new deployment's first poll looks for the feed's head with
# `GET /actions?min_action_id=N` probes (a page of fewer than 10 actions ends at the head, an empty
# one is past it, a full one before it): N grows eightfold from 1024 until a page is not full, then
# halves the interval left. About log8(head / 1024) + log2(head / 10) requests (20 for a head near a
# million), at most HEAD_PROBES_PER_POLL a poll (the inbox's rate limit), the search kept between polls.
HEAD_PROBES_PER_POLL = 5
FIRST_PROBE, GALLOP = 1024, 8


class Accepted(Protocol):
    status: int

    def json_body(self) -> dict[str, Any]: ...


# The pipeline's intake of a canonical body (the trigger's `accept_canonical`): `defer` queues it.
Accept = Callable[..., Accepted]


def event_id(action_id: int) -> str:
    return f"alcmeon-action-{action_id}"


def _user(action: dict[str, Any]) -> dict[str, Any]:
    author = ((action.get("task") or {}).get("message") or {}).get("author") or {}
    return {"id": str(author.get("id", "")), "handle": author.get("handle"), "name": author.get("name")}


def to_canonical(action: dict[str, Any]) -> dict[str, Any] | None:
    """The canonical event an action stands for, or None for an action the connector ignores:
    a message received or routed to a team -> conversation.routed; an agent's answer in a matched
    user's conversation -> conversation.replied; the inbox matching a user -> user.matched."""
    kind, action_id = action.get("type"), action.get("id")
    if not isinstance(action_id, int) or action.get("status", "ok") != "ok":
        return None
    task = action.get("task") or {}
    conversation = task.get("conversation") or {}
    message = task.get("message") or {}
    # The inbox dates an action to the second; the event names its action, whose id (monotonic)
    # orders the actions of one second in the event's version (connector.social.models), so that a
    # later action of a conversation is the newer version (last writer wins).
    occurred_at = f"{action.get('date')}T{action.get('time')}Z"
    envelope = {"event_id": event_id(action_id), "occurred_at": occurred_at, "source": "social", "action_id": action_id}
    contact = conversation.get("salesforce_contact_id")
    if kind == "user-match":
        matched = (action.get("data") or {}).get("salesforce_contact_id")
        if not matched:
            return None
        return envelope | {
            "event_type": "user.matched",
            "data": {"user": _user(action), "salesforce_contact_id": matched},
        }
    data: dict[str, Any] = {
        "conversation_id": str(task.get("conversation_id", "")),
        "channel": (action.get("account") or {}).get("type"),
        "team": conversation.get("team"),
        "status": "closed" if conversation.get("status") == "closed" else "open",
        "user": _user(action),
        "salesforce_contact_id": contact,
        "previous_conversations": [],
        "last_message": {"time": occurred_at, "text": message.get("content")},
    }
    if kind in ("task-create", "assign-to") and data["team"]:
        return envelope | {"event_type": "conversation.routed", "data": data}
    if kind == "answer" and contact and isinstance(action.get("user"), dict):
        agent = action["user"]
        answers = (action.get("data") or {}).get("answers") or []
        text = answers[0].get("text") if answers and isinstance(answers[0], dict) else None
        data["agent"] = {"id": agent.get("id"), "name": agent.get("name"), "email": agent.get("email")}
        data["last_message"] = {"time": occurred_at, "text": text}
        return envelope | {"event_type": "conversation.replied", "data": data}
    return None


class BudgetSpent(TransientError):
    """The inbox's requests of this minute are spent (the shared budget): read later."""


def _actions(services: Services, after: int, upto: int | None = None, *, poll: bool) -> list[dict[str, Any]]:
    """The inbox's actions after `after`, once a request is taken from the minute's shared budget
    (the poll's share of it, for the poll)."""
    limit = services.settings.config.social.feed.inbox_requests_per_minute
    try:
        taken = services.request_budget.take(FEED, limit * 2 // 3 if poll else limit)
    except CountUnavailable:
        # DynamoDB throttles the counter: the count unknown, the inbox is not called (its 429s are
        # shared by every container); as with the minute spent, the poll keeps what it found and the
        # doorbell leaves the action to it.
        logger.warning("feed: the request budget could not be counted")
        taken = False
    if not taken:
        raise BudgetSpent("the inbox's requests of this minute are spent")
    return services.social_actions.actions(after, upto)


class NotifiedAction(BaseModel):
    # JSON true or "12" is no id; as wide as an action id of the social events.
    id: WholeNumber = Field(ge=1, lt=10**ACTION_ID_DIGITS)


class Notification(BaseModel):
    """The inbox's notification body, as the OpenAPI document states it: only the action's id is read
    (the rest is never trusted, and ignored)."""

    action: NotifiedAction


class DoorbellAnswer(BaseModel):
    """What the doorbell answers the inbox: the action is queued, unknown to the inbox (ignored), or
    left to the next poll (deferred: the minute's requests to the inbox are spent)."""

    status: Literal["queued", "ignored", "deferred"]
    action_id: int


class FeedPoll(BaseModel):
    """What one scheduled poll did: actions read, events accepted (queued, or answered before)."""

    position: int
    actions: int
    accepted: int
    stopped: Literal[
        "caught_up",
        "page_limit",
        "unavailable",
        "budget_spent",
        "moved_by_another_poll",
        "finding_head",
        "started_at_head",
    ]


def notified_action_id(body: Any) -> int:
    """The action id a notification names; nothing else of its body is used."""
    try:
        return Notification.model_validate(body).action.id
    except ValidationError:
        raise MappingError(["action", "id"], "a notification names its action by a positive integer id") from None


def ring_doorbell(services: Services, body: Any, accept: Accept) -> DoorbellAnswer:
    """The inbox says an action happened: read that action from the inbox and queue its event."""
    action_id = notified_action_id(body)
    try:
        # The page from this action on (one request, as with it alone): whether it is near the head.
        read = _actions(services, action_id - 1, poll=False)
    except BudgetSpent:
        # The inbox will not ring again: the next poll reads this action (within its own share).
        logger.warning("doorbell: the inbox's requests of this minute are spent; left to the poll")
        return DoorbellAnswer(status="deferred", action_id=action_id)
    found = [a for a in read if a["id"] == action_id]
    at_head = len(read) < ACTIONS_PAGE
    if found and at_head and services.settings.config.social.feed.start == "now":
        # A new deployment's first notification (of an action the inbox has: never a forged one)
        # starts the feed here: the poll goes on from this action, the past before it is not synced.
        # Only an action in the feed's last page: one a forged (or very late) notification names
        # from far back would replay the whole history "now" is there to skip; the head search
        # starts the feed then.
        services.feed_positions.start(FEED, action_id - 1)
    canonical = to_canonical(found[0]) if found else None
    if canonical is None:
        # Not in the inbox (forged or mistaken), or an action the connector ignores.
        logger.info("doorbell: nothing to apply", extra={"known": bool(found)})
        return DoorbellAnswer(status="ignored", action_id=action_id)
    status = accept(canonical, defer=True).status
    if status >= 500:
        # Our own dependencies failed: the inbox will not ring again, the next poll applies it.
        raise TransientError("the action's event could not be queued")
    if status == 422:  # no workflow here for its event type, or refused as it stands
        # The poll reads this action too, and parks it in the dead-letter queue with the reason.
        logger.warning("doorbell: the action's event was refused")
        return DoorbellAnswer(status="ignored", action_id=action_id)
    return DoorbellAnswer(status="queued", action_id=action_id)


def refusal_reason(answer: Accepted) -> str:
    """Why the pipeline refused an action's event: the fields at fault and the kinds of error, never
    their values (the dead letter's `last_error`)."""
    errors = answer.json_body().get("errors") or []
    named = [f"{'.'.join(str(p) for p in e.get('loc') or [])} ({e.get('type') or 'invalid'})" for e in errors]
    return f"{answer.status}: " + ("; ".join(named) or "refused")


def _park_refused(services: Services, canonical: dict[str, Any], answer: Accepted) -> None:
    """An action whose event the pipeline refuses (malformed, or no workflow for it) is never better
    later: the poll moves past it, and it goes to the function's dead-letter queue with the reason
    (its alarm fires; counted as EventsDead), where an operator sees it and can redrive it once fixed."""
    reason = refusal_reason(answer)
    action_id = int(canonical["action_id"])
    # Once: a poll that died before moving past it, or one running alongside, reads it again.
    if not services.feed_positions.park(FEED, action_id):
        return
    logger.warning("feed: an action's event was refused, dead-lettered", extra={"reason": reason})
    try:
        services.queue.dead_letter(
            json.dumps(canonical),
            event_type=str(canonical.get("event_type", "unknown")),
            event_id=str(canonical.get("event_id", "unknown")),
            error=reason,
        )
    except Exception:
        services.feed_positions.unpark(FEED, action_id)
        raise
    obs.count(obs.EVENTS_DEAD)


def poll_feed(services: Services, accept: Accept) -> FeedPoll:
    """Queue the event of every action after the kept position (the queue applies them, with its
    retries); the position moves only past accepted actions."""
    positions = services.feed_positions
    found = positions.find(FEED)
    if found is None and services.settings.config.social.feed.start == "now":
        return _start_at_head(services)
    position = found or 0
    seen = accepted = 0
    deadline = time.monotonic() + POLL_BUDGET_SECONDS
    for _ in range(MAX_PAGES_PER_POLL):
        if time.monotonic() > deadline:
            break
        try:
            actions = _actions(services, position, poll=True)
        except BudgetSpent:  # the doorbell and earlier polls spent this minute's requests
            return FeedPoll(position=position, actions=seen, accepted=accepted, stopped="budget_spent")
        except TransientError:  # unreachable, 5xx, or its rate limit (429): the next poll goes on
            logger.warning("feed: the inbox's actions API is unavailable")
            return FeedPoll(position=position, actions=seen, accepted=accepted, stopped="unavailable")
        reached = position
        for action in actions:
            canonical = to_canonical(action)
            if canonical is not None:
                answer = accept(canonical, defer=True)
                status = answer.status
                if status >= 500 or status == 409:
                    # Our own dependencies failed, or the doorbell is queuing this action right now
                    # (409) and may yet fail (the inbox never rings again): this action and the
                    # rest wait for the next poll, which gets the doorbell's stored answer.
                    positions.advance(FEED, position, reached)
                    return FeedPoll(position=reached, actions=seen, accepted=accepted, stopped="unavailable")
                if status < 300:
                    accepted += 1
                else:  # 422: refused as it stands (never better later): parked for an operator
                    _park_refused(services, canonical, answer)
            seen += 1
            reached = action["id"]
        if not positions.advance(FEED, position, reached):
            return FeedPoll(position=reached, actions=seen, accepted=accepted, stopped="moved_by_another_poll")
        position = reached
        if len(actions) < ACTIONS_PAGE:
            return FeedPoll(position=position, actions=seen, accepted=accepted, stopped="caught_up")
    return FeedPoll(position=position, actions=seen, accepted=accepted, stopped="page_limit")


def find_head(
    actions: Callable[[int], list[dict[str, Any]]], low: int, high: int | None, probes: int
) -> tuple[int | None, int, int | None]:
    """The id of the feed's newest action (0: the feed is empty), or None when `probes` requests did
    not find it; with what is known then: head >= low, head <= high (when not None)."""
    for _ in range(probes):
        if high is not None and high - low <= ACTIONS_PAGE:
            page = actions(low)  # every action in (low, high]: at most a page
            return (page[-1]["id"] if page else low), low, high
        probe = (low + high) // 2 if high is not None else max(FIRST_PROBE, low * GALLOP)
        page = actions(probe)
        if not page:
            high = probe
        elif len(page) < ACTIONS_PAGE:
            return page[-1]["id"], low, high
        else:
            low = page[-1]["id"]
    return None, low, high


def _start_at_head(services: Services) -> FeedPoll:
    """A new deployment (no position kept) with `social.feed.start` "now": set the position at the
    feed's head, syncing nothing before it; the search goes on over the next polls when it takes
    more than HEAD_PROBES_PER_POLL requests or the inbox is unavailable."""
    positions = services.feed_positions
    low, high = positions.head_search(FEED)
    probes = HEAD_PROBES_PER_POLL
    head: int | None = None

    def probe(after: int) -> list[dict[str, Any]]:
        return _actions(services, after, poll=True)

    while probes and head is None:
        try:
            head, low, high = find_head(probe, low, high, 1)
        except TransientError as exc:  # unreachable, 5xx, its rate limit, or the budget spent
            logger.warning("feed: the inbox's actions API is unavailable")
            positions.keep_head_search(FEED, low, high)
            stopped: Literal["budget_spent", "unavailable"] = (
                "budget_spent" if isinstance(exc, BudgetSpent) else "unavailable"
            )
            return FeedPoll(position=0, actions=0, accepted=0, stopped=stopped)
        probes -= 1
    if head is None:
        positions.keep_head_search(FEED, low, high)
        return FeedPoll(position=0, actions=0, accepted=0, stopped="finding_head")
    if not positions.start(FEED, head):  # a notification started the feed meanwhile
        return FeedPoll(position=positions.get(FEED), actions=0, accepted=0, stopped="moved_by_another_poll")
    logger.info("feed: started at the inbox's head", extra={"position": head})
    return FeedPoll(position=head, actions=0, accepted=0, stopped="started_at_head")
