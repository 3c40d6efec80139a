"""A customer who answers an engagement message starts a conversation: the conversation's sync
switches that recipient's Engagements to conversation mode, one way, in its own calls."""

from __future__ import annotations

from conftest import Connector
from trigger_events import event_body

CONVERSATIONS = "/v1/social/conversations"


def test_a_conversation_from_an_engaged_recipient_switches_the_engagement_to_conversation_mode(
    connector: Connector,
) -> None:
    # given an Engagement sent to the recipient on WhatsApp, and one on another channel
    handle = "+33600000042"
    seeded = connector.salesforce.seed(
        {
            "Social_Engagement__c": [
                {"Recipient__c": handle, "Channel__c": "whatsapp", "Consent__c": True, "Mode__c": "Engagement"},
                {"Recipient__c": handle, "Channel__c": "kakaotalk", "Consent__c": True, "Mode__c": "Engagement"},
            ]
        }
    )
    whatsapp, kakaotalk = seeded["Social_Engagement__c"]
    body = event_body("conversation.routed", conversation_id="conv-engaged-1", previous_conversations=[])
    body["data"]["user"] = {"id": "u-engaged", "handle": handle, "name": "Camille"}
    # when the recipient's WhatsApp conversation is routed
    reply = connector.trigger("conversation_routing").post(body, path=CONVERSATIONS)
    # then that Engagement is a Conversation linked to it, the other channel's stays an Engagement
    assert reply.status == 200, reply.body
    conversation_id = reply.body["conversation_id"]
    switched = connector.salesforce.one("Social_Engagement__c", Id=whatsapp)
    assert (switched["Mode__c"], switched["Conversation__c"]) == ("Conversation", conversation_id)
    assert connector.salesforce.one("Social_Engagement__c", Id=kakaotalk)["Mode__c"] == "Engagement"


def test_a_contact_link_naming_an_id_of_another_object_is_refused_and_keeps_no_match(connector: Connector) -> None:
    social = connector.trigger("conversation_routing")
    for sobject, wrong in (("Contact", "001000000000001AAA"), ("PersonAccount", "003000000000001AAA")):
        body = event_body("conversation.contact_linked", salesforce_object=sobject, salesforce_id=wrong)
        # when a Salesforce flow links a conversation to an id that is not of the object it names
        reply = social.post(body, path="/v1/social/salesforce-events")
        # then 422 naming the id, before anything is kept or sent
        assert reply.status == 422, reply.body
        assert reply.body["errors"][0]["loc"][-1] == "salesforce_id"
