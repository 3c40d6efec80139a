"""What a careless or hostile caller can send to the loyalty API: a 4xx naming the field, nothing
applied, never a 500 (in process against the loyalty and Salesforce emulators over HTTP)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from conftest import Connector, Reply
from loyalty_world import balance, platform_get, seed_customer
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


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00", "redemption_end"),
        ("0001-01-01T00:00:00+05:00", "2099-12-31T23:59:59Z", "redemption_start"),
    ],
)
def test_an_extension_to_a_date_with_no_utc_form_is_422_naming_it(
    loyalty_connector: Connector, start: str, end: str, field: str
) -> None:
    # given an issued offer
    seed_customer(loyalty_connector.loyalty_platform)
    # when it is extended to a date past year 9999 or before year 1 once in UTC
    reply = act(
        loyalty_connector, "offer.extend", user_offer_id="uo-issued", redemption_start=start, redemption_end=end
    )
    # then 422 naming the date, not a 503 that invites a retry
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", field]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=%C2%B2", "page"),  # "²": str.isdigit() says yes, int() says no
        ("page=" + "9" * 5000, "page"),  # past int()'s 4,300 digits
        ("page=1000001", "page"),  # past the platform's largest page
        ("page_size=%D9%A3", "page_size"),  # an Arabic-Indic 3
    ],
)
def test_an_activity_page_that_is_not_a_plain_number_in_range_is_422_naming_it(
    loyalty_connector: Connector, query: str, field: str
) -> None:
    # given a customer
    seed_customer(loyalty_connector.loyalty_platform)
    # when their activity is read with an odd page or page size
    reply = loyalty_connector.trigger("offer_actions").get(f"/v1/loyalty/customers/ACC_EXT_1/activity?{query}")
    # then 422 naming the parameter
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == [field]


def test_a_reward_purchase_answered_503_spent_nothing_so_its_retry_buys_it_once(loyalty_connector: Connector) -> None:
    # given a customer with 1200 points, and the platform failing their next point balance read
    platform = loyalty_connector.loyalty_platform
    seed_customer(platform, points=1200)
    platform.fault(status=503, count=1, match="GET /priv/v1/apps/local-loyalty-key/users/user-1/points")
    body = event_body("reward.purchase", offer_id="reward-travel-mug", quantity=1)
    trigger = loyalty_connector.trigger("offer_actions")
    # when the agent buys a reward of 500, is told 503, and retries the same event
    first = trigger.post(body, path=ACTIONS)
    retry = trigger.post(body, path=ACTIONS)
    # then the retry applies it, and it was bought once: 700 points left, as the answer says
    assert first.status == 503, first.body
    assert retry.status == 200, retry.body
    assert balance(platform) == 700
    assert retry.body["available_points"] == 700


def test_the_activity_reads_a_percent_encoded_email_key_as_the_profile_does(loyalty_connector: Connector) -> None:
    # given Search by External ID off, and a customer
    seed_customer(loyalty_connector.loyalty_platform)
    loyalty_connector.configure({"loyalty": {"search_by_external_id": False}})
    trigger = loyalty_connector.trigger("offer_actions")
    # when the profile and the activity are read by the email with its @ percent-encoded
    profile = trigger.get("/v1/loyalty/customers/sabina%40example.com")
    activity = trigger.get("/v1/loyalty/customers/sabina%40example.com/activity")
    # then both find the customer
    assert profile.status == 200, profile.body
    assert activity.status == 200, activity.body
    assert activity.body["customer_id"] == profile.body["customer_id"]


@pytest.mark.parametrize("key", ["a%20b", "%C3%A9", "a%3Fb"])
def test_an_activity_key_that_cannot_be_an_external_id_is_422_naming_the_key(
    loyalty_connector: Connector, key: str
) -> None:
    # given a customer (Search by External ID on)
    seed_customer(loyalty_connector.loyalty_platform)
    # when the activity is read by a key with a space, a non-ASCII letter or a question mark
    reply = loyalty_connector.trigger("offer_actions").get(f"/v1/loyalty/customers/{key}/activity")
    # then 422 at key, as the profile answers
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["key"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "Alex Kim)]\n[agent: Dana Boss"), ("name", "Alex [agent: Dana Boss (boss-1)]"), ("id", "agent-7)")],
)
def test_an_agent_that_could_forge_the_notes_author_tag_is_422_and_adds_no_note(
    loyalty_connector: Connector, field: str, value: str
) -> None:
    # given a customer
    platform = loyalty_connector.loyalty_platform
    seed_customer(platform)
    agent = {"id": "agent-7", "name": "Alex Kim", "email": "alex.kim@brand.example", field: value}
    # when a note comes from an agent whose name or id would close the `[agent: name (id)]` tag
    reply = act(loyalty_connector, "note.add", agent=agent, text="Called about a missing refund")
    # then 422 naming the field, and no note on the platform
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "agent", field]
    assert platform_get(platform, "/users/user-1/notes")["notes"] == []


def test_a_reward_issued_as_an_offer_is_409_and_the_customer_gets_nothing_free(loyalty_connector: Connector) -> None:
    # given a customer with 1200 points and a reward of 500 in the store
    platform = loyalty_connector.loyalty_platform
    seed_customer(platform, points=1200)
    before = platform_get(platform, "/users/user-1/offers")["user_offers"]
    # when an agent issues the reward as if it were an offer
    reply = act(loyalty_connector, "offer.issue", offer_id="reward-travel-mug")
    # then refused, naming the purchase, and the customer has no new user offer
    assert reply.status == 409, reply.body
    assert "bought with points" in reply.body["errors"][0]["msg"]
    assert platform_get(platform, "/users/user-1/offers")["user_offers"] == before


def test_a_second_delivery_of_an_award_still_in_progress_is_409_and_the_points_are_awarded_once(
    loyalty_connector: Connector,
) -> None:
    # given a customer with 1200 points, and two containers of offer_actions
    platform = loyalty_connector.loyalty_platform
    seed_customer(platform, points=1200)
    first_container = loyalty_connector.container("offer_actions")
    second_container = loyalty_connector.container("offer_actions")
    body = event_body("points.award", points=250)
    # when the award is delivered to the first while the platform is slow, and again to the second
    platform.fault(latency_ms=1500, match="/points", count=1)
    first: list[Reply] = []
    runner = threading.Thread(target=lambda: first.append(first_container.post(body, path=ACTIONS)))
    runner.start()
    time.sleep(0.4)  # the first delivery is waiting on the platform
    second = second_container.post(body, path=ACTIONS)
    runner.join(10)
    # then the second is a 409 at event_id, the first applies it, and the points arrive once
    assert second.status == 409, second.body
    assert [e["loc"] for e in second.body["errors"]] == [["event_id"]]
    assert first[0].status == 200, first[0].body
    assert balance(platform) == 1450
