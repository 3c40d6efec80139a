"""A social platform event relayed from Salesforce runs through the route's own workflow
(`POST /v1/social/salesforce-events`'s handlers), against the social inbox emulator and the Salesforce
emulator over HTTP: what reaches the inbox, once however often Event Relay delivers it."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from connector.clients.social import SocialClient
from connector.relay.events import RelayedEvent
from connector.relay.social import translate_social_platform_event
from connector.salesforce import SalesforceClient
from connector.settings import PlatformApi
from connector.social.salesforce_events import (
    ConversationAssigned,
    ConversationReply,
    EngagementSend,
    assign_conversation,
    send_engagement,
    send_reply,
)
from emulators._base import running
from emulators.social import create_app

API_KEY = "local-social-key"
AGENT = {"Agent_Id__c": "005000000000001AAA", "Agent_Name__c": "Alex Kim", "Agent_Email__c": "alex.kim@brand.example"}
SEED = {"conversations": [{"id": "conv-501", "channel": "whatsapp", "user": {"id": "u-88", "handle": "+33612345678"}}]}


@pytest.fixture(scope="module")
def inbox_url() -> Iterator[str]:
    with running(create_app(api_key=API_KEY)) as base_url:
        yield base_url


@pytest.fixture
def inbox(inbox_url: str) -> str:
    requests.post(f"{inbox_url}/_admin/reset", timeout=5).raise_for_status()
    requests.post(f"{inbox_url}/_admin/seed", json=SEED, timeout=5).raise_for_status()
    return inbox_url


@pytest.fixture
def services(inbox: str, salesforce: SalesforceClient) -> Any:
    """What the route's workflows use of Services: the inbox's client and Salesforce's, both real."""
    return SimpleNamespace(
        social=SocialClient(PlatformApi(url=inbox, secret_arn="arn:local"), API_KEY), salesforce=salesforce
    )


def relayed(detail_type: str, uuid: str, eventbridge_id: str, **payload: Any) -> RelayedEvent:
    return RelayedEvent.model_validate(
        {
            "id": eventbridge_id,
            "detail-type": detail_type,
            "source": "aws.partner/salesforce.com/00D000000000001AAA/0YL000000000002AAA",
            "time": "2026-11-23T10:07:01Z",
            "detail": {
                "payload": {"CreatedDate": "2026-11-23T10:07:00.000Z", "CreatedById": "005000000000001AAA", **payload},
                "id": uuid,
            },
        }
    )


def _get(inbox: str, path: str) -> Any:
    resp = requests.get(f"{inbox}/api/v1/{path}", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=5)
    resp.raise_for_status()
    return resp.json()


def _outbound(inbox: str, conversation_id: str) -> list[dict[str, Any]]:
    messages = _get(inbox, f"conversations/{conversation_id}")["conversation"]["messages"]
    return [m for m in messages if m["direction"] == "outbound"]


def test_a_relayed_agent_reply_reaches_the_conversation_once_however_often_it_is_delivered(
    inbox: str, services: Any
) -> None:
    # given an agent's reply published once in Salesforce and relayed twice (EventBridge's ids differ)
    payload = {"Conversation_Id__c": "conv-501", "Text__c": "Votre commande part aujourd'hui.", **AGENT}
    deliveries = [relayed("Social_Agent_Reply__e", "uuid-reply-1", f"eb-{n}", **payload) for n in (1, 2)]
    # when each delivery runs through the route's workflow
    for delivery in deliveries:
        [event] = translate_social_platform_event(delivery)
        assert isinstance(event, ConversationReply)
        send_reply(event, services)
    # then the conversation holds the reply once
    [message] = _outbound(inbox, "conv-501")
    assert message["text"] == "Votre commande part aujourd'hui."


def test_a_relayed_hand_back_assigns_the_conversation_to_the_team(inbox: str, services: Any) -> None:
    delivery = relayed(
        "Social_Conversation_Assigned__e",
        "uuid-assign-1",
        "eb-1",
        Conversation_Id__c="conv-501",
        Team__c="Support FR",
        **AGENT,
    )
    # when the hand-back runs through the route's workflow
    [event] = translate_social_platform_event(delivery)
    assert isinstance(event, ConversationAssigned)
    assign_conversation(event, services)
    # then the inbox has the conversation with that team, handed back by the agent
    conversation = _get(inbox, "conversations/conv-501")["conversation"]
    assert (conversation["team"], conversation["assigned_by"]) == ("Support FR", "alex.kim@brand.example")


def test_a_relayed_engagement_is_recorded_once_in_salesforce_and_sent_once(inbox: str, services: Any) -> None:
    # given an engagement message published once and relayed twice
    payload = {
        "Recipient__c": "+33 6 12 34 56 78",
        "Channel__c": "WhatsApp",
        "Consent__c": True,
        "Text__c": "Votre colis est prêt.",
        **AGENT,
    }
    deliveries = [relayed("Social_Engagement_Send__e", "uuid-engage-1", f"eb-{n}", **payload) for n in (1, 2)]
    # when each delivery runs through the route's workflow
    answers = []
    for delivery in deliveries:
        [event] = translate_social_platform_event(delivery)
        assert isinstance(event, EngagementSend)
        answers.append(send_engagement(event, services))
    # then one Social_Engagement__c keyed by the platform event's UUID, and one message sent
    rows = services.salesforce.query("SELECT Id, Engagement_Event_Id__c, Recipient__c FROM Social_Engagement__c")
    assert [(r["Engagement_Event_Id__c"], r["Recipient__c"]) for r in rows] == [("uuid-engage-1", "+33612345678")]
    assert answers[0].ids == answers[1].ids == {"engagement_id": rows[0]["Id"]}
    assert len(_get(inbox, "engagements")["engagements"]) == 1
