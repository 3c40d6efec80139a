"""The social inbox's event bodies: a conversation routed to a team or replied to by an agent, and a
user matched to a Salesforce Contact (or Person Account). See events/conversation.routed.json,
events/conversation.replied.json, events/user.matched.json and
../shared/reference/social-alcmeon-salesforce-overview.md."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from connector.envelope import Envelope, UnstatedRule
from connector.value_types import NOT_BLANK, Email, ExternalKey, Instant, PersonName, SalesforceId

# A Last_Message__c is a long text area; the inbox's message is cut to it.
MAX_TEXT = 256 * 1024
# An action id, zero-padded to this width in a version, compares as a string like a number.
ACTION_ID_DIGITS = 20


class _Doc(BaseModel):
    # The inbox may send more than we read: extra fields are accepted and ignored.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class SocialUser(_Doc):
    id: ExternalKey
    handle: str | None = Field(default=None, max_length=255)
    name: PersonName | None = Field(default=None, max_length=255)


class SocialAgent(_Doc):
    id: str = Field(min_length=1, max_length=80, pattern=NOT_BLANK)
    name: PersonName | None = Field(default=None, max_length=121)
    email: Email | None = None


class LastMessage(_Doc):
    time: Instant
    text: str | None = Field(default=None, max_length=MAX_TEXT)


class PreviousConversation(_Doc):
    conversation_id: ExternalKey
    channel: str | None = Field(default=None, max_length=80)
    status: Literal["open", "closed"] | None = None
    opened_at: Instant | None = None
    closed_at: Instant | None = None


class ConversationData(_Doc):
    conversation_id: ExternalKey
    channel: str | None = Field(default=None, max_length=80)
    team: str | None = Field(default=None, max_length=255)
    status: Literal["open", "closed"] | None = None
    user: SocialUser
    salesforce_contact_id: SalesforceId | None = None
    agent: SocialAgent | None = None
    # A body is at most 256 KiB: this cap only keeps its shape sane (a first push of more than 200
    # earlier conversations takes one collection call per 200).
    previous_conversations: list[PreviousConversation] = Field(default_factory=list, max_length=5000)
    last_message: LastMessage | None = None


class _InboxEvent(Envelope):
    """An event of the inbox. One read from its actions feed names the action (`action_id`): the inbox
    dates an action to the second only, and its ids grow with time, so the version is occurred_at
    followed by the zero-padded id, then as every version the event_id that breaks ties
    (`2026-11-23T09:59:00.000000Z#00000000000000005501#alcmeon-action-5501`). Versions compare as
    strings: two actions of one second follow their ids, whatever their size, and an event of a
    later instant (from the feed or not) is newer still."""

    action_id: int | None = Field(default=None, ge=1, lt=10**ACTION_ID_DIGITS)

    @property
    def instant(self) -> str:
        at = super().instant
        return at if self.action_id is None else f"{at}#{self.action_id:0{ACTION_ID_DIGITS}d}"


class ConversationChanged(_InboxEvent, entity="conversation", key="data.conversation_id"):
    """A conversation was routed to a team, or an agent replied in it: pushed when eligible."""

    event_type: Literal["conversation.routed", "conversation.replied"]
    data: ConversationData


class UserMatchedData(_Doc):
    user: SocialUser
    salesforce_contact_id: SalesforceId


# Which objects a match may name is the configuration's (social.customer_parent): a Contact, or also
# a Person Account's Account in person-account mode.
MATCHED_RECORD = UnstatedRule(
    ("data", "salesforce_contact_id"),
    "mapping_error",
    "not the Id of a Contact (or, with social.customer_parent person_account, of an Account)",
)


class UserMatched(_InboxEvent, entity="social_user", key="data.user.id"):
    """A user was matched to a Salesforce Contact (a Person Account's Id in person-account mode)."""

    event_type: Literal["user.matched"]
    data: UserMatchedData
    unstated_rules = (*Envelope.unstated_rules, MATCHED_RECORD)
