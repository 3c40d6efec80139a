"""A chat as readable text for a Case's or a Task's description, and the cut Salesforce needs.

The text is a header with the chat's metadata (chat id, agent, start and end, requesting page) and
one line per message in order: `[2026-11-23 09:40:05 UTC] Sam Lee (visitor): Hi, my coupon fails.`
An offline message's subject and content take the transcript's place.

Case.Description and Task.Description are long text areas of 32,000 characters; a longer value is
refused whole (STRING_TOO_LONG). Salesforce counts characters as UTF-16 code units, as Java and Apex
do (a character outside the Basic Multilingual Plane, such as an emoji, counts twice:
https://help.salesforce.com/s/articleView?id=005166849&type=1), so the cut counts them so too.
A longer transcript is cut to fit, ending with a marker, and the whole text goes to the record as a
file (see `chat_end`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from connector.chat.end_events import ChatEndedData
from connector.chat.models import OfflineMessageData

# Case and Task Description: "Long Text Area(32000)" (Salesforce field reference, Case and Task:
# https://developer.salesforce.com/docs/atlas.en-us.sfFieldRef.meta/sfFieldRef/salesforce_field_reference_Case.htm).
DESCRIPTION_LENGTH = 32_000
CUT_MARKER = "\n… [transcript cut at 32,000 characters: the full transcript is attached as a file]"


@dataclass(frozen=True)
class Description:
    """What the record's description holds, and the whole text when it had to be cut."""

    text: str
    full_text: str | None = None

    @property
    def cut(self) -> bool:
        return self.full_text is not None


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def chat_text(data: ChatEndedData) -> str:
    """The chat's metadata, then its messages in order, one line each."""
    chat = data.chat
    lines = [f"Chat {data.chat_id}"]
    if chat.agent is not None:
        # The agent as a reader knows them: the platform's agent id means nothing in Salesforce (and
        # the platform's own webhook names operators only, so an id would tell its two routes apart).
        lines.append(f"Agent: {chat.agent.name or chat.agent.id}")
    lines.append(f"Started: {_time(chat.start_time)}")
    lines.append(f"Ended: {_time(chat.end_time)}")
    if chat.requesting_page_url:
        lines.append(f"Requesting page: {chat.requesting_page_url}")
    lines.append("")
    for message in chat.transcript:
        who = f"{message.name} ({message.sender})" if message.name else message.sender
        lines.append(f"[{_time(message.time)}] {who}: {message.text}")
    return "\n".join(lines)


def offline_text(data: OfflineMessageData) -> str:
    """An offline message: its id and subject, then its content."""
    lines = [f"Offline message {data.message_id}"]
    if data.subject:
        lines.append(f"Subject: {data.subject}")
    lines.extend(["", data.content])
    return "\n".join(lines)


def salesforce_length(text: str) -> int:
    """The length Salesforce gives `text`: its UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _first_units(text: str, units: int) -> str:
    """The longest start of `text` of at most `units` UTF-16 code units (never half a pair)."""
    return text.encode("utf-16-le")[: 2 * units].decode("utf-16-le", errors="ignore")


def fit_description(text: str) -> Description:
    """`text` as it fits a description: itself, or cut with the marker (the whole kept aside)."""
    if salesforce_length(text) <= DESCRIPTION_LENGTH:
        return Description(text)
    kept = _first_units(text, DESCRIPTION_LENGTH - salesforce_length(CUT_MARKER))
    return Description(kept + CUT_MARKER, full_text=text)
