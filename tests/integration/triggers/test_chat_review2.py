"""Chat defects found in the second review: field names configured in another case than the org
spells them, the agent naming a converted Lead, the routing cold start."""

from __future__ import annotations

from typing import Any

from conftest import Connector
from trigger_events import event_body

CHAT_EVENTS = "/v1/chat/events"


def ended(email: str, **data: Any) -> dict[str, Any]:
    body = event_body("chat.ended", **data)
    body["data"]["visitor"]["email"] = email
    return body


def test_fill_blank_fields_keeps_a_value_whose_field_is_configured_in_lower_case(connector: Connector) -> None:
    # given fill_blank_fields and a Contact mapping naming `phone` (Salesforce reads API names in any
    # case: the cold-start check accepts it, and the REST API answers the field as `Phone`)
    mapping = {"LastName": "visitor.name", "Email": "visitor.email", "phone": "prechat.phone"}
    connector.configure({"chat": {"update_rule": "fill_blank_fields", "field_mapping": {"Contact": mapping}}})
    seeded = connector.salesforce.seed(
        {"Contact": [{"LastName": "Lee", "Email": "case-fill@example.com", "Phone": "+1 000 KEEP"}]}
    )
    contact_id = str(seeded["Contact"][0])
    # when the chat ends
    reply = connector.trigger("chat_end").post(ended("case-fill@example.com"), path=CHAT_EVENTS)
    # then the Contact's phone, which was not blank, is kept
    assert reply.status == 200, reply.body
    assert reply.body["contact_id"] == contact_id
    assert connector.salesforce.one("Contact", Id=contact_id)["Phone"] == "+1 000 KEEP"


def test_the_cold_start_check_of_a_request_is_held_to_the_waiting_callers_timeout(
    connector: Connector, monkeypatch: Any
) -> None:
    # given the routing function, whose first request checks the configuration against the org
    # (describe calls) while the chat platform waits for the routing decision
    import connector.chat.schema_check as schema_check
    from connector.services import QUEUE_READ_TIMEOUT_SECONDS

    seen: list[Any] = []
    real = schema_check.routing_problems

    def spying(config: Any, schema: Any) -> list[str]:
        seen.append(schema._salesforce.current_timeout())
        return real(config, schema)

    monkeypatch.setattr(schema_check, "routing_problems", spying)
    monkeypatch.setenv("SALESFORCE_TIMEOUT_SECONDS", "3.5")
    # when a chat is requested at a new container
    reply = connector.trigger("conversation_routing").post(event_body("chat.requested"), path="/v1/chat/route")
    # then the check's Salesforce calls had the short timeout of a waiting caller, not the queue's 25 s
    assert reply.status == 200, reply.body
    assert seen == [(3.05, 3.5)], QUEUE_READ_TIMEOUT_SECONDS
