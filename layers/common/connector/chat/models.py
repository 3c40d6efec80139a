"""The live-chat platform's event bodies, in the guide's five field categories: what every chat event
knows of who is chatting, and the routing request (the chat end's events, which only the chat_end
function serves, are connector.chat.end_events: the routing function never builds them).

Visitor, session, custom variables, pre-chat fields and chat information (requesting page, start
and end time, agent, transcript as ordered messages); see
../shared/reference/live-chat-comm100-salesforce-guide.txt, "Field Mapping between Comm100 Live
Chat and Salesforce". `field_value` reads a configured chat field path (`prechat.phone`) from them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from connector.envelope import Command
from connector.value_types import NOT_BLANK, Email, ExternalKey, PersonName


class ChatDocument(BaseModel):
    # The platform may send more than we read: extra fields are accepted and ignored.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Visitor(ChatDocument):
    name: PersonName | None = Field(default=None, max_length=255)
    email: Email | None = None
    visit_times: int | None = Field(default=None, ge=0)
    chat_times: int | None = Field(default=None, ge=0)


class Session(ChatDocument):
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


class PreChat(ChatDocument):
    """The pre-chat form: its system fields, and the installation's custom fields (kept as sent)."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    phone: str | None = Field(default=None, max_length=40)
    company: str | None = Field(default=None, max_length=255)
    department: str | None = Field(default=None, max_length=80)
    product_service: str | None = Field(default=None, max_length=255)


# A body is at most 256 KiB (intake refuses more): these caps only keep a transcript's shape sane,
# and never refuse what fits in a body (a refused chat is lost: the platform stops redelivering).
MAX_TEXT = 256 * 1024


# Custom variables: the installation's own names, string values (None when the page set none).
CustomVariables = dict[str, str | None]


class VisitorData(ChatDocument):
    """What every chat event knows about who is chatting."""

    visitor: Visitor = Field(default_factory=Visitor)
    session: Session = Field(default_factory=Session)
    custom_variables: CustomVariables = Field(default_factory=dict)
    prechat: PreChat = Field(default_factory=PreChat)


class OfflineMessageData(VisitorData):
    message_id: ExternalKey
    subject: str | None = Field(default=None, max_length=255)
    content: str = Field(min_length=1, max_length=MAX_TEXT, pattern=NOT_BLANK)


class ChatRequestedData(VisitorData):
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
