"""The social inbox's actions -> the canonical conversation events (connector.social.feed)."""

import json
from pathlib import Path
from typing import Any

import pytest

from connector.errors import MappingError
from connector.social.feed import notified_action_id, to_canonical
from connector.social.models import ConversationChanged

NOTIFICATION = Path(__file__).resolve().parents[2] / "events" / "native" / "social.notify.native.json"


def _action(kind: str = "task-create", **conversation: Any) -> dict[str, Any]:
    return {
        "id": 5501,
        "type": kind,
        "date": "2026-11-23",
        "time": "09:59:00",
        "status": "ok",
        "user": None,
        "account": {"id": 31, "name": "Brand WhatsApp", "type": "whatsapp"},
        "task": {
            "id": 7701,
            "conversation_id": "conv-501",
            "conversation": {"id": "conv-501", "custom_fields": [], "status": "open", **conversation},
            "message": {
                "id": "m1",
                "content": "Bonjour, ma commande est en retard.",
                "author": {"id": "u-88", "name": "Camille Martin", "handle": "+33612345678"},
            },
        },
        "data": None,
    }


def test_a_message_routed_to_a_team_is_a_conversation_routed() -> None:
    # when a received message with its team is mapped
    event = to_canonical(_action(team="Support FR"))
    # then it is conversation.routed, its id deterministic
    assert event is not None
    assert (event["event_type"], event["event_id"], event["source"]) == (
        "conversation.routed",
        "alcmeon-action-5501",
        "social",
    )
    assert (event["occurred_at"], event["action_id"]) == ("2026-11-23T09:59:00Z", 5501)
    data = event["data"]
    assert (data["conversation_id"], data["channel"], data["team"]) == ("conv-501", "whatsapp", "Support FR")
    assert data["user"] == {"id": "u-88", "handle": "+33612345678", "name": "Camille Martin"}
    assert data["last_message"]["text"] == "Bonjour, ma commande est en retard."


def _version(action_id: int, time: str = "09:59:00") -> str:
    action = _action(team="Support FR") | {"id": action_id, "time": time}
    return ConversationChanged.model_validate(to_canonical(action)).version


def test_two_actions_of_one_second_are_ordered_by_their_ids_past_a_million() -> None:
    # given two actions of one conversation in one second, their ids across a multiple of a million
    earlier, later = _version(1_999_999), _version(2_000_000)
    # then the later action is the newer version (the id is never cut to six digits)
    assert earlier < later


def test_an_action_of_a_later_second_is_newer_whatever_its_id() -> None:
    assert _version(10**15, "09:59:00") < _version(7, "09:59:01")


def test_a_message_with_no_team_is_ignored() -> None:
    assert to_canonical(_action(team=None)) is None


def test_an_answer_in_a_matched_conversation_is_a_conversation_replied() -> None:
    # given an agent's answer, the user matched
    action = _action("answer", team=None, salesforce_contact_id="003000000000002AAA")
    action["user"] = {"id": "agent-7", "name": "Alex Kim", "email": "alex.kim@brand.example"}
    action["data"] = {"is_private": False, "answers": [{"text": "Thanks!"}]}
    # when mapped
    event = to_canonical(action)
    # then conversation.replied, with the agent and the answer's text
    assert event is not None and event["event_type"] == "conversation.replied"
    assert event["data"]["agent"] == {"id": "agent-7", "name": "Alex Kim", "email": "alex.kim@brand.example"}
    assert event["data"]["salesforce_contact_id"] == "003000000000002AAA"
    assert event["data"]["last_message"]["text"] == "Thanks!"


def test_an_answer_in_an_unmatched_conversation_is_ignored() -> None:
    action = _action("answer", team="Support FR")
    action["user"] = {"id": "agent-7", "email": "alex.kim@brand.example"}
    assert to_canonical(action) is None


def test_a_user_match_is_a_user_matched() -> None:
    # given the inbox matched u-88
    action = _action("user-match")
    action["data"] = {"salesforce_contact_id": "003000000000003AAA"}
    # when mapped, then user.matched
    event = to_canonical(action)
    assert event is not None and event["event_type"] == "user.matched"
    assert event["data"] == {
        "user": {"id": "u-88", "handle": "+33612345678", "name": "Camille Martin"},
        "salesforce_contact_id": "003000000000003AAA",
    }


@pytest.mark.parametrize("kind", ["archive", "comment", "tag", "execute-answer"])
def test_other_actions_are_ignored(kind: str) -> None:
    assert to_canonical(_action(kind, team="Support FR")) is None


def test_a_failed_action_is_ignored() -> None:
    action = _action(team="Support FR") | {"status": "fail"}
    assert to_canonical(action) is None


def test_a_notification_is_read_for_its_action_id_only() -> None:
    # the inbox's own notification body (shared/contracts/native)
    assert notified_action_id(json.loads(NOTIFICATION.read_text())) == 5501


@pytest.mark.parametrize("body", [{}, {"id": 1}, {"action": {"id": "5501"}}, {"action": {"id": True}}, [1]])
def test_a_notification_naming_no_action_is_refused(body: Any) -> None:
    with pytest.raises(MappingError):
        notified_action_id(body)
