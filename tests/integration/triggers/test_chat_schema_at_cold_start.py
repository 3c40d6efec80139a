"""The chat functions check their configuration against the org once per container, before their
first request: a misfit refuses every request (503, named in the log), a good one costs one
describe call per container and none afterwards, and Salesforce being down never blocks events.

The check runs before routing: whatever the route, a refused container answers 503.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Connector
from trigger_events import event_body

CHAT_EVENTS = "/v1/chat/events"
REFUSED = 503


def describe_calls(connector: Connector) -> int:
    """Composite calls made of describes (the chat workflows' own composites are not counted)."""
    calls = connector.salesforce.requests_log("/composite")
    return sum(
        1
        for call in calls
        if call["status"] < 300
        and any(
            str(sub.get("url", "")).endswith("/describe") for sub in (call["json"] or {}).get("compositeRequest", [])
        )
    )


def test_a_good_configuration_is_described_once_per_container(connector: Connector) -> None:
    # given the chat-end function with the default chat configuration
    chat_end = connector.trigger("chat_end")
    # when two chat events arrive at one container
    first = chat_end.post(event_body("chat.ended"), path=CHAT_EVENTS)
    after_first = describe_calls(connector)
    second = chat_end.post(event_body("chat.ended"), path=CHAT_EVENTS)
    # then neither is refused, the schema was read in one call, and the second event read nothing
    assert first.status != REFUSED and second.status != REFUSED
    assert after_first == 1
    assert describe_calls(connector) == after_first


def test_a_new_container_reads_the_schema_again(connector: Connector) -> None:
    # given a container that has checked its configuration
    chat_end = connector.trigger("chat_end")
    chat_end.post(event_body("chat.ended"), path=CHAT_EVENTS)
    # when the function cold-starts and an event arrives
    chat_end.cold_start()
    chat_end.post(event_body("chat.ended"), path=CHAT_EVENTS)
    # then the new container described the org once too
    assert describe_calls(connector) == 2


def test_a_mapping_to_an_unknown_field_refuses_every_request_naming_it(
    connector: Connector, caplog: pytest.LogCaptureFixture
) -> None:
    # given a mapping into Contact.Shoe_Size__c, which the org does not have
    connector.configure(
        {"chat": {"field_mapping": {"Contact": {"LastName": "visitor.name", "Shoe_Size__c": "prechat.size"}}}}
    )
    chat_end = connector.trigger("chat_end")
    # when two events arrive
    first = chat_end.post(event_body("chat.ended"), path=CHAT_EVENTS)
    headers = dict(chat_end.last_headers)
    second = chat_end.post(event_body("chat.ended"), path=CHAT_EVENTS)
    # then both are refused with Retry-After, the log names the field, and no visitor data is logged
    assert (first.status, second.status) == (REFUSED, REFUSED)
    assert "retry-after" in headers
    log = caplog.text
    assert "chat.field_mapping.Contact.Shoe_Size__c: Contact has no field Shoe_Size__c" in log
    assert "sam.lee@example.com" not in log


def test_the_routing_function_refuses_a_routing_rule_the_org_cannot_answer(connector: Connector) -> None:
    # given a routing rule on an Account field the org does not have
    rule = {"name": "vip", "conditions": [{"field": "account.Shoe_Size__c", "value": "44"}], "department": "VIP"}
    connector.configure({"chat": {"routing": {"rules": [rule]}}})
    # when a routing request reaches the conversation-routing function
    reply = connector.trigger("conversation_routing").post(event_body("chat.requested"), path="/v1/chat/route")
    # then it is refused
    assert reply.status == REFUSED


def test_a_case_mapping_that_does_not_fit_never_stops_routing(connector: Connector) -> None:
    # given the transcript mapped into Case.Subject (a string(255)): chat end cannot work
    connector.configure({"chat": {"field_mapping": {"Case": {"Subject": "chat.transcript"}}}})
    # when a routing request arrives, and a chat end
    routed = connector.trigger("conversation_routing").post(event_body("chat.requested"), path="/v1/chat/route")
    ended = connector.trigger("chat_end").post(event_body("chat.ended"), path=CHAT_EVENTS)
    # then routing answers (it uses no Case field), chat end is refused
    assert routed.status == 200
    assert ended.status == REFUSED


def test_salesforce_down_at_cold_start_does_not_block_events_and_the_check_runs_again(connector: Connector) -> None:
    # given Salesforce unavailable for the cold-start describe
    connector.salesforce.fault(status=503, match="/composite", count=1)
    chat_end = connector.trigger("chat_end")
    # when an event arrives, then another once Salesforce is back
    first = chat_end.post(event_body("chat.ended"), path=CHAT_EVENTS)
    second = chat_end.post(event_body("chat.ended"), path=CHAT_EVENTS)
    # then the first was not refused for it, and the second invocation ran the check again
    assert first.status != REFUSED
    assert second.status != REFUSED
    assert describe_calls(connector) == 1


def test_a_refused_container_leaves_queued_chat_events_on_the_queue(connector: Connector) -> None:
    # given a misfit configuration and a chat event waiting on the chat-end queue
    connector.configure({"chat": {"field_mapping": {"Case": {"Subject": "chat.transcript"}}}})
    chat_end = connector.trigger("chat_end")
    connector.aws.sqs.send_message(QueueUrl=chat_end.queue_url, MessageBody='{"event_type": "chat.ended"}')
    # when the function consumes its queue
    response: Any = chat_end.drain_queue()
    # then the message is reported failed (left for a later try), not processed
    assert len(response["batchItemFailures"]) == 1
