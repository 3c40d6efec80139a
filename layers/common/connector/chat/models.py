"""The live-chat platform's event bodies, in the guide's five field categories.

Visitor, session, custom variables, pre-chat fields and chat information (requesting page, start
and end time, agent, transcript as ordered messages); see
../shared/reference/live-chat-comm100-salesforce-guide.txt, "Field Mapping between Comm100 Live
Chat and Salesforce". `field_value` reads a configured chat field path (`prechat.phone`) from them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from connector.envelope import Command, Envelope, UnstatedRule
from connector.value_types import NOT_BLANK, Email, ExternalKey, Instant, PersonName, SalesforceId


class _Doc(BaseModel):
    # The platform may send more than we read: extra fields are accepted and ignored.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Visitor(_Doc):
    name: PersonName | None = Field(default=None, max_length=255)
    email: Email | None = None
    visit_times: int | None = Field(default=None, ge=0)
    chat_times: int | None = Field(default=None, ge=0)


class Session(_Doc):
    ip: str | None = Field(default=None, max_length=64)
    country: str | None = Field(default=None, max_length=80)
    state: str | None = Field(default=None, max_length=80)
    city: str | None = Field(default=None, max_length=80)
    search_engine: str | None = Field(default=None, max_length=255)
    search_keywords: str | None = Field(default=None, max_length=255)
    browser: str | None = Field(default=None, max_length=255)
    os: str | None = Field(default=None, max_length=255)
    flash_version: str | None = Field(default=None, max_length=64)
    screen_resolution: str | None = Field(default=None, max_length=64)
    time_zone: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=64)
    referrer_url: str | None = Field(default=None, max_length=2048)
    current_page_url: str | None = Field(default=None, max_length=2048)
    landing_page_url: str | None = Field(default=None, max_length=2048)


class PreChat(_Doc):
    """The pre-chat form: its system fields, and the installation's custom fields (kept as sent)."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    phone: str | None = Field(default=None, max_length=40)
    company: str | None = Field(default=None, max_length=255)
    department: str | None = Field(default=None, max_length=80)
    product_service: str | None = Field(default=None, max_length=255)


class Agent(_Doc):
    id: str = Field(min_length=1, max_length=80, pattern=NOT_BLANK)
    name: PersonName | None = Field(default=None, max_length=121)
    email: Email | None = None


# A body is at most 256 KiB (intake refuses more): these caps only keep a transcript's shape sane,
# and never refuse what fits in a body (a refused chat is lost: the platform stops redelivering).
MAX_TEXT = 256 * 1024
MAX_MESSAGES = 50_000


class TranscriptMessage(_Doc):
    time: Instant
    sender: Literal["visitor", "agent", "bot", "system"]
    name: PersonName | None = Field(default=None, max_length=121)
    text: str = Field(max_length=MAX_TEXT)


# A rule across two fields (JSON Schema compares no two values).
END_BEFORE_START = UnstatedRule(("data", "chat"), "end_before_start", "chat.end_time is before chat.start_time")


class ChatInformation(_Doc):
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


# Custom variables: the installation's own names, string values (None when the page set none).
CustomVariables = dict[str, str | None]


class _VisitorData(_Doc):
    """What every chat event knows about who is chatting."""

    visitor: Visitor = Field(default_factory=Visitor)
    session: Session = Field(default_factory=Session)
    custom_variables: CustomVariables = Field(default_factory=dict)
    prechat: PreChat = Field(default_factory=PreChat)


class ChatEndedData(_VisitorData):
    chat_id: ExternalKey
    chat: ChatInformation


class ChatEnded(Envelope, entity="chat", key="data.chat_id"):
    """A chat ended: the configured (or agent-chosen) option runs on it."""

    event_type: Literal["chat.ended"]
    data: ChatEndedData
    unstated_rules = (*Envelope.unstated_rules, END_BEFORE_START)


class OfflineMessageData(_VisitorData):
    message_id: ExternalKey
    subject: str | None = Field(default=None, max_length=255)
    content: str = Field(min_length=1, max_length=MAX_TEXT, pattern=NOT_BLANK)


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


class ActionSelectedData(_Doc):
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


class ChatRequestedData(_VisitorData):
    chat_id: ExternalKey


class ChatRequested(Command):
    """A visitor asks for a chat: answer where to route it."""

    event_type: Literal["chat.requested"]
    data: ChatRequestedData


def field_value(data: BaseModel, path: str) -> Any:
    """The value a chat field path names in an event's data (None when the event lacks it).

    `chat.transcript` is the ordered messages; `offline.*` reads an offline message's own fields.
    """
    head, _, rest = path.partition(".")
    if head == "offline":
        return getattr(data, rest, None) if isinstance(data, OfflineMessageData) else None
    if head == "custom_variables":
        variables: CustomVariables = getattr(data, "custom_variables", {})
        return variables.get(rest)
    if head == "prechat":
        prechat = getattr(data, "prechat", None)
        if prechat is None:
            return None
        if rest in PreChat.model_fields:
            return getattr(prechat, rest)
        return (prechat.model_extra or {}).get(rest)
    node: Any = getattr(data, head, None)
    for part in rest.split("."):
        if node is None:
            return None
        node = getattr(node, part, None)
    return node


def as_text(value: Any) -> str | None:
    """A chat value as Salesforce text (datetimes in ISO 8601 UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)
