"""A loyalty customer in each offer state, on the loyalty emulator, and a look at the platform as the
tests read it (over HTTP, with the emulator's own credentials: never through the connector)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from conftest import Emulator

AUTH = ("local-loyalty-key", "local-loyalty-secret")
EXTERNAL_ID = "ACC_EXT_1"
EMAIL = "sabina@example.com"
# user offer id -> its state in the seed
USER_OFFERS = {
    "uo-issued": "issued",
    "uo-redeemed": "redeemed",
    "uo-revoked": "revoked",
    "uo-expired": "expired",
}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def seed_customer(platform: Emulator, points: int = 1200, stock: int | None = None) -> dict[str, Any]:
    """ACC_EXT_1 with `points`, one user offer in each state, one offer not yet redeemable, a
    catalog of two offers, an inactive one and a reward of 500 points."""
    now = datetime.now(UTC)
    reward: dict[str, Any] = {"id": "reward-travel-mug", "name": "Travel mug", "points_cost": 500}
    if stock is not None:
        reward["stock"] = stock
    return dict(
        platform.seed(
            {
                "offers": [
                    {"id": "offer-5-off-check", "name": "$5 off your next check", "redemption_days": 30},
                    {"id": "offer-free-shipping", "name": "Free shipping", "redemption_days": 30},
                    {"id": "offer-retired", "name": "Retired", "status": "inactive"},
                    reward,
                ],
                "users": [
                    {
                        "id": "user-1",
                        "external_id": EXTERNAL_ID,
                        "email": EMAIL,
                        "first_name": "Sabina",
                        "last_name": "Rossi",
                        "point_accounts": {"Point Account": points},
                    }
                ],
                "user_offers": [
                    {"id": uo, "user_id": "user-1", "offer_id": "offer-5-off-check", "status": state}
                    for uo, state in USER_OFFERS.items()
                ]
                + [
                    {
                        "id": "uo-later",
                        "user_id": "user-1",
                        "offer_id": "offer-free-shipping",
                        "status": "issued",
                        "redemption_start": _iso(now + timedelta(days=2)),
                        "redemption_end": _iso(now + timedelta(days=30)),
                    }
                ],
            }
        )
    )


def platform_get(platform: Emulator, path: str, **params: Any) -> Any:
    resp = requests.get(f"{platform.url}/priv/v1/apps/{AUTH[0]}{path}", auth=AUTH, params=params or None, timeout=5)
    assert resp.status_code == 200, resp.text
    return resp.json()


def user_offer(platform: Emulator, user_offer_id: str) -> dict[str, Any]:
    return dict(platform_get(platform, f"/users/user-1/offers/{user_offer_id}")["user_offer"])


def balance(platform: Emulator) -> int:
    return int(platform_get(platform, "/users/user-1/points")["available_points"])


def user_offer_states(platform: Emulator) -> dict[str, str]:
    return {uo["id"]: uo["status"] for uo in platform_get(platform, "/users/user-1/offers")["user_offers"]}


def platform_post_note(platform: Emulator, reason: str, text: str) -> None:
    url = f"{platform.url}/priv/v1/apps/{AUTH[0]}/users/user-1/notes"
    requests.post(url, json={"reason": reason, "text": text}, auth=AUTH, timeout=5).raise_for_status()
