"""A real chat is never refused for a value longer than the canonical event keeps: the platform's
own webhook sends what its visitors and admins typed (a long operator name, a long visitor name, a
long IP list behind a proxy), and a 422 would lose the chat (the platform does not resend it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connector.chat.end_events import ChatEnded
from connector.chat.native import to_canonical

EVENTS = Path(__file__).resolve().parents[2] / "events"


def native_chat() -> dict[str, Any]:
    return dict(json.loads((EVENTS / "native" / "chat.chat_ended.native.json").read_text()))


@pytest.mark.parametrize(
    ("where", "name", "limit", "read"),
    [
        ("chat", "operators", 80, lambda e: e.data.chat.agent.id),
        ("visitor", "name", 255, lambda e: e.data.visitor.name),
        ("visitor", "ip", 64, lambda e: e.data.session.ip),
        ("visitor", "city", 80, lambda e: e.data.session.city),
        ("chat", "department", 80, lambda e: e.data.prechat.department),
    ],
    ids=["operator name", "visitor name", "ip", "city", "department"],
)
def test_a_value_longer_than_the_canonical_field_is_cut_not_refused(
    where: str, name: str, limit: int, read: Any
) -> None:
    # given the platform's chat_ended with a value longer than the canonical event keeps
    body = native_chat()
    body[where][name] = "Q" * (limit + 50)
    if where == "visitor" and name == "name":
        body["chat"]["name"] = None
    # when it is translated
    event = to_canonical(body)
    # then the chat is taken, the value cut to the field's length
    assert isinstance(event, ChatEnded)
    assert read(event) == "Q" * limit
