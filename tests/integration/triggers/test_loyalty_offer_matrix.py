"""Each offer action on an offer in each state, in process against the loyalty emulator over HTTP:
what the state allows changes it; what it forbids is a 409 naming the state, nothing changed."""

from __future__ import annotations

from typing import Any

from conftest import Connector
from loyalty_world import seed_customer, user_offer
from trigger_events import event_body

ACTIONS = "/v1/loyalty/actions"


def act(connector: Connector, name: str, **data: Any) -> Any:
    return connector.trigger("offer_actions").post(event_body(name, **data), path=ACTIONS)


def test_issue_turns_a_catalog_offer_into_an_issued_user_offer(loyalty_connector: Connector) -> None:
    # given a customer and an available catalog offer
    seed_customer(loyalty_connector.loyalty_platform)
    # when the agent issues it
    reply = act(loyalty_connector, "offer.issue", offer_id="offer-free-shipping")
    # then the customer holds it, issued
    assert reply.status == 200, reply.body
    assert reply.body["status"] == "applied" and reply.body["action"] == "offer.issue"
    assert reply.body["customer_id"] == "user-1"
    issued = reply.body["user_offer"]
    assert issued["offer_id"] == "offer-free-shipping" and issued["status"] == "issued"
    assert user_offer(loyalty_connector.loyalty_platform, issued["id"])["status"] == "issued"
