"""The bodies the Apex side sends (ConnectorClient's envelope, LoyaltyProfileController's data) are
accepted by the connector's own models as they stand: the shapes below are those the Apex tests
assert (ConnectorClientTest, LoyaltyProfileControllerTest), so a change on either side that breaks
the other fails here, offline, before an org."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel

from connector.loyalty.customers import CustomerEnroll, CustomerSync, CustomerUpdate
from connector.loyalty.models import NoteAdd, OfferChange, OfferExtend, OfferIssue, PointsAward, RewardPurchase

RECORD_ID = "003000000000002AAA"
# UserInfo.getUserId(), getName(), getUserEmail() of a running agent
AGENT = {"id": "005000000000001AAA", "name": "Alex Kim", "email": "alex.kim@brand.example"}
CUSTOMER = {"external_id": "ACC_EXT_1", "salesforce_id": RECORD_ID}


def envelope(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """ConnectorClient.envelope: 'sf-' + UUID.randomUUID(), formatGmt('yyyy-MM-dd'T'HH:mm:ss'Z'')."""
    return {
        "event_id": f"sf-{uuid.uuid4()}",
        "event_type": event_type,
        "occurred_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": "loyalty",
        "data": data,
    }


def _later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# applyAction: the component's payload, then customer and agent set by the controller.
ACTIONS: list[tuple[type[BaseModel], str, dict[str, Any]]] = [
    (OfferIssue, "offer.issue", {"offer_id": "offer-5-off-check"}),
    (OfferChange, "offer.redeem", {"user_offer_id": "uo-1001"}),
    (OfferChange, "offer.revoke", {"user_offer_id": "uo-1001"}),
    (OfferChange, "offer.unredeem", {"user_offer_id": "uo-1001"}),
    (OfferChange, "offer.reissue", {"user_offer_id": "uo-0999"}),
    (
        OfferExtend,
        "offer.extend",
        {"user_offer_id": "uo-1003", "redemption_start": _later(0), "redemption_end": _later(30)},
    ),
    (RewardPurchase, "reward.purchase", {"offer_id": "reward-travel-mug", "quantity": 2}),
    (
        PointsAward,
        "points.award",
        {"points": 250, "point_account": "Point Account", "point_source": "Customer Service", "reason": "Goodwill"},
    ),
    (NoteAdd, "note.add", {"reason": "Duplicate User", "text": "We have this user already, please merge"}),
]


@pytest.mark.parametrize(("model", "event_type", "payload"), ACTIONS, ids=[a[1] for a in ACTIONS])
def test_an_agent_action_from_the_component_is_a_valid_command(
    model: type[BaseModel], event_type: str, payload: dict[str, Any]
) -> None:
    # given the body the controller sends for the component's action
    body = envelope(event_type, {**payload, "customer": CUSTOMER, "agent": AGENT})
    # when the connector's model reads it
    command = model.model_validate(body)
    # then it is accepted as sent
    assert command.event_type == event_type  # type: ignore[attr-defined]


def test_a_profile_edit_is_a_valid_customer_update() -> None:
    # given the component's changes, with the parent record named by the controller
    data = {
        "changes": {"first_name": "Sabrina", "opted_in": True, "dob": "2001-08-29", "city": None},
        "customer": CUSTOMER,
        "agent": AGENT,
        "salesforce_object": "Contact",
        "salesforce_id": RECORD_ID,
    }
    # then customer.update accepts it
    assert CustomerUpdate.model_validate(envelope("customer.update", data)).data.salesforce_object == "Contact"


def test_an_enrolment_without_external_id_is_a_valid_customer_enroll() -> None:
    # given the controller's enrolment of a record with no external id
    customer = {"external_id": None, "email": "ash.sm@example.com", "salesforce_id": RECORD_ID, "first_name": "Ash"}
    # then customer.enroll accepts it (the connector takes the record's Id as external id)
    command = CustomerEnroll.model_validate(envelope("customer.enroll", {"customer": customer, "agent": AGENT}))
    assert command.data.customer.external_id is None


def test_sync_from_loyalty_is_a_valid_customer_sync() -> None:
    # given the controller's Sync from SM body (no customer: CustomerSyncData forbids it)
    data = {"direction": "from_loyalty", "salesforce_object": "Contact", "salesforce_id": RECORD_ID, "agent": AGENT}
    # then customer.sync accepts it
    assert CustomerSync.model_validate(envelope("customer.sync", data)).data.direction == "from_loyalty"
