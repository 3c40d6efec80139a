"""Chat end edge cases found in review: a second run of the same chat, long transcripts, the
fields an agent may not set."""

from __future__ import annotations

from typing import Any

from conftest import Connector
from trigger_events import event_body

CHAT_EVENTS = "/v1/chat/events"


def long_chat(chat_id: str, *, text: str, occurred_at: str | None = None) -> dict[str, Any]:
    """events/chat.ended.json with a transcript of `text` repeated past the 32,000 characters."""
    body = event_body("chat.ended", occurred_at=occurred_at, chat_id=chat_id)
    message = body["data"]["chat"]["transcript"][0]
    body["data"]["chat"]["transcript"] = [{**message, "text": text} for _ in range(60)]
    return body


def files_of(connector: Connector, record_id: str) -> list[dict[str, Any]]:
    return connector.salesforce.find("ContentDocumentLink", LinkedEntityId=record_id)


def test_a_case_only_chat_ended_twice_attaches_its_transcript_file_once(connector: Connector) -> None:
    # given the "create a Case" option and a chat whose transcript is over 32,000 characters
    connector.configure({"chat": {"chat_end_option": "create_case"}})
    chat_end = connector.trigger("chat_end")
    first = long_chat("chat-twice-1", text="x" * 1000)
    answer = chat_end.post(first, path=CHAT_EVENTS)
    assert answer.status == 200, answer.body
    case_id = answer.body["case_id"]
    # when the same chat's end is delivered again under another event_id (a retry after a lost answer)
    again = {**first, "event_id": first["event_id"] + "-again"}
    second = chat_end.post(again, path=CHAT_EVENTS)
    # then the same Case holds one transcript file, not two
    assert second.status == 200, second.body
    assert second.body["case_id"] == case_id
    assert len(files_of(connector, case_id)) == 1
