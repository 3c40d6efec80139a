"""The social platform events a Salesforce flow publishes (`Social_*__e`, relayed by Event Relay on the
channel `Service_Cloud_Connector_Events__chn`) -> the canonical social events of
`POST /v1/social/salesforce-events`, so that they run through that route's own handlers.

A flow can also call the route itself (External Services, `ConnectorClient.socialEvent`); a platform
event is the other way: published after the record's transaction commits, it needs no callout from
the transaction, and Event Relay retries it (and keeps it 72 hours for replay) when AWS is away.

Each platform event has one payload model here (its fields by their API names, as the relayed
`detail.payload` carries them, README "Salesforce changes to the platforms"); the canonical body is
built from it and validated by the route's own model, so both ways apply the same rules. A field the
payload lacks (or holds null) is a ValidationError naming the platform event's field.

- event_id: the platform event's UUID (`detail.id`, its EventUuid), not EventBridge's id, which is
  new on each relay attempt: a redelivered event is the same event, answered once.
- occurred_at: the event's `CreatedDate` (when the flow published it), so last-writer-wins compares
  a relayed contact link with one sent to the route by the moment each was made.
- source: `social`, the route's family: a Conversation's link is one entity whichever way it came.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from connector.envelope import Envelope
from connector.errors import MappingError
from connector.relay.events import RelayedEvent
from connector.social.salesforce_events import (
    ConversationAssigned,
    ConversationContactLinked,
    ConversationReply,
    EngagementSend,
)

SOURCE = "social"


class _SocialPlatformEvent(BaseModel):
    """What every `Social_*__e` carries: the standard fields of a platform event and the acting agent
    (the flow's running user: `$User.Id`, `$User.FirstName & ' ' & $User.LastName`, `$User.Email`)."""

    # Fields the flow does not set arrive as null in the relayed payload (Pub/Sub API's JSON), and a
    # later version of an event may carry more fields: both are ignored, never refused.
    model_config = ConfigDict(extra="ignore", populate_by_name=False, str_strip_whitespace=True)

    # Event Relay gives CreatedDate as an ISO 8601 instant; pydantic also reads the Pub/Sub API's
    # epoch milliseconds (an integer above 2e10 is taken for milliseconds).
    created_date: datetime = Field(alias="CreatedDate")
    agent_id: str | None = Field(default=None, alias="Agent_Id__c")
    agent_name: str | None = Field(default=None, alias="Agent_Name__c")
    agent_email: str | None = Field(default=None, alias="Agent_Email__c")

    def agent(self) -> dict[str, str] | None:
        """The route's `agent`, or None when the flow named no agent (the route's email rule then
        applies to whatever was named: an id without an email is refused naming data.agent.email)."""
        named = {"id": self.agent_id, "name": self.agent_name, "email": self.agent_email}
        if not any(named.values()):
            return None
        return {k: v for k, v in named.items() if v is not None}


class SocialContactLinked(_SocialPlatformEvent):
    """`Social_Contact_Linked__e`: an agent set the Contact (or Person Account) on a Social Conversation."""

    conversation_id: str = Field(alias="Conversation_Id__c")
    object: str = Field(alias="Object__c")  # Contact, Account or PersonAccount
    record_id: str = Field(alias="Record_Id__c")

    def data(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "salesforce_object": self.object,
            "salesforce_id": self.record_id,
            "agent": self.agent(),
        }


class SocialConversationAssigned(_SocialPlatformEvent):
    """`Social_Conversation_Assigned__e`: the conversation is handed back to a team of the inbox."""

    conversation_id: str = Field(alias="Conversation_Id__c")
    team: str = Field(alias="Team__c")
    case_id: str | None = Field(default=None, alias="Case_Id__c")

    def data(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "team": self.team,
            "salesforce_case_id": self.case_id,
            "agent": self.agent(),
        }


class SocialAgentReply(_SocialPlatformEvent):
    """`Social_Agent_Reply__e`: an agent's reply, to be sent on the conversation under the agent's email."""

    conversation_id: str = Field(alias="Conversation_Id__c")
    text: str = Field(alias="Text__c")
    # The inbox sends a reply as the user with this email: without it there is no one to send it as.
    agent_email: str = Field(alias="Agent_Email__c")

    def data(self) -> dict[str, Any]:
        return {"conversation_id": self.conversation_id, "text": self.text, "agent": self.agent()}


class SocialEngagementSend(_SocialPlatformEvent):
    """`Social_Engagement_Send__e`: a message to a consenting recipient (WhatsApp or KakaoTalk)."""

    recipient: str = Field(alias="Recipient__c")
    channel: str = Field(alias="Channel__c")
    # A Checkbox field of a platform event is never null: unticked is false.
    consent: bool = Field(alias="Consent__c")
    text: str = Field(alias="Text__c")
    case_id: str | None = Field(default=None, alias="Case_Id__c")

    def data(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "channel": self.channel,
            "consent": self.consent,
            "text": self.text,
            "salesforce_case_id": self.case_id,
            "agent": self.agent(),
        }


_PayloadModel = type[SocialContactLinked | SocialConversationAssigned | SocialAgentReply | SocialEngagementSend]

# The platform event's API name (the relayed event's detail-type) -> its payload and the route's event.
SOCIAL_PLATFORM_EVENTS: dict[str, tuple[_PayloadModel, type[Envelope], str]] = {
    "Social_Contact_Linked__e": (SocialContactLinked, ConversationContactLinked, "conversation.contact_linked"),
    "Social_Conversation_Assigned__e": (SocialConversationAssigned, ConversationAssigned, "conversation.assigned"),
    "Social_Agent_Reply__e": (SocialAgentReply, ConversationReply, "conversation.reply"),
    "Social_Engagement_Send__e": (SocialEngagementSend, EngagementSend, "engagement.send"),
}


def translate_social_platform_event(event: RelayedEvent) -> list[Envelope]:
    """One relayed `Social_*__e` -> the one canonical event the route takes. Another event type (a
    channel member added in Salesforce that the connector does not know) is a MappingError naming
    detail-type; a payload without a field the route needs, a ValidationError naming that field."""
    known = SOCIAL_PLATFORM_EVENTS.get(event.detail_type)
    if known is None:
        raise MappingError(["detail-type"], "not a social platform event the connector handles")
    payload_model, canonical, event_type = known
    payload = payload_model.model_validate(event.detail.payload)
    body = {
        "event_id": event.detail.id,
        "event_type": event_type,
        "occurred_at": payload.created_date,
        "source": SOURCE,
        "data": _present(payload.data()),
    }
    return [canonical.model_validate(body)]


def _present(data: dict[str, Any]) -> dict[str, Any]:
    """The fields the flow set: a route body leaves out what it does not know."""
    return {k: v for k, v in data.items() if v is not None}
