"""Each offer action on an offer in each state, in process against the loyalty emulator over HTTP:
what the state allows changes it as the customer profile reference describes; what it forbids is a
409 naming the state, with nothing changed on the platform and no audit queued."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import Connector, Reply
from loyalty_world import seed_customer, user_offer, user_offer_states
from trigger_events import event_body

ACTIONS = "/v1/loyalty/actions"


def act(connector: Connector, name: str, **data: Any) -> Reply:
    return connector.trigger("offer_actions").post(event_body(name, **data), path=ACTIONS)


def future(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_dates() -> dict[str, str]:
    return {"redemption_start": future(1), "redemption_end": future(60)}


def test_issue_turns_a_catalog_offer_into_an_issued_user_offer(loyalty_connector: Connector) -> None:
    # given a customer and an available catalog offer
    seed_customer(loyalty_connector.loyalty_platform)
    # when the agent issues it
    reply = act(loyalty_connector, "offer.issue", offer_id="offer-free-shipping")
    # then the customer holds it, issued
    assert reply.status == 200, reply.body
    assert (reply.body["status"], reply.body["action"], reply.body["customer_id"]) == (
        "applied",
        "offer.issue",
        "user-1",
    )
    assert reply.body["audit"] == "queued"
    issued = reply.body["user_offer"]
    assert (issued["offer_id"], issued["status"]) == ("offer-free-shipping", "issued")
    assert user_offer(loyalty_connector.loyalty_platform, issued["id"])["status"] == "issued"


def test_issue_of_an_inactive_offer_is_409_saying_it_is_not_available(loyalty_connector: Connector) -> None:
    # given an offer withdrawn from the catalog
    seed_customer(loyalty_connector.loyalty_platform)
    before = user_offer_states(loyalty_connector.loyalty_platform)
    # when the agent issues it
    reply = act(loyalty_connector, "offer.issue", offer_id="offer-retired")
    # then refused, naming why, and the customer holds nothing new
    assert reply.status == 409, reply.body
    assert reply.body["errors"][0]["msg"] == "the offer is not available"
    assert user_offer_states(loyalty_connector.loyalty_platform) == before


@pytest.mark.parametrize(
    ("event_type", "user_offer_id", "after"),
    [
        ("offer.revoke", "uo-issued", "revoked"),
        ("offer.redeem", "uo-issued", "redeemed"),
        ("offer.unredeem", "uo-redeemed", "issued"),
    ],
)
def test_an_allowed_change_moves_the_offer_to_its_new_state(
    loyalty_connector: Connector, event_type: str, user_offer_id: str, after: str
) -> None:
    # given the customer's offer in a state the action is allowed from
    seed_customer(loyalty_connector.loyalty_platform)
    # when the agent applies the action
    reply = act(loyalty_connector, event_type, user_offer_id=user_offer_id)
    # then the offer is in its new state, on the platform and in the answer
    assert reply.status == 200, reply.body
    assert reply.body["user_offer"]["status"] == after
    assert user_offer(loyalty_connector.loyalty_platform, user_offer_id)["status"] == after


def test_reissue_of_an_expired_offer_issues_it_again_as_a_new_offer(loyalty_connector: Connector) -> None:
    # given an expired offer
    seed_customer(loyalty_connector.loyalty_platform)
    # when the agent reissues it
    reply = act(loyalty_connector, "offer.reissue", user_offer_id="uo-expired")
    # then a new issued offer of the same catalog offer, the expired one left as it was
    assert reply.status == 200, reply.body
    reissued = reply.body["user_offer"]
    assert reissued["id"] != "uo-expired"
    assert (reissued["status"], reissued["offer_id"], reissued["reissued_from"]) == (
        "issued",
        "offer-5-off-check",
        "uo-expired",
    )
    assert user_offer(loyalty_connector.loyalty_platform, "uo-expired")["status"] == "expired"


@pytest.mark.parametrize(("user_offer_id", "after"), [("uo-issued", "issued"), ("uo-expired", "issued")])
def test_extend_gives_an_issued_or_expired_offer_its_new_redemption_dates(
    loyalty_connector: Connector, user_offer_id: str, after: str
) -> None:
    # given an issued or an expired offer
    seed_customer(loyalty_connector.loyalty_platform)
    dates = new_dates()
    # when the agent extends it
    reply = act(loyalty_connector, "offer.extend", user_offer_id=user_offer_id, **dates)
    # then its window is the new one (an expired offer is redeemable again)
    assert reply.status == 200, reply.body
    stored = user_offer(loyalty_connector.loyalty_platform, user_offer_id)
    window = [datetime.fromisoformat(stored[k]) for k in ("redemption_start", "redemption_end")]
    assert window == [datetime.fromisoformat(dates[k]) for k in ("redemption_start", "redemption_end")]
    assert stored["status"] == after


FORBIDDEN = [
    ("offer.revoke", "uo-redeemed", "redeemed"),
    ("offer.revoke", "uo-revoked", "revoked"),
    ("offer.revoke", "uo-expired", "expired"),
    ("offer.redeem", "uo-redeemed", "redeemed"),
    ("offer.redeem", "uo-revoked", "revoked"),
    ("offer.redeem", "uo-expired", "expired"),
    ("offer.unredeem", "uo-issued", "issued"),
    ("offer.unredeem", "uo-revoked", "revoked"),
    ("offer.unredeem", "uo-expired", "expired"),
    ("offer.reissue", "uo-issued", "issued"),
    ("offer.reissue", "uo-redeemed", "redeemed"),
    ("offer.reissue", "uo-revoked", "revoked"),
    ("offer.extend", "uo-redeemed", "redeemed"),
    ("offer.extend", "uo-revoked", "revoked"),
]


@pytest.mark.parametrize(("event_type", "user_offer_id", "state"), FORBIDDEN)
def test_a_forbidden_change_is_409_naming_the_state_and_changes_nothing(
    loyalty_connector: Connector, event_type: str, user_offer_id: str, state: str
) -> None:
    # given the customer's offers, one in a state the action is not allowed from
    seed_customer(loyalty_connector.loyalty_platform)
    before = user_offer_states(loyalty_connector.loyalty_platform)
    offers_before = user_offer(loyalty_connector.loyalty_platform, user_offer_id)
    trigger = loyalty_connector.trigger("offer_actions")
    extra = new_dates() if event_type == "offer.extend" else {}
    # when the agent applies the action
    reply = act(loyalty_connector, event_type, user_offer_id=user_offer_id, **extra)
    # then 409 naming the state; no offer changed, none added; no audit queued
    assert reply.status == 409, reply.body
    assert f"the user offer is {state}" in reply.body["errors"][0]["msg"]
    assert user_offer_states(loyalty_connector.loyalty_platform) == before
    assert user_offer(loyalty_connector.loyalty_platform, user_offer_id) == offers_before
    assert trigger.queue_depth() == 0


def test_redeem_before_the_redemption_window_opens_is_409_saying_so(loyalty_connector: Connector) -> None:
    # given an issued offer redeemable from the day after tomorrow
    seed_customer(loyalty_connector.loyalty_platform)
    # when the agent redeems it now
    reply = act(loyalty_connector, "offer.redeem", user_offer_id="uo-later")
    # then refused: outside its window, still issued
    assert reply.status == 409, reply.body
    assert reply.body["errors"][0]["msg"] == "the user offer's redemption window has not started"
    assert user_offer(loyalty_connector.loyalty_platform, "uo-later")["status"] == "issued"


def test_extend_with_the_end_before_the_start_is_422_naming_the_end_with_no_platform_call(
    loyalty_connector: Connector,
) -> None:
    # given new dates that end before they start
    seed_customer(loyalty_connector.loyalty_platform)
    calls_before = loyalty_connector.loyalty_platform.calls()
    # when the agent extends an offer with them
    reply = act(
        loyalty_connector,
        "offer.extend",
        user_offer_id="uo-issued",
        redemption_start=future(30),
        redemption_end=future(10),
    )
    # then 422 at data.redemption_end, before any platform call
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "redemption_end"]
    assert loyalty_connector.loyalty_platform.calls() == calls_before


def test_extend_with_an_end_in_the_past_is_422_naming_the_end(loyalty_connector: Connector) -> None:
    # given dates that ended yesterday
    seed_customer(loyalty_connector.loyalty_platform)
    # when the agent extends an offer with them
    reply = act(
        loyalty_connector,
        "offer.extend",
        user_offer_id="uo-issued",
        redemption_start=future(-10),
        redemption_end=future(-1),
    )
    # then 422 at data.redemption_end
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "redemption_end"]


def test_an_unknown_user_offer_is_404_naming_it(loyalty_connector: Connector) -> None:
    # given a customer without offer uo-nope
    seed_customer(loyalty_connector.loyalty_platform)
    # when the agent revokes it
    reply = act(loyalty_connector, "offer.revoke", user_offer_id="uo-nope")
    # then 404 at data.user_offer_id
    assert reply.status == 404, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "user_offer_id"]


def test_an_unknown_catalog_offer_is_404_naming_it(loyalty_connector: Connector) -> None:
    # given a catalog without offer-nope
    seed_customer(loyalty_connector.loyalty_platform)
    # when the agent issues it
    reply = act(loyalty_connector, "offer.issue", offer_id="offer-nope")
    # then 404 at data.offer_id
    assert reply.status == 404, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "offer_id"]


def test_an_unknown_customer_is_404_naming_the_key(loyalty_connector: Connector) -> None:
    # given no customer ACC_EXT_9
    seed_customer(loyalty_connector.loyalty_platform)
    # when the agent issues them an offer
    reply = act(loyalty_connector, "offer.issue", customer={"external_id": "ACC_EXT_9"}, offer_id="offer-5-off-check")
    # then 404 at data.customer.external_id
    assert reply.status == 404, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "customer", "external_id"]


def test_a_customer_without_the_configured_key_is_422_naming_it(loyalty_connector: Connector) -> None:
    # given Search by External ID on, and an action naming the customer by email only
    seed_customer(loyalty_connector.loyalty_platform)
    # when it is sent
    reply = act(
        loyalty_connector, "offer.issue", customer={"email": "sabina@example.com"}, offer_id="offer-5-off-check"
    )
    # then 422 at data.customer.external_id
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "customer", "external_id"]


def test_with_search_by_email_the_customer_is_found_by_email(loyalty_connector: Connector) -> None:
    # given Search by External ID off
    seed_customer(loyalty_connector.loyalty_platform)
    loyalty_connector.configure({"loyalty": {"search_by_external_id": False}})
    # when an action names the customer by email only
    reply = act(
        loyalty_connector, "offer.issue", customer={"email": "sabina@example.com"}, offer_id="offer-5-off-check"
    )
    # then it is applied to that customer
    assert reply.status == 200, reply.body
    assert reply.body["customer_id"] == "user-1"


def test_an_external_id_that_would_change_the_platforms_path_is_422(loyalty_connector: Connector) -> None:
    seed_customer(loyalty_connector.loyalty_platform)
    # when an action names the customer by an external id with a slash
    reply = act(loyalty_connector, "offer.issue", customer={"external_id": "ACC/../x"}, offer_id="offer-5-off-check")
    # then 422 at data.customer.external_id, no platform call
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"][:3] == ["data", "customer", "external_id"]
