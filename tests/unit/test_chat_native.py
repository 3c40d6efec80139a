"""The chat platform's own webhook bodies (events/native/) map to the canonical chat events: the same
data as their canonical twins in events/, a transcript parsed into ordered messages, deterministic
event ids, and errors that name the platform's field."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from connector.chat.end_events import ChatEnded, OfflineMessageReceived
from connector.chat.native import parse_transcript, to_canonical
from connector.errors import MappingError

EVENTS = Path(__file__).resolve().parents[2] / "events"
START = datetime(2026, 11, 23, 9, 40, tzinfo=UTC)


def native(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / "native" / f"{name}.native.json").read_text()))


def canonical(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / f"{name}.json").read_text()))


def flatten(document: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(document, dict):
        out: dict[str, Any] = {}
        for key, value in document.items():
            out |= flatten(value, f"{prefix}.{key}" if prefix else key)
        return out
    return {prefix: document}


# What the platform's webhook cannot say as our canonical examples do, and why.
CHAT_ENDED_DIFFERENCES = {
    # The platform's own chat id (a number or GUID); the canonical example's is made up.
    "chat_id",
    # An offset ("UTC-08:00", "GMT -08:00" in the platform's pages), never a zone name.
    "session.time_zone",
    # The webhook names its operators only: no operator id, no operator email.
    "chat.agent.id",
    "chat.agent.email",
}
OFFLINE_DIFFERENCES = {"session.time_zone"}


def test_the_native_chat_ended_example_maps_to_its_canonical_twin_field_by_field() -> None:
    # Given the native example and its canonical twin
    twin = ChatEnded.model_validate(canonical("chat.ended")).data.model_dump(mode="json")

    # When the native body is translated
    mapped = to_canonical(native("chat.chat_ended")).data.model_dump(mode="json")

    # Then every field the canonical example gives is the same, but the documented differences
    expected, got = flatten(twin), flatten(mapped)
    differing = {path for path in expected if expected[path] != got.get(path)}
    assert differing == CHAT_ENDED_DIFFERENCES
    assert got["chat_id"] == "9001"
    assert got["chat.agent.id"] == "Alex Kim"


def test_the_native_offline_message_example_maps_to_its_canonical_twin_field_by_field() -> None:
    twin = OfflineMessageReceived.model_validate(canonical("offline_message.received")).data.model_dump(mode="json")

    mapped = to_canonical(native("offline_message.offline_message_submitted")).data.model_dump(mode="json")

    expected, got = flatten(twin), flatten(mapped)
    assert {path for path in expected if expected[path] != got.get(path)} == OFFLINE_DIFFERENCES


def test_a_chat_ended_body_is_a_chat_ended_event_from_the_chat_source_at_its_end_time() -> None:
    event = to_canonical(native("chat.chat_ended"))

    assert isinstance(event, ChatEnded)
    assert (event.event_id, event.source) == ("comm100-chat_ended-9001", "chat")
    assert event.occurred_at == datetime(2026, 11, 23, 9, 52, tzinfo=UTC)


def test_an_offline_message_body_is_an_offline_message_event_at_its_submission_time() -> None:
    event = to_canonical(native("offline_message.offline_message_submitted"))

    assert isinstance(event, OfflineMessageReceived)
    assert event.event_id == "comm100-offline_message_submitted-off-3001"
    assert event.occurred_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_a_redelivered_body_maps_to_the_same_event_id_and_byte_identical_data() -> None:
    first = to_canonical(native("chat.chat_ended"))
    again = to_canonical(native("chat.chat_ended"))

    assert first.event_id == again.event_id
    assert first.model_dump_json(include={"event_type", "data"}) == again.model_dump_json(
        include={"event_type", "data"}
    )


def test_a_department_sent_as_a_number_is_kept_as_its_text() -> None:
    # The platform's pages give the chat's department by name, the visitor's by id (a number or GUID).
    body = native("chat.chat_ended")
    body["chat"]["department"] = 12

    event = to_canonical(body)

    assert isinstance(event, ChatEnded)
    assert event.data.prechat.department == "12"


def test_times_in_the_platforms_date_format_are_read_like_epoch_milliseconds() -> None:
    body = native("chat.chat_ended")
    body["chat"]["start_time"] = "/Date(1795426800000)/"
    body["chat"]["end_time"] = "1795427520000"

    chat = to_canonical(body).data.chat  # type: ignore[union-attr]

    assert (chat.start_time, chat.end_time) == (START, datetime(2026, 11, 23, 9, 52, tzinfo=UTC))


def test_empty_strings_from_the_platform_are_unset_values() -> None:
    body = native("chat.chat_ended")
    body["visitor"]["email"] = ""
    body["chat"]["email"] = ""
    body["chat"]["phone"] = ""
    body["visitor"]["phone"] = ""

    data = to_canonical(body).data

    assert (data.visitor.email, data.prechat.phone) == (None, None)


def test_custom_fields_become_prechat_fields_and_custom_variables_a_dict_the_chats_winning() -> None:
    body = native("chat.chat_ended")
    body["visitor"]["custom_variables"] = [{"name": "tier", "value": "gold"}, {"name": "cart", "value": 3}]
    body["chat"]["custom_variables"] = [{"name": "tier", "value": "platinum"}]
    body["chat"]["custom_fields"] = [{"field_id": 1, "name": "Order Number", "value": "00002001"}]

    data = to_canonical(body).data

    assert data.custom_variables == {"tier": "platinum", "cart": "3"}
    assert (data.prechat.model_extra or {})["Order Number"] == "00002001"


def test_the_platforms_singular_custom_variable_key_is_read_too() -> None:
    body = native("chat.chat_ended")
    del body["chat"]["custom_variables"]
    body["visitor"]["custom_variables"] = []
    body["chat"]["custom_variable"] = [{"name": "Name", "value": "Sam"}]

    assert to_canonical(body).data.custom_variables == {"Name": "Sam"}


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        (lambda b: b["chat"].update(start_time="yesterday"), ["chat", "start_time"]),
        (lambda b: b["chat"].pop("end_time"), ["chat", "end_time"]),
        (lambda b: b["visitor"].update(email="not-an-email"), ["visitor", "email"]),
        (lambda b: b.pop("chat"), ["chat"]),
        (lambda b: b["visitor"].update(custom_variables=[{"value": "x"}]), ["visitor", "custom_variables", 0, "name"]),
    ],
)
def test_a_body_that_does_not_match_names_the_platforms_field(change: Any, loc: list[Any]) -> None:
    body = native("chat.chat_ended")
    change(body)

    with pytest.raises(ValidationError) as raised:
        to_canonical(body)

    assert [list(e["loc"]) for e in raised.value.errors()] == [loc]


def test_a_chat_without_any_id_names_chat_id() -> None:
    body = native("chat.chat_ended")
    del body["chat"]["id"]
    del body["visitor"]["chat_id"]

    with pytest.raises(ValidationError) as raised:
        to_canonical(body)

    assert [list(e["loc"]) for e in raised.value.errors()] == [["chat", "id"]]


@pytest.mark.parametrize("event", ["chat_started", "chat.ended", None, 3])
def test_an_event_this_route_does_not_take_names_event(event: Any) -> None:
    body = native("chat.chat_ended")
    body["event"] = event

    with pytest.raises(MappingError) as raised:
        to_canonical(body)

    assert raised.value.loc == ["event"]


def test_an_offline_message_without_content_names_its_content() -> None:
    body = native("offline_message.offline_message_submitted")
    body["offline_message"]["content"] = ""

    with pytest.raises(ValidationError) as raised:
        to_canonical(body)

    assert [list(e["loc"]) for e in raised.value.errors()] == [["offline_message", "content"]]


# -- the transcript ---------------------------------------------------------------------------------


def messages(text: str, operators: list[str] | None = None, visitor: str | None = "Sam Lee") -> list[dict[str, Any]]:
    parsed = parse_transcript(text, START, operators if operators is not None else ["Alex Kim"], visitor)
    return [m.model_dump(mode="json") for m in parsed]


def test_each_timed_line_is_one_message_in_order_with_its_time_on_the_chats_date() -> None:
    parsed = messages("[09:40:05] Sam Lee: Hi\n[09:41:10] Alex Kim: Hello")

    assert parsed == [
        {"time": "2026-11-23T09:40:05Z", "sender": "visitor", "name": "Sam Lee", "text": "Hi"},
        {"time": "2026-11-23T09:41:10Z", "sender": "agent", "name": "Alex Kim", "text": "Hello"},
    ]


def test_a_message_continues_on_the_lines_up_to_the_next_timed_line() -> None:
    parsed = messages("[09:40:05] Sam Lee: my order:\n00002001\n  and 00002002\n[09:41:10] Alex Kim: ok")

    assert [m["text"] for m in parsed] == ["my order:\n00002001\n  and 00002002", "ok"]


def test_entries_separated_by_the_platforms_circle_are_separate_entries() -> None:
    text = "Agent Alex Kim has joined the chat.⊙[09:40:05] Alex Kim: Hi!⊙The visitor has left the chat.⊙"

    parsed = messages(text)

    assert [(m["sender"], m["text"]) for m in parsed] == [
        ("system", "Agent Alex Kim has joined the chat."),
        ("agent", "Hi!"),
        ("system", "The visitor has left the chat."),
    ]


def test_a_notice_is_timed_by_its_own_time_or_else_by_the_message_before_it() -> None:
    parsed = messages("Agent joined.⊙[09:45:00] Alex Kim: Hi⊙Visitor left.⊙The chat is ended.(09:50:30)")

    assert [m["time"] for m in parsed] == [
        "2026-11-23T09:40:00Z",
        "2026-11-23T09:45:00Z",
        "2026-11-23T09:45:00Z",
        "2026-11-23T09:50:30Z",
    ]


def test_a_chat_crossing_midnight_rolls_its_later_messages_to_the_next_day() -> None:
    late = datetime(2026, 11, 23, 23, 59, tzinfo=UTC)

    parsed = parse_transcript("[23:59:30] Sam Lee: still there?\n[00:00:10] Alex Kim: yes", late, ["Alex Kim"], None)

    assert [m.time for m in parsed] == [
        datetime(2026, 11, 23, 23, 59, 30, tzinfo=UTC),
        datetime(2026, 11, 24, 0, 0, 10, tzinfo=UTC),
    ]


def test_a_time_a_little_before_the_previous_one_stays_on_the_same_day() -> None:
    parsed = messages("[09:40:05] Sam Lee: a\n[09:40:01] Alex Kim: b")

    assert [m["time"] for m in parsed] == ["2026-11-23T09:40:05Z", "2026-11-23T09:40:01Z"]


def test_a_name_neither_an_operator_nor_the_visitor_is_a_bot() -> None:
    parsed = messages("[09:40:05] Helper Bot: How can I help?", operators=["Alex Kim"])

    assert parsed[0]["sender"] == "bot"


def test_each_of_several_operators_is_an_agent_and_the_first_is_the_chats_agent() -> None:
    body = native("chat.chat_ended")
    body["chat"]["operators"] = "Alex Kim, Bo Li"
    body["chat"]["chat_transcript"] = "[09:40:05] Bo Li: hi\n[09:41:00] Alex Kim: hello"

    chat = to_canonical(copy.deepcopy(body)).data.chat  # type: ignore[union-attr]

    assert [m.sender for m in chat.transcript] == ["agent", "agent"]
    assert chat.agent is not None and chat.agent.name == "Alex Kim"


def test_an_empty_transcript_has_no_messages() -> None:
    assert messages("") == []
