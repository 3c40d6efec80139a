"""What a careless or hostile caller can send to the loyalty API: a 4xx naming the field, nothing
applied, never a 500 (in process against the loyalty and Salesforce emulators over HTTP)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Connector, Reply
from loyalty_world import balance, seed_customer
from trigger_events import event_body

ACTIONS = "/v1/loyalty/actions"


def act(connector: Connector, name: str, **data: Any) -> Reply:
    return connector.trigger("offer_actions").post(event_body(name, **data), path=ACTIONS)


@pytest.mark.parametrize("points", [True, "12"])
def test_points_that_are_not_a_json_integer_are_422_and_award_nothing(
    loyalty_connector: Connector, points: Any
) -> None:
    # given a customer with 1200 points
    seed_customer(loyalty_connector.loyalty_platform, points=1200)
    # when an award names its points as a boolean or a string
    reply = act(loyalty_connector, "points.award", points=points)
    # then 422 at data.points, and the balance is unchanged
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "points"]
    assert balance(loyalty_connector.loyalty_platform) == 1200


@pytest.mark.parametrize("quantity", [True, "2"])
def test_a_reward_quantity_that_is_not_a_json_integer_is_422_and_spends_nothing(
    loyalty_connector: Connector, quantity: Any
) -> None:
    # given a customer with 1200 points and a reward of 500
    seed_customer(loyalty_connector.loyalty_platform, points=1200)
    # when a purchase names its quantity as a boolean or a string
    reply = act(loyalty_connector, "reward.purchase", offer_id="reward-travel-mug", quantity=quantity)
    # then 422 at data.quantity, and nothing is spent
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "quantity"]
    assert balance(loyalty_connector.loyalty_platform) == 1200
