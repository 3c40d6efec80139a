"""A request its workflow refuses writes nothing (issue 11), as one the schema refuses writes nothing.

An event that passes the schema but that its workflow refuses (422 `mapping_error` or `rejected`,
404, 409) leaves no sync state, no idempotency record, no claim, no message on a queue and no
Salesforce record behind. Nothing remembers its answer: a second delivery of the same event is
evaluated again and refused again, with the same 422 (the refusals are deterministic). An event
accepted before keeps its records, and its stored answer, whatever is refused after it.
"""

from __future__ import annotations

import collections
from typing import Any

from conftest import Connector
from trigger_events import event_body, now_iso

from devstack.aws_traces import BACKGROUND
from devstack.fuzz import SalesforceWrites

CHAT_EVENTS = "/v1/chat/events"
SALESFORCE_EVENTS = "/v1/social/salesforce-events"
CONVERSATIONS = "/v1/social/conversations"
ORDERS = "/v1/commerce/orders"
LOYALTY_ACTIONS = "/v1/loyalty/actions"


def dynamodb_items(connector: Connector) -> list[dict[str, Any]]:
    """Every item of the sync-state table (states, claims, identity map) and of the idempotency table,
    but those the stack writes whatever a request does (the org's API usage: devstack.aws_traces)."""
    dynamodb = connector.aws.dynamodb
    items = []
    for table in (connector.aws.sync_state_table, connector.aws.idempotency_table):
        items += [{"table": table, **item} for item in dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]]
    kept = [item for item in items if not str(item.get("pk", {}).get("S", "")).startswith(BACKGROUND)]
    return sorted(kept, key=repr)


def as_read(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items as the connector reads them: without what a sync state keeps of the state an
    arrival replaced (`previous_*`, the undo of a refused event), which no reader sees."""
    return [{name: value for name, value in item.items() if not name.startswith("previous_")} for item in items]


def salesforce_writes(connector: Connector) -> list[str]:
    """The writes the Salesforce emulator received so far (its reads, a cold start's describes, aside)."""
    return SalesforceWrites(connector.salesforce.url).since(collections.Counter())


def queued_anywhere(connector: Connector, trigger: str) -> tuple[int, list[dict[str, Any]]]:
    client = connector.trigger(trigger)
    return client.queue_depth(), client.dead_letters()


def refused_action(chat_id: str = "chat-refused-1") -> dict[str, Any]:
    """A chat.action_selected the workflow refuses: the agent sets the record's Id itself."""
    body = event_body("chat.action_selected", chat_id=chat_id)
    body["data"]["fields"] = {"Lead": {"LastName": "Lee", "Company": "Acme", "Id": "00Q000000000001AAA"}}
    return body


def wrong_contact_link() -> dict[str, Any]:
    """A conversation.contact_linked naming an Account's Id as a Contact's: refused by its workflow."""
    return event_body("conversation.contact_linked", salesforce_object="Contact", salesforce_id="001000000000001AAA")


# -- /v1/chat/events ---------------------------------------------------------------------------------


def test_a_refused_chat_action_leaves_no_sync_state_and_no_idempotency_record(connector: Connector) -> None:
    # given nothing recorded yet
    before = dynamodb_items(connector)
    # when a chat action its workflow refuses arrives
    reply = connector.chat_end.post(refused_action(), path=CHAT_EVENTS)
    # then 422 naming the field, and nothing written anywhere
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "fields", "Lead", "Id"]
    assert reply.body["errors"][0]["type"] == "mapping_error"
    assert dynamodb_items(connector) == before
    assert queued_anywhere(connector, "chat_end") == (0, [])
    assert salesforce_writes(connector) == []


def test_a_second_delivery_of_a_refused_chat_action_is_refused_again_the_same_way(connector: Connector) -> None:
    # given a chat action refused once
    body = refused_action()
    first = connector.chat_end.post(body, path=CHAT_EVENTS)
    # when the same event is delivered again
    second = connector.chat_end.post(body, path=CHAT_EVENTS)
    # then it is evaluated again and refused with the same 422, still writing nothing
    assert (second.status, second.body) == (first.status, first.body) == (422, first.body)
    assert dynamodb_items(connector) == []


def test_a_refused_chat_action_leaves_the_chats_accepted_action_as_it_was(connector: Connector) -> None:
    # given a chat action accepted for a chat
    accepted = event_body("chat.action_selected", chat_id="chat-refused-2", occurred_at=now_iso(-60))
    first = connector.chat_end.post(accepted, path=CHAT_EVENTS)
    assert first.status == 200, first.body
    state_before = connector.sync_state("chat", "chat_action", "chat-refused-2")
    before = dynamodb_items(connector)
    # when a newer action for the same chat is refused by its workflow
    reply = connector.chat_end.post(refused_action("chat-refused-2"), path=CHAT_EVENTS)
    # then the accepted action's sync state and stored answer are untouched
    assert reply.status == 422, reply.body
    assert connector.sync_state("chat", "chat_action", "chat-refused-2") == state_before
    assert as_read(dynamodb_items(connector)) == as_read(before)
    # and a replay of the accepted action still answers what it answered
    assert connector.chat_end.post(accepted, path=CHAT_EVENTS) == first


# -- /v1/social/salesforce-events --------------------------------------------------------------------


def test_a_refused_contact_link_leaves_no_sync_state_and_no_idempotency_record(connector: Connector) -> None:
    # given nothing recorded yet
    before = dynamodb_items(connector)
    # when a Salesforce flow links a conversation to an id of another object
    reply = connector.conversation_routing.post(wrong_contact_link(), path=SALESFORCE_EVENTS)
    # then 422 naming the id, and nothing written anywhere
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "salesforce_id"]
    assert dynamodb_items(connector) == before
    assert queued_anywhere(connector, "conversation_routing") == (0, [])
    assert salesforce_writes(connector) == []


def test_a_second_delivery_of_a_refused_contact_link_is_refused_again_the_same_way(connector: Connector) -> None:
    body = wrong_contact_link()
    first = connector.conversation_routing.post(body, path=SALESFORCE_EVENTS)

    second = connector.conversation_routing.post(body, path=SALESFORCE_EVENTS)

    assert (second.status, second.body) == (first.status, first.body) == (422, first.body)
    assert dynamodb_items(connector) == []


def test_a_refused_engagement_leaves_no_sync_state_and_no_idempotency_record(connector: Connector) -> None:
    # given an engagement message to send on a channel engagements never go on
    body = event_body("engagement.send", channel="sms")
    # when the Salesforce flow asks for it
    reply = connector.conversation_routing.post(body, path=SALESFORCE_EVENTS)
    # then 422 naming the channel, and nothing written anywhere
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "channel"]
    assert dynamodb_items(connector) == []
    assert salesforce_writes(connector) == []


# -- /v1/social/conversations --------------------------------------------------------------------------


def test_a_refused_user_match_leaves_no_sync_state_and_no_idempotency_record(connector: Connector) -> None:
    # given a user matched to a record that is no Contact (a Lead's Id)
    body = event_body("user.matched", salesforce_contact_id="00Q000000000001AAA")
    # when the inbox sends the match
    reply = connector.conversation_routing.post(body, path=CONVERSATIONS)
    # then 422 naming the id, and nothing written anywhere
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "salesforce_contact_id"]
    assert dynamodb_items(connector) == []
    assert queued_anywhere(connector, "conversation_routing") == (0, [])


# -- /v1/commerce/orders -------------------------------------------------------------------------------


def test_a_refused_guest_order_leaves_no_sync_state_and_no_idempotency_record(connector: Connector) -> None:
    # given a guest order whose header has no email, nor has the storefront's copy of it
    connector.storefront.seed(
        {
            "orders": [
                {
                    "order_no": "00002002",
                    "site_id": "RefArch",
                    "order_total": 42.0,
                    "currency": "USD",
                    "customer_info": {"customer_name": "Gus Guest"},
                }
            ]
        }
    )
    body = event_body("order.created.guest-header-only")
    # when the order arrives
    reply = connector.order_header.post(body, path=ORDERS)
    # then 422 naming the email, and nothing written anywhere
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "order", "customer_info", "email"]
    assert dynamodb_items(connector) == []
    assert queued_anywhere(connector, "order_header") == (0, [])
    assert connector.salesforce.records("Order") == []
    # and its second delivery is refused again the same way
    assert connector.order_header.post(body, path=ORDERS) == reply


# -- /v1/loyalty/actions (commands) ----------------------------------------------------------------------


def test_a_refused_loyalty_note_leaves_no_idempotency_record(loyalty_connector: Connector) -> None:
    # given a note whose reason is none of the configured ones
    body = event_body("note.add", reason="Not a configured reason")
    # when an agent adds it
    reply = loyalty_connector.offer_actions.post(body, path=LOYALTY_ACTIONS)
    # then 422 naming the reason, and nothing written anywhere
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "reason"]
    assert dynamodb_items(loyalty_connector) == []
    assert queued_anywhere(loyalty_connector, "offer_actions") == (0, [])
    # and its second delivery is refused again the same way
    assert loyalty_connector.offer_actions.post(body, path=LOYALTY_ACTIONS) == reply
