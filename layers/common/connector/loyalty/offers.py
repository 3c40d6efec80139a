"""Offers and rewards an agent applies to a customer's loyalty profile.

Reference: ../shared/reference/loyalty-sessionm-customer-profile.md: an offer of the catalog is
issued (Available -> Issued); an issued one can be redeemed (inside its redemption window),
revoked, or have its redemption dates changed; a redeemed one unredeemed (a cancelled
transaction); an expired one reissued. The platform holds the state and refuses what the state
forbids (a 409 naming the state: nothing changed, no audit). A reward of the store is bought with
points (a short balance or an empty stock: 409).
"""

from __future__ import annotations

from connector.loyalty.audit import audit_state, record_action
from connector.loyalty.models import (
    OfferAnswer,
    OfferChange,
    OfferExtend,
    OfferIssue,
    RewardAnswer,
    RewardPurchase,
    utc_text,
)
from connector.loyalty.platform import customer_id_of
from connector.services import Services


def issue_offer(command: OfferIssue, services: Services) -> OfferAnswer:
    loyalty = services.loyalty
    customer_id = customer_id_of(services, command.data.customer)
    user_offer = loyalty.issue_offer(customer_id, command.data.offer_id)
    summary = f"issued offer {command.data.offer_id} as user offer {user_offer['id']} ({user_offer['name']})"
    record_action(services, command, customer_id, summary)
    return _offer_answer(command.event_type, customer_id, user_offer, services)


def change_offer(command: OfferChange, services: Services) -> OfferAnswer:
    """revoke | redeem | unredeem | reissue."""
    loyalty = services.loyalty
    customer_id = customer_id_of(services, command.data.customer)
    user_offer = loyalty.change_user_offer(customer_id, command.data.user_offer_id, command.action)
    if command.action == "reissue":
        summary = f"reissued user offer {command.data.user_offer_id} as {user_offer['id']} ({user_offer['name']})"
    else:
        summary = f"user offer {user_offer['id']} ({user_offer['name']}) is now {user_offer['status']}"
    record_action(services, command, customer_id, summary)
    return _offer_answer(command.event_type, customer_id, user_offer, services)


def extend_offer(command: OfferExtend, services: Services) -> OfferAnswer:
    loyalty = services.loyalty
    data = command.data
    customer_id = customer_id_of(services, data.customer)
    body = {"redemption_start": utc_text(data.redemption_start), "redemption_end": utc_text(data.redemption_end)}
    user_offer = loyalty.change_user_offer(customer_id, data.user_offer_id, "extend", body)
    summary = (
        f"user offer {user_offer['id']} ({user_offer['name']}) redeemable from {user_offer['redemption_start']} "
        f"to {user_offer['redemption_end']}"
    )
    record_action(services, command, customer_id, summary)
    return _offer_answer(command.event_type, customer_id, user_offer, services)


def purchase_reward(command: RewardPurchase, services: Services) -> RewardAnswer:
    loyalty = services.loyalty
    data = command.data
    customer_id = customer_id_of(services, data.customer)
    # The balance is read before the purchase, never after: a read failing after the points are
    # spent would answer 503 for an applied purchase, and the agent's retry would buy it twice.
    before = int(loyalty.point_accounts(customer_id)["available_points"])
    order = loyalty.purchase_reward(customer_id, data.offer_id, data.quantity)
    balance = before - int(order["points_spent"])
    summary = (
        f"bought {order['quantity']} x {order['name']} for {order['points_spent']} points (order {order['id']}); "
        f"balance now {balance}"
    )
    record_action(services, command, customer_id, summary)
    return RewardAnswer(
        action=command.event_type,
        customer_id=customer_id,
        audit=audit_state(services),
        order=order,
        available_points=balance,
    )


def _offer_answer(action: str, customer_id: str, user_offer: dict[str, object], services: Services) -> OfferAnswer:
    return OfferAnswer(action=action, customer_id=customer_id, audit=audit_state(services), user_offer=user_offer)
