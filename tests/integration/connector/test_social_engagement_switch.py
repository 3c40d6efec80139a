"""The switch of an engagement to conversation mode when the customer answers (one way only),
against the Salesforce emulator."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from connector.salesforce import SalesforceClient
from connector.social.salesforce_events import EngagementSend, engagement_answered, send_engagement

RECIPIENT = "+33612345678"


def _engagement(salesforce: SalesforceClient, event_id: str, channel: str = "whatsapp") -> str:
    fields = {
        "Engagement_Event_Id__c": event_id,
        "Recipient__c": RECIPIENT,
        "Channel__c": channel,
        "Consent__c": True,
        "Mode__c": "Engagement",
    }
    return salesforce.create("Social_Engagement__c", fields)


def _modes(salesforce: SalesforceClient) -> dict[str, tuple[Any, Any]]:
    rows = salesforce.query("SELECT Id, Mode__c, Conversation__c FROM Social_Engagement__c")
    return {r["Id"]: (r["Mode__c"], r["Conversation__c"]) for r in rows}


def test_an_answer_turns_the_recipients_open_engagements_on_that_channel_into_the_conversation(
    salesforce: SalesforceClient,
) -> None:
    # given two open engagements of a recipient on WhatsApp and one on KakaoTalk
    first, second = _engagement(salesforce, "evt-e1"), _engagement(salesforce, "evt-e2")
    elsewhere = _engagement(salesforce, "evt-e3", channel="kakaotalk")
    conversation = salesforce.create("Social_Conversation__c", {"Conversation_Id__c": "conv-9001"})
    # when the recipient answers on WhatsApp
    flipped = engagement_answered(SimpleNamespace(salesforce=salesforce), "whatsapp", RECIPIENT, conversation)  # type: ignore[arg-type]
    # then both WhatsApp engagements are that conversation, the KakaoTalk one is untouched
    assert sorted(flipped) == sorted([first, second])
    modes = _modes(salesforce)
    assert modes[first] == modes[second] == ("Conversation", conversation)
    assert modes[elsewhere] == ("Engagement", None)


def test_a_conversation_never_goes_back_and_a_later_engagement_is_a_new_one(salesforce: SalesforceClient) -> None:
    # given an engagement the recipient answered
    services = SimpleNamespace(salesforce=salesforce)
    answered = _engagement(salesforce, "evt-e1")
    first_conversation = salesforce.create("Social_Conversation__c", {"Conversation_Id__c": "conv-9001"})
    engagement_answered(services, "whatsapp", RECIPIENT, first_conversation)  # type: ignore[arg-type]
    # when a later engagement is sent, and the recipient answers again in another conversation
    later = _engagement(salesforce, "evt-e2")
    second_conversation = salesforce.create("Social_Conversation__c", {"Conversation_Id__c": "conv-9002"})
    flipped = engagement_answered(services, "whatsapp", RECIPIENT, second_conversation)  # type: ignore[arg-type]
    # then only the new engagement switches; the first stays with its own conversation
    assert flipped == [later]
    modes = _modes(salesforce)
    assert modes[answered] == ("Conversation", first_conversation)
    assert modes[later] == ("Conversation", second_conversation)


class Inbox:
    """The inbox's side of an engagement message: what was sent (its own client is tested elsewhere)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def engage(self, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        self.sent.append(body)
        return {"message": {"id": "m-1"}}


def test_an_answer_from_the_number_written_otherwise_switches_the_engagement_sent_to_it(
    salesforce: SalesforceClient,
) -> None:
    # given an engagement message sent from Salesforce to a number written with spaces, dashes and dots
    services = SimpleNamespace(salesforce=salesforce, social=Inbox())
    body = {
        "event_id": "evt-e-phone",
        "event_type": "engagement.send",
        "occurred_at": "2026-11-23T10:00:00Z",
        "source": "social",
        "data": {"recipient": "+33 6 12-34.56 78", "channel": "whatsapp", "consent": True, "text": "Hello"},
    }
    engagement = send_engagement(EngagementSend.model_validate(body), services).ids["engagement_id"]  # type: ignore[arg-type]
    conversation = salesforce.create("Social_Conversation__c", {"Conversation_Id__c": "conv-9003"})
    # when the customer answers from that number, as the inbox writes it (00 for +)
    flipped = engagement_answered(services, "whatsapp", "0033612345678", conversation)  # type: ignore[arg-type]
    # then the engagement switches to that conversation
    assert flipped == [engagement]
    assert _modes(salesforce)[engagement] == ("Conversation", conversation)
