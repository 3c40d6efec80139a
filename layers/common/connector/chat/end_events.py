"""The live-chat platform's chat end events (the chat_end function's route): a chat that ended, an
offline message, and the agent's choice during a chat, with the chat information they carry (agent,
requesting page, start and end time, transcript as ordered messages); see
../shared/reference/live-chat-comm100-salesforce-guide.txt.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from connector.chat.models import MAX_TEXT, ChatDocument, OfflineMessageData, VisitorData
from connector.envelope import Envelope, UnstatedRule
from connector.value_types import NOT_BLANK, Email, ExternalKey, Instant, PersonName, SalesforceId


class Agent(ChatDocument):
    id: str = Field(min_length=1, max_length=80, pattern=NOT_BLANK)
    name: PersonName | None = Field(default=None, max_length=121)
    email: Email | None = None


# The transcript's cap, beside MAX_TEXT (connector.chat.models): a sane shape, never a refusal of what fits in a body.
MAX_MESSAGES = 50_000


class TranscriptMessage(ChatDocument):
    time: Instant
    sender: Literal["visitor", "agent", "bot", "system"]
    name: PersonName | None = Field(default=None, max_length=121)
    text: str = Field(max_length=MAX_TEXT)


# A rule across two fields (JSON Schema compares no two values).
END_BEFORE_START = UnstatedRule(("data", "chat"), "end_before_start", "chat.end_time is before chat.start_time")


class ChatInformation(ChatDocument):
    requesting_page_url: str | None = Field(default=None, max_length=2048)
    start_time: Instant
    end_time: Instant
    agent: Agent | None = None
    transcript: list[TranscriptMessage] = Field(default_factory=list, max_length=MAX_MESSAGES)

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> ChatInformation:
        if self.end_time < self.start_time:
            raise END_BEFORE_START.error()
        return self


class ChatEndedData(VisitorData):
    chat_id: ExternalKey
    chat: ChatInformation


class ChatEnded(Envelope, entity="chat", key="data.chat_id"):
    """A chat ended: the configured (or agent-chosen) option runs on it."""

    event_type: Literal["chat.ended"]
    data: ChatEndedData
    unstated_rules = (*Envelope.unstated_rules, END_BEFORE_START)


class OfflineMessageReceived(Envelope, entity="offline_message", key="data.message_id"):
    """A message left while no agent was online: the configured option runs on it."""

    event_type: Literal["offline_message.received"]
    data: OfflineMessageData


# The agent console's manual options (the guide's "Manually Create/Update Salesforce Objects").
AgentAction = Literal[
    # the visitor is not in Salesforce
    "create_lead_attach_task",
    "create_case",
    "create_contact_attach_case",
    "create_contact_attach_task",
    # the visitor was found
    "attach_case_to_contact",
    "attach_task_to_contact",
    "attach_task_to_lead",
]


class ActionSelectedData(ChatDocument):
    chat_id: ExternalKey
    action: AgentAction
    agent: Agent | None = None
    # The found record the action attaches to (from the console's identification), when known.
    salesforce_id: SalesforceId | None = None
    # Values the agent edited in the console, per object: {"Lead": {"Company": "Acme"}}.
    fields: dict[Literal["Contact", "Lead", "Case", "Task"], dict[str, Any]] = Field(default_factory=dict)


# The action decides which objects its fields may name and which Id it attaches to; the connector
# sets some fields itself (connector.chat.actions): rules across fields, checked by the workflow.
ACTION_FIELDS = UnstatedRule(
    ("data",),
    "mapping_error",
    "data.fields names an object the chosen action does not write, or a field the connector sets; "
    "data.salesforce_id is not of the record the action attaches to",
)


class ChatActionSelected(Envelope, entity="chat_action", key="data.chat_id"):
    """During a chat, the agent chose what happens at its end (one option per chat; a newer choice
    replaces an older one until the chat ends)."""

    event_type: Literal["chat.action_selected"]
    data: ActionSelectedData
    unstated_rules = (*Envelope.unstated_rules, ACTION_FIELDS)
