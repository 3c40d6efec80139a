"""The chat platform's own webhook bodies (Comm100 Live Chat "Webhooks"), mapped to the canonical events.

Comm100 posts its own JSON, not our envelope, to the URL an admin gives each webhook (Control Panel >
Apps & Integrations > Webhooks > New Webhook: an event type and a target URL). Its reference pages
("Reference for Webhook event: Chat Ended", "... Offline Message Submitted"; e.g.
https://portal11.comm100.site/kb/100/Comm100-Support/reference-for-webhook-event-chat-ended and
.../reference-for-webhook-event-offline-message-submitted) document:

- `event`: `"chat_ended"` or `"offline_message_submitted"` (the other events, `chat_started`,
  `chat_wrapped_up`, `chat_requested`, `chat_transferred` and the agent status ones, are not synced);
- `visitor`: `id`, `name`, `email`, `phone`, `company`, `chat_id`, `chats`, `visits`, `ip`, `city`,
  `state`, `country`, `browser`, `operating_system`, `screen_resolution`, `flash_version`,
  `time_zone` ("GMT -08:00"), `language`, `referrer_url`, `landing_page`, `current_browsing`,
  `search_engine`, `keywords`, `department`, `product_service`, `custom_fields` and
  `custom_variables` (lists of `{name, value}`), times such as `visit_time`;
- `chat` (chat ended): `attachment`, `chat_transcript`, `company`, `custom_fields`,
  `custom_variable` (singular there), `department` (a name, "Support"), ...;
- `offline_message`: `id`, `name`, `email`, `phone`, `company`, `department`, `subject`,
  `content`, `custom_fields`, `custom_variable`, `attachment` (`{name, uri}`) and `time`.

Times are sent as `"/Date(<epoch ms>)/"` in those pages and as plain epoch milliseconds in
../shared/contracts/native/chat.chat_ended.native.json: both are read. Empty strings mean "not
set" (the pages send `"phone": ""`) and become None. Transcript entries are separated by "⊙" in
the pages and by new lines in the shared example; a message line reads `[hh:mm:ss] name: text`,
other entries ("Agent Walid has joined the chat.", "The chat is ended.(03:36:59)") are the
platform's own notices.

Where the pages are silent (the rest of the chat object: `id`, `start_time`, `end_time`,
`operators`, `email`, `phone`, `product_service`, `custom_variables`), this follows the shared
example `chat.chat_ended.native.json`. Assumptions made here, not documented by the platform: the
transcript's times of day are UTC on the chat's start date; `operators` lists operator names,
comma-separated, and the first is the chat's agent (the webhook names no operator id, so the name
stands as the agent's id too); the requesting page is the visitor's `current_browsing`.

Determinism matters: a redelivery of the same body must map to the same canonical event (same
event_id, byte-identical data), so that the pipeline's idempotency answers it as the first one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, Literal, NoReturn

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema
from pydantic_core import InitErrorDetails, PydanticCustomError

from connector.chat.end_events import (
    END_BEFORE_START,
    Agent,
    ChatEnded,
    ChatEndedData,
    ChatInformation,
    OfflineMessageReceived,
    TranscriptMessage,
)
from connector.chat.models import MAX_TEXT, CustomVariables, OfflineMessageData, PreChat, Session, Visitor
from connector.envelope import OCCURRED_IN_THE_FUTURE, REUSED_EVENT_ID, UnstatedRule
from connector.errors import MappingError
from connector.value_types import (
    FIRST_YEAR,
    LAST_YEAR,
    NOT_BLANK,
    Email,
    ExternalKey,
    without_control_characters,
)

SOURCE = "chat"
EVENT_ID_PREFIX = "comm100"

_DOTNET_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _epoch_ms(value: Any) -> Any:
    """Epoch milliseconds (a number, a string of digits, or the pages' "/Date(ms)/") -> UTC datetime."""
    if isinstance(value, bool):
        return value  # refused below: not a time
    if isinstance(value, str):
        text = value.strip()
        found = _DOTNET_DATE.match(text)
        if found:
            text = found.group(1)
        if not re.fullmatch(r"-?\d{1,15}", text):
            raise ValueError("not a time in epoch milliseconds")
        value = int(text)
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError("epoch milliseconds out of range") from None
    return value


Text = Annotated[str | None, BeforeValidator(_blank_to_none)]
NativeEmail = Annotated[Email | None, BeforeValidator(_blank_to_none)]
# As the document states it: the webhook's epoch milliseconds, within the years a canonical Instant
# takes (the pages' "/Date(ms)/" text is taken too, but no webhook sends it).
_FIRST_MS = int(datetime(FIRST_YEAR, 1, 1, tzinfo=UTC).timestamp() * 1000)
_LAST_MS = int(datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC).timestamp() * 1000) - 1
EpochMs = Annotated[
    datetime,
    BeforeValidator(_epoch_ms),
    WithJsonSchema({"type": "integer", "minimum": _FIRST_MS, "maximum": _LAST_MS}),
]


def _id_text(value: Any) -> Any:
    """An id the platform sends as a number or a string (GUID): a string either way."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _blank_to_none(value)


NativeId = Annotated[ExternalKey | None, BeforeValidator(_id_text)]
# A department: a name in the chat object ("Support"), an id (number or GUID) in the visitor's.
Department = Annotated[str | None, BeforeValidator(_id_text)]


class _Native(BaseModel):
    # The platform sends more than we read (skill, status, page_views, rating...): ignored.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class NameValue(_Native):
    """One entry of `custom_fields` / `custom_variables`: `{"name", "value"}` (custom fields add `field_id`)."""

    name: str = Field(min_length=1, max_length=80, pattern=NOT_BLANK)
    value: Any = None


NameValues = list[NameValue]


class NativeVisitor(_Native):
    id: Any = None
    name: Text = None
    email: NativeEmail = None
    phone: Text = None
    company: Text = None
    chat_id: NativeId = None
    chats: int | None = Field(default=None, ge=0)
    visits: int | None = Field(default=None, ge=0)
    ip: Text = None
    country: Text = None
    state: Text = None
    city: Text = None
    browser: Text = None
    operating_system: Text = None
    flash_version: Text = None
    screen_resolution: Text = None
    time_zone: Text = None
    language: Text = None
    referrer_url: Text = None
    landing_page: Text = None
    current_browsing: Text = None
    search_engine: Text = None
    keywords: Text = None
    department: Department = None
    product_service: Text = None
    custom_fields: NameValues = Field(default_factory=list)
    custom_variables: NameValues = Field(
        default_factory=list, validation_alias=AliasChoices("custom_variables", "custom_variable")
    )


class NativeChat(_Native):
    id: NativeId = None
    name: Text = None
    email: NativeEmail = None
    phone: Text = None
    company: Text = None
    department: Department = None
    product_service: Text = None
    chat_transcript: str = Field(default="", max_length=200_000)
    start_time: EpochMs
    end_time: EpochMs
    operators: Text = None
    custom_fields: NameValues = Field(default_factory=list)
    # "custom_variable" in the platform's pages, "custom_variables" in the shared example.
    custom_variables: NameValues = Field(
        default_factory=list, validation_alias=AliasChoices("custom_variables", "custom_variable")
    )


class NativeOfflineMessage(_Native):
    id: ExternalKey
    name: Text = None
    email: NativeEmail = None
    phone: Text = None
    company: Text = None
    department: Department = None
    product_service: Text = None
    subject: Text = None
    content: str = Field(min_length=1, max_length=MAX_TEXT, pattern=NOT_BLANK)
    time: EpochMs
    custom_fields: NameValues = Field(default_factory=list)
    custom_variables: NameValues = Field(
        default_factory=list, validation_alias=AliasChoices("custom_variables", "custom_variable")
    )


class NativeChatEnded(_Native):
    event: Literal["chat_ended"]
    visitor: NativeVisitor = Field(default_factory=NativeVisitor)
    chat: NativeChat


class NativeOfflineMessageSubmitted(_Native):
    event: Literal["offline_message_submitted"]
    visitor: NativeVisitor = Field(default_factory=NativeVisitor)
    offline_message: NativeOfflineMessage


# The platform's `event` -> the model of its body (the other webhook events are not taken here).
NATIVE_EVENTS: dict[str, type[NativeChatEnded | NativeOfflineMessageSubmitted]] = {
    "chat_ended": NativeChatEnded,
    "offline_message_submitted": NativeOfflineMessageSubmitted,
}

# The body the native route takes, for the OpenAPI document: one of the models above, by `event`.
NativeBody = Annotated[NativeChatEnded | NativeOfflineMessageSubmitted, Field(discriminator="event")]
# The chat's id is in one of two places (chat.id or visitor.chat_id): a rule across fields.
CHAT_ID_SOMEWHERE = UnstatedRule(("chat", "id"), "missing", "the chat's id (chat.id or visitor.chat_id) is required")
# The canonical event's rules beyond its schema, with the loc the translation answers them at.
NATIVE_RULES = (
    CHAT_ID_SOMEWHERE,
    OCCURRED_IN_THE_FUTURE,
    REUSED_EVENT_ID,
    UnstatedRule((), END_BEFORE_START.type, END_BEFORE_START.rule),
)

# --------------------------------------------------------------------------------------- mapping


def to_canonical(payload: Any) -> ChatEnded | OfflineMessageReceived:
    """The canonical event a native webhook body stands for.

    Raises pydantic's ValidationError whose locations name the native field (`["chat",
    "start_time"]`), or a MappingError naming `event` for an event this route does not take.
    """
    if not isinstance(payload, dict):
        raise MappingError([], "the body must be a JSON object")
    event = payload.get("event")
    model = NATIVE_EVENTS.get(event) if isinstance(event, str) else None
    if model is None:
        raise MappingError(["event"], f"event must be one of {', '.join(sorted(NATIVE_EVENTS))}")
    native = model.model_validate(payload)
    if isinstance(native, NativeChatEnded):
        return _chat_ended(native)
    return _offline_message(native)


def _who(
    visitor: NativeVisitor, form: NativeChat | NativeOfflineMessage, *, name: str | None, email: str | None
) -> dict[str, Any]:
    """The visitor's categories (visitor, session, custom variables, pre-chat fields) from the
    visitor object and the chat or offline-message object that completes it (its form's fields)."""
    return {
        "visitor": _visitor(visitor, name=name, email=email),
        "session": _session(visitor),
        "custom_variables": _custom_variables(visitor.custom_variables, form.custom_variables),
        "prechat": _prechat(
            visitor,
            phone=form.phone,
            company=form.company,
            department=form.department,
            product_service=form.product_service,
            custom_fields=[*visitor.custom_fields, *form.custom_fields],
        ),
    }


def _chat_ended(native: NativeChatEnded) -> ChatEnded:
    visitor, chat = native.visitor, native.chat
    chat_id = chat.id or visitor.chat_id
    if chat_id is None:
        _missing(("chat", "id"), "the chat's id (chat.id or visitor.chat_id) is required")
    operators = _operator_names(chat.operators)
    visitor_name = visitor.name or chat.name
    agent = _fitted(Agent, id=operators[0], name=operators[0]) if operators else None
    data = ChatEndedData(
        chat_id=chat_id,
        **_who(visitor, chat, name=visitor_name, email=visitor.email or chat.email),
        chat=ChatInformation(
            requesting_page_url=visitor.current_browsing,
            start_time=chat.start_time,
            end_time=chat.end_time,
            agent=agent,
            transcript=parse_transcript(chat.chat_transcript, chat.start_time, operators, visitor_name),
        ),
    )
    return ChatEnded(
        event_id=f"{EVENT_ID_PREFIX}-{native.event}-{chat_id}",
        event_type="chat.ended",
        occurred_at=chat.end_time,
        source=SOURCE,
        data=data,
    )


def _offline_message(native: NativeOfflineMessageSubmitted) -> OfflineMessageReceived:
    visitor, message = native.visitor, native.offline_message
    data = OfflineMessageData(
        message_id=message.id,
        **_who(visitor, message, name=message.name or visitor.name, email=message.email or visitor.email),
        subject=message.subject,
        content=message.content,
    )
    return OfflineMessageReceived(
        event_id=f"{EVENT_ID_PREFIX}-{native.event}-{message.id}",
        event_type="offline_message.received",
        occurred_at=message.time,
        source=SOURCE,
        data=data,
    )


def _fitted[Model: BaseModel](model: type[Model], **values: Any) -> Model:
    """`model` of `values`, each text cut to its field's max_length: what a visitor or an admin typed
    into the platform is kept as far as it fits, never a reason to refuse (and so lose) the chat."""
    fitted: dict[str, Any] = {}
    for name, value in values.items():
        field = model.model_fields.get(name)
        limit = next((m.max_length for m in field.metadata if getattr(m, "max_length", None)), None) if field else None
        if isinstance(value, str) and name == "name":
            value = without_control_characters(value)  # a person's name (PersonName) is kept, not refused
        fitted[name] = value[:limit] if isinstance(value, str) and limit else value
    return model.model_validate(fitted)


def _visitor(visitor: NativeVisitor, *, name: str | None, email: str | None) -> Visitor:
    return _fitted(Visitor, name=name, email=email, visit_times=visitor.visits, chat_times=visitor.chats)


def _session(visitor: NativeVisitor) -> Session:
    return _fitted(
        Session,
        ip=visitor.ip,
        country=visitor.country,
        state=visitor.state,
        city=visitor.city,
        search_engine=visitor.search_engine,
        search_keywords=visitor.keywords,
        browser=visitor.browser,
        os=visitor.operating_system,
        flash_version=visitor.flash_version,
        screen_resolution=visitor.screen_resolution,
        time_zone=visitor.time_zone,
        language=visitor.language,
        referrer_url=visitor.referrer_url,
        current_page_url=visitor.current_browsing,
        landing_page_url=visitor.landing_page,
    )


def _prechat(
    visitor: NativeVisitor,
    *,
    phone: str | None,
    company: str | None,
    department: str | None,
    product_service: str | None,
    custom_fields: NameValues,
) -> PreChat:
    """The pre-chat form: its system fields (the chat's or message's own, else the visitor's) and
    its custom fields by name. A department the form only knows by id is kept as that id's text."""
    fields: dict[str, Any] = {
        "phone": phone or visitor.phone,
        "company": company or visitor.company,
        "department": department or visitor.department,
        "product_service": product_service or visitor.product_service,
    }
    for entry in custom_fields:
        if entry.name not in PreChat.model_fields:  # a custom field never overrides a system one
            fields[entry.name] = _text_value(entry.value)
    return _fitted(PreChat, **fields)


def _custom_variables(*lists: NameValues) -> CustomVariables:
    """Name/value lists -> one dict; a later list (the chat's) wins over an earlier (the visitor's)."""
    variables: CustomVariables = {}
    for entries in lists:
        for entry in entries:
            variables[entry.name] = _text_value(entry.value)
    return variables


def _text_value(value: Any) -> str | None:
    value = _blank_to_none(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.strip() if isinstance(value, str) else str(value)


def _operator_names(operators: str | None) -> list[str]:
    return [name.strip() for name in (operators or "").split(",") if name.strip()]


def _missing(loc: tuple[str, ...], msg: str) -> NoReturn:
    error = InitErrorDetails(type=PydanticCustomError("missing", msg), loc=loc, input=None)
    raise ValidationError.from_exception_data("native chat event", [error])


# --------------------------------------------------------------------------------------- transcript

_MESSAGE = re.compile(r"^\[(\d{1,2}):(\d{2}):(\d{2})\] ([^:\n]{1,121}?): ?(.*)$")
_NOTICE_TIME = re.compile(r"\((\d{1,2}):(\d{2}):(\d{2})\)\s*$")
ENTRY_SEPARATOR = "⊙"
# A time of day earlier than the previous one by more than this is the next day (a chat that crossed
# midnight); by less, it is the platform's clock jitter and stays on the same day.
_ROLLOVER = timedelta(hours=1)


def parse_transcript(
    transcript: str, start: datetime, operators: list[str], visitor_name: str | None
) -> list[TranscriptMessage]:
    """The platform's transcript text -> ordered messages.

    Each `[hh:mm:ss] name: text` line starts a message; the lines after it, up to the next such line
    or the next "⊙", continue it (a multi-line message). An entry without a time is the platform's
    notice (sender "system"), timed by its own "(hh:mm:ss)" suffix or else by the message before it.
    The time of day is placed on the chat's start date (UTC) and rolls to the next day when it falls
    more than an hour before the previous one. Sender: "agent" for an operator's name, "visitor" for
    the visitor's, "bot" for any other name.
    """
    messages: list[dict[str, Any]] = []
    clock = _Clock(start)
    for entry in transcript.replace("\r\n", "\n").split(ENTRY_SEPARATOR):
        current: dict[str, Any] | None = None
        for line in entry.split("\n"):
            found = _MESSAGE.match(line.strip())
            if found:
                hours, minutes, seconds, name, text = found.groups()
                name = without_control_characters(name.strip())
                current = {
                    "time": clock.at(int(hours), int(minutes), int(seconds)),
                    "sender": _sender(name, operators, visitor_name),
                    "name": name,
                    "text": text.strip(),
                }
                messages.append(current)
            elif current is not None:
                current["text"] = f"{current['text']}\n{line.rstrip()}"
            elif line.strip():
                notice = line.strip()
                stamp = _NOTICE_TIME.search(notice)
                at = clock.at(*(int(g) for g in stamp.groups())) if stamp else clock.last
                current = {"time": at, "sender": "system", "name": None, "text": notice}
                messages.append(current)
    for message in messages:
        message["text"] = message["text"].strip()
    return [TranscriptMessage.model_validate(m) for m in messages if m["text"]]


def _sender(name: str, operators: list[str], visitor_name: str | None) -> str:
    if name in operators:
        return "agent"
    if visitor_name is not None and name == visitor_name:
        return "visitor"
    return "bot"


class _Clock:
    """Times of day on the chat's start date, rolling over midnight."""

    def __init__(self, start: datetime) -> None:
        self.day = start.astimezone(UTC).date()
        self.last = start.astimezone(UTC).replace(microsecond=0)

    def at(self, hours: int, minutes: int, seconds: int) -> datetime:
        if hours > 23 or minutes > 59 or seconds > 59:
            return self.last
        moment = datetime.combine(self.day, time(hours, minutes, seconds), tzinfo=UTC)
        if moment < self.last - _ROLLOVER:
            self.day += timedelta(days=1)
            moment += timedelta(days=1)
        self.last = max(self.last, moment)
        return moment
