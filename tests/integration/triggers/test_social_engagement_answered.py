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


def test_a_first_push_with_earlier_conversations_still_switches_the_recipients_engagements(
    connector: Connector,
) -> None:
    # given three Engagements sent to a recipient on WhatsApp, and a Case per conversation
    connector.configure({"social": {"case_per_conversation": True}})
    handle = "+33600000043"
    engagement = {"Recipient__c": handle, "Channel__c": "whatsapp", "Consent__c": True, "Mode__c": "Engagement"}
    seeded = connector.salesforce.seed({"Social_Engagement__c": [engagement] * 3})["Social_Engagement__c"]
    # when the recipient's first conversation is routed with 22 earlier ones (24 writes with it and
    # its Case: one composite, before the Engagements are counted)
    earlier = [{"conversation_id": f"conv-engaged-old-{i}", "status": "closed"} for i in range(22)]
    body = event_body("conversation.routed", conversation_id="conv-engaged-2", previous_conversations=earlier)
    body["data"]["user"] = {"id": "u-engaged-2", "handle": handle, "name": "Camille"}
    reply = connector.trigger("conversation_routing").post(body, path=CONVERSATIONS)
    # then it is synced, and each Engagement is a Conversation linked to it
    assert reply.status == 200, reply.body
    modes = {connector.salesforce.one("Social_Engagement__c", Id=i)["Mode__c"] for i in seeded}
    assert modes == {"Conversation"}


def test_a_recipient_with_more_open_engagements_than_one_composite_holds_has_them_all_switched(
    connector: Connector,
) -> None:
    # given 30 Engagements sent to a recipient on WhatsApp, none answered yet
    handle = "+33600000044"
    engagement = {"Recipient__c": handle, "Channel__c": "whatsapp", "Consent__c": True, "Mode__c": "Engagement"}
    seeded = connector.salesforce.seed({"Social_Engagement__c": [engagement] * 30})["Social_Engagement__c"]
    # when the recipient's conversation is routed
    body = event_body("conversation.routed", conversation_id="conv-engaged-3", previous_conversations=[])
    body["data"]["user"] = {"id": "u-engaged-3", "handle": handle, "name": "Camille"}
    reply = connector.trigger("conversation_routing").post(body, path=CONVERSATIONS)
    # then it is synced, and each Engagement is a Conversation linked to it
    assert reply.status == 200, reply.body
    switched = [connector.salesforce.one("Social_Engagement__c", Id=i) for i in seeded]
    assert {(e["Mode__c"], e["Conversation__c"]) for e in switched} == {("Conversation", reply.body["conversation_id"])}
