"""What a Salesforce flow tells the social inbox (`POST /v1/social/salesforce-events`), and the
engagement messages.

- `conversation.contact_linked`: an agent set the Contact (or Person Account) on a Conversation.
  The match is the social user's (the overview's "Match Users from Salesforce"): it is sent to the
  inbox, then kept in DynamoDB (`social_links`, an older match never replaces a newer one; nothing
  is kept when the inbox refuses or fails), and the user's other Conversations in Salesforce get
  the same record in one collection update.
  The user id is the Conversation's `Social_User_Id__c`; when Salesforce has no such Conversation
  yet, the inbox's conversation names its user.
- `conversation.assigned`: the conversation is handed back to the inbox (to a team).
- `conversation.reply`: the agent's reply, sent under the agent's email (the inbox acts as, or
  creates, its user with that email).
- `engagement.send`: a message to a consenting recipient, on WhatsApp or KakaoTalk only; anything
  else is a 422 naming the field, before any write. A `Social_Engagement__c` (Mode__c Engagement,
  linked to the Case) is created once per event (`Engagement_Event_Id__c`), then the inbox sends it.
  Its `Recipient__c` is the recipient's key (`recipient_key`: a phone number without separators,
  00 written +), the form the switch below compares.

Never twice: a reply and an engagement carry the event id as the inbox's `Idempotency-Key`, so a
retry after a lost answer (the inbox down, or Salesforce failing after the inbox answered) sends
nothing new; a match and a hand-back set the same values again.

The switch to conversation mode is one way: `engagement_answered` (called when a conversation from
the recipient's handle arrives) turns the recipient's open Engagements into Conversations; nothing
turns one back. A later `engagement.send` always creates a new engagement (the overview: once the
customer answered, a new Case must be created for a new engagement), the old one stays Conversation.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from connector.envelope import Envelope, Outcome, UnstatedRule
from connector.errors import MappingError
from connector.salesforce.soql import soql_quote
from connector.services import Services
from connector.social.user_claim import user_claim
from connector.state.social_links import LinkedObject, UserLink
from connector.value_types import NOT_BLANK, Email, ExternalKey, PersonName, SalesforceId

CONVERSATION = "Social_Conversation__c"
ENGAGEMENT = "Social_Engagement__c"
ENGAGEMENT_CHANNELS = ("whatsapp", "kakaotalk")
# What a phone number may be written with, and what is left of one without them.
_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")
_PHONE_NUMBER = re.compile(r"\+?[0-9]{3,}")
# The key prefixes of Contact and Account ids, the same in every org.
PREFIXES: dict[str, str] = {"Contact": "003", "Account": "001"}
# The event's object name -> the link's object, the Conversation's lookup and the inbox's name.
LINKED: dict[str, tuple[LinkedObject, str, str]] = {
    "Contact": ("Contact", "Contact__c", "Contact"),
    "Account": ("Account", "Person_Account__c", "PersonAccount"),
    "PersonAccount": ("Account", "Person_Account__c", "PersonAccount"),
}


class _Doc(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class SalesforceAgent(_Doc):
    id: str | None = Field(default=None, max_length=80)
    name: PersonName | None = Field(default=None, max_length=121)
    email: Email


class ContactLinkedData(_Doc):
    conversation_id: ExternalKey
    salesforce_object: Literal["Contact", "Account", "PersonAccount"] = "Contact"
    salesforce_id: SalesforceId
    agent: SalesforceAgent | None = None


# Across two fields: the Id must be of the object salesforce_object names.
ID_OF_THE_OBJECT = UnstatedRule(
    ("data", "salesforce_id"), "mapping_error", "data.salesforce_id is not the Id of the data.salesforce_object"
)


class ConversationContactLinked(Envelope, entity="conversation_link", key="data.conversation_id"):
    event_type: Literal["conversation.contact_linked"]
    data: ContactLinkedData
    unstated_rules = (*Envelope.unstated_rules, ID_OF_THE_OBJECT)


class AssignedData(_Doc):
    conversation_id: ExternalKey
    team: str = Field(min_length=1, max_length=255, pattern=NOT_BLANK)
    salesforce_case_id: SalesforceId | None = None
    agent: SalesforceAgent | None = None


class ConversationAssigned(Envelope, entity="conversation_assignment", key="data.conversation_id"):
    event_type: Literal["conversation.assigned"]
    data: AssignedData


class ReplyData(_Doc):
    conversation_id: ExternalKey
    text: str = Field(min_length=1, max_length=10_000, pattern=NOT_BLANK)
    agent: SalesforceAgent


class ConversationReply(Envelope, entity="conversation_reply", key="event_id"):
    event_type: Literal["conversation.reply"]
    data: ReplyData


class EngagementData(_Doc):
    recipient: str = Field(min_length=1, max_length=255, pattern=NOT_BLANK)
    channel: str = Field(min_length=1, max_length=40, pattern=NOT_BLANK)
    consent: bool = False
    text: str = Field(min_length=1, max_length=10_000, pattern=NOT_BLANK)
    salesforce_case_id: SalesforceId | None = None
    agent: SalesforceAgent | None = None


# Checked by the workflow, as the inbox's engagement API would refuse them (a channel named in any
# case; a message without the recipient's consent): 422s naming the field.
ENGAGEMENT_CHANNEL = UnstatedRule(
    ("data", "channel"), "mapping_error", "engagement messages go on whatsapp or kakaotalk"
)
ENGAGEMENT_CONSENT = UnstatedRule(("data", "consent"), "mapping_error", "the recipient has not consented")


class EngagementSend(Envelope, entity="engagement", key="event_id"):
    event_type: Literal["engagement.send"]
    data: EngagementData
    unstated_rules = (*Envelope.unstated_rules, ENGAGEMENT_CHANNEL, ENGAGEMENT_CONSENT)


def _agent(agent: SalesforceAgent) -> dict[str, str]:
    return {k: v for k, v in agent.model_dump().items() if v is not None}


def link_conversation_contact(event: ConversationContactLinked, services: Services) -> Outcome:
    data = event.data
    sobject = LINKED[data.salesforce_object][0]
    if not data.salesforce_id.startswith(PREFIXES[sobject]):
        # Kept as the user's match, an id of another object would be refused on every later
        # conversation of the user (a Contact__c naming an Account, say).
        raise MappingError(["data", "salesforce_id"], f"not the id of a {data.salesforce_object}")
    where = f"Conversation_Id__c = {soql_quote(data.conversation_id)}"
    found = services.salesforce.query(f"SELECT Id, Social_User_Id__c FROM {CONVERSATION} WHERE {where} LIMIT 1")
    user_id = found[0].get("Social_User_Id__c") if found else None
    if not user_id:
        user_id = services.social.conversation_user(data.conversation_id)
    # Under the user's claim: a conversation of the user synced meanwhile reads the match after it is
    # kept, or is in Salesforce before the query below reads the user's conversations.
    with user_claim(services, str(user_id), event.event_id):
        return _link_user(event, services, str(user_id))


def _link_user(event: ConversationContactLinked, services: Services, user_id: str) -> Outcome:
    data = event.data
    sobject, lookup, inbox_object = LINKED[data.salesforce_object]
    kept = services.social_links.get(user_id)
    if kept is not None and kept.version > event.version:
        return Outcome(ids={}, detail={"stale": True})  # the user has a newer match already
    # The inbox first, then the match kept: an inbox that refuses (a conversation or user it does not
    # know) or is down leaves no match behind to link the user's later conversations; its retry
    # from the queue sends it again (setting the same values is harmless).
    services.social.match_user(data.conversation_id, inbox_object, data.salesforce_id)
    if not services.social_links.link(UserLink(user_id, sobject, data.salesforce_id, event.version)):
        return Outcome(ids={}, detail={"stale": True})  # a newer match was kept meanwhile
    others = services.salesforce.query(
        f"SELECT Id, {lookup} FROM {CONVERSATION} WHERE Social_User_Id__c = {soql_quote(user_id)}"
    )
    other = "Person_Account__c" if lookup == "Contact__c" else "Contact__c"
    changes = [
        {"Id": r["Id"], lookup: data.salesforce_id, other: None} for r in others if r.get(lookup) != data.salesforce_id
    ]
    for result in services.salesforce.update_many(CONVERSATION, changes, all_or_none=True):
        if not result.success:
            raise result.error()
    ids = {f"{sobject.lower()}_id": data.salesforce_id}  # contact_id or account_id, as other answers name them
    return Outcome(ids=ids, detail={"linked_conversations": len(changes)})


def assign_conversation(event: ConversationAssigned, services: Services) -> Outcome:
    data = event.data
    email = data.agent.email if data.agent else None
    services.social.assign_to_inbox(data.conversation_id, data.team, email, data.salesforce_case_id)
    return Outcome(ids={})


def send_reply(event: ConversationReply, services: Services) -> Outcome:
    data = event.data
    message = services.social.reply(data.conversation_id, data.text, _agent(data.agent), event.event_id)
    return Outcome(ids={}, detail={"message_id": str(message.get("message", {}).get("id", ""))})


def send_engagement(event: EngagementSend, services: Services) -> Outcome:
    data = event.data
    channel = data.channel.lower()
    if channel not in ENGAGEMENT_CHANNELS:
        raise MappingError(["data", "channel"], "engagement messages go on whatsapp or kakaotalk only")
    if not data.consent:
        raise MappingError(["data", "consent"], "the recipient has not consented to engagement messages")
    key = soql_quote(event.event_id)
    found = services.salesforce.query(f"SELECT Id FROM {ENGAGEMENT} WHERE Engagement_Event_Id__c = {key} LIMIT 1")
    if found:
        engagement_id = str(found[0]["Id"])  # a retry: the record exists, only the inbox call is left
    else:
        fields: dict[str, Any] = {
            "Engagement_Event_Id__c": event.event_id,
            "Recipient__c": recipient_key(data.recipient),
            "Channel__c": channel,
            "Consent__c": True,
            "Mode__c": "Engagement",
        }
        if data.salesforce_case_id:
            fields["Case__c"] = data.salesforce_case_id
        engagement_id = services.salesforce.create(ENGAGEMENT, fields)
    body = {
        "recipient": data.recipient,
        "channel": channel,
        "consent": True,
        "text": data.text,
        "salesforce_case_id": data.salesforce_case_id,
    }
    services.social.engage(body, event.event_id)
    return Outcome(ids={"engagement_id": engagement_id})


def recipient_key(handle: str) -> str:
    """A recipient as Salesforce keeps it and compares it: a phone number without its separators
    (spaces, dashes, dots, parentheses), a leading 00 written +, so that "+33 6 12-34.56 78" and
    "0033612345678" are one recipient; any other handle (a KakaoTalk id) as it is."""
    compact = _PHONE_SEPARATORS.sub("", handle.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact if _PHONE_NUMBER.fullmatch(compact) else handle.strip()


def open_engagements_query(channel: str, recipient_handle: str) -> str:
    """The recipient's Engagements on that channel still in engagement mode (by its key; an
    Engagement written before recipients were kept by their key matches the handle as it is)."""
    forms = sorted({recipient_key(recipient_handle), recipient_handle.strip()})
    where = (
        f"Recipient__c IN ({', '.join(soql_quote(f) for f in forms)}) AND Channel__c = {soql_quote(channel.lower())}"
        " AND Mode__c = 'Engagement'"
    )
    return f"SELECT Id FROM {ENGAGEMENT} WHERE {where}"


def answered_engagement(conversation_record_id: str) -> dict[str, str]:
    """What an answered Engagement becomes (one way: nothing sets it back)."""
    return {"Mode__c": "Conversation", "Conversation__c": conversation_record_id}


def engagement_answered(
    services: Services, channel: str, recipient_handle: str, conversation_record_id: str
) -> list[str]:
    """The recipient answered: each of their open Engagements on that channel becomes a
    Conversation (Conversation__c set). One way: nothing ever sets an engagement back. The ids flipped."""
    open_ones = services.salesforce.query(open_engagements_query(channel, recipient_handle))
    changes = [{"Id": r["Id"], **answered_engagement(conversation_record_id)} for r in open_ones]
    for result in services.salesforce.update_many(ENGAGEMENT, changes, all_or_none=True):
        if not result.success:
            raise result.error()
    return [str(r["Id"]) for r in open_ones]
