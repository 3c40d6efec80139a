"""Issue 11: the free-text names of chat, social and loyalty bodies (visitor, agent and user names, the
loyalty customer's first and last names) refuse NUL and the other control characters as the commerce
names do, through the shared PersonName type: a 422 naming the field (the pipeline answers pydantic's
loc). A name with accents, apostrophes or emoji stays accepted."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from connector.chat.end_events import ChatEnded
from connector.chat.models import ChatRequested
from connector.loyalty.customer_models import CustomerEnroll
from connector.loyalty.models import OfferIssue
from connector.social.models import ConversationChanged, UserMatched
from connector.social.salesforce_events import ConversationReply

CONTROLS = ["\x00", "\x09", "\x1b", "\x7f", "\x85"]

CHAT_NAMES = [
    (ChatRequested, "chat.requested", ("data", "visitor", "name")),
    (ChatEnded, "chat.ended", ("data", "visitor", "name")),
    (ChatEnded, "chat.ended", ("data", "chat", "agent", "name")),
    (ChatEnded, "chat.ended", ("data", "chat", "transcript", 0, "name")),
]
SOCIAL_NAMES = [
    (ConversationChanged, "conversation.routed", ("data", "user", "name")),
    (UserMatched, "user.matched", ("data", "user", "name")),
    (ConversationReply, "conversation.reply", ("data", "agent", "name")),
]
LOYALTY_NAMES = [
    (OfferIssue, "offer.issue", ("data", "agent", "name")),
    (CustomerEnroll, "customer.enroll", ("data", "customer", "first_name")),
    (CustomerEnroll, "customer.enroll", ("data", "customer", "last_name")),
]


def _with(body: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    node: Any = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return changed


def _refused_at(model: type[BaseModel], body: dict[str, Any]) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(body)
    return [tuple(error["loc"]) for error in refused.value.errors()]


def _assert_refused_naming_the_field(
    model: type[BaseModel], body: dict[str, Any], path: tuple[str | int, ...], control: str
) -> None:
    # Given a canonical body whose name holds a control character inside it
    tainted = _with(body, path, f"Sam{control}Lee")

    # When it is validated as the route validates it / Then it is refused at that very field
    assert path in _refused_at(model, tainted)


@pytest.mark.parametrize(("model", "event", "path"), CHAT_NAMES)
@pytest.mark.parametrize("control", CONTROLS)
def test_a_chat_name_with_a_control_character_is_refused_naming_it(
    contract_event: Any, model: type[BaseModel], event: str, path: tuple[str | int, ...], control: str
) -> None:
    body = contract_event(event)
    if path[2:3] == ("agent",):
        body["data"]["chat"]["agent"] = {"id": "agent-1", "name": "Alex Kim"}
    if path[2:3] == ("transcript",):
        body["data"]["chat"]["transcript"] = [{"time": "2026-11-20T10:00:00Z", "sender": "agent", "text": "Hi"}]
    _assert_refused_naming_the_field(model, body, path, control)


@pytest.mark.parametrize(("model", "event", "path"), SOCIAL_NAMES)
@pytest.mark.parametrize("control", CONTROLS)
def test_a_social_name_with_a_control_character_is_refused_naming_it(
    contract_event: Any, model: type[BaseModel], event: str, path: tuple[str | int, ...], control: str
) -> None:
    _assert_refused_naming_the_field(model, contract_event(event), path, control)


@pytest.mark.parametrize(("model", "event", "path"), LOYALTY_NAMES)
@pytest.mark.parametrize("control", CONTROLS)
def test_a_loyalty_name_with_a_control_character_is_refused_naming_it(
    contract_event: Any, model: type[BaseModel], event: str, path: tuple[str | int, ...], control: str
) -> None:
    _assert_refused_naming_the_field(model, contract_event(event), path, control)


@pytest.mark.parametrize(("model", "event", "path"), [CHAT_NAMES[0], SOCIAL_NAMES[0], LOYALTY_NAMES[1]])
def test_a_name_with_accents_apostrophes_and_emoji_is_accepted(
    contract_event: Any, model: type[BaseModel], event: str, path: tuple[str | int, ...]
) -> None:
    # Given a real-world name with no control character
    body = _with(contract_event(event), path, "Zoë O'Brien-Núñez 🌸")

    # When it is validated / Then it is accepted as sent
    assert model.model_validate(body)
