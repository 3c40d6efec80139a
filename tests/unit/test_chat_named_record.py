"""The record an agent's choice names is read at the chat's end like the identification reads one."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from connector.chat.chat_end import AGENT_OPTIONS, _identify
from connector.chat.end_events import ChatEndedData
from connector.config.chat import ChatConfig
from connector.state import AgentChoice

LEAD_ID = "00Q000000000001AAA"


class Recording:
    def __init__(self) -> None:
        self.queries: dict[str, str] = {}

    def query_many(self, queries: dict[str, str], timeout: Any = None) -> dict[str, list[Any]]:
        self.queries = dict(queries)
        return {name: [] for name in queries}


def test_a_named_lead_is_read_only_while_it_is_not_converted() -> None:
    # given an agent's attach_task_to_lead naming a Lead (converted since, perhaps: Salesforce refuses
    # to update a converted Lead, and the identification never picks one)
    salesforce = Recording()
    data = ChatEndedData.model_validate(
        {
            "chat_id": "chat-1",
            "visitor": {"email": "v@example.com"},
            "chat": {"start_time": "2026-01-01T10:00:00Z", "end_time": "2026-01-01T10:05:00Z"},
        }
    )
    choice = AgentChoice(action="attach_task_to_lead", salesforce_id=LEAD_ID)
    # when the chat's end identifies the records
    _identify(
        data,
        "chat-1",
        AGENT_OPTIONS["attach_task_to_lead"],
        choice,
        ChatConfig(),
        SimpleNamespace(salesforce=salesforce),  # type: ignore[arg-type]
    )
    # then the named Lead is read only when it is not converted (else the Task falls back)
    assert "IsConverted = false" in salesforce.queries["named"]
