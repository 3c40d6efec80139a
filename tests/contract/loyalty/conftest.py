"""Fixtures: one loyalty emulator per test session over real HTTP, reset before every test.

The seeded records are the ones the canonical loyalty events in shared/contracts refer to.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from emulators._base import running
from emulators.loyalty import create_app

KEY = "local-loyalty-key"
AUTH = (KEY, "local-loyalty-secret")
BASE = f"/priv/v1/apps/{KEY}"


def _past(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


SEED = {
    "offers": [
        {"id": "offer-5-off-check", "name": "$5 off Check", "description": "5 Dollars off your next check"},
        {"id": "offer-retired", "name": "Retired", "status": "inactive"},
        {"id": "reward-travel-mug", "name": "Travel mug", "points_cost": 100},
    ],
    "users": [
        {
            "id": "sm-user-1",
            "external_id": "ACC_EXT_1",
            "email": "ash.sm@example.com",
            "first_name": "Ash",
            "last_name": "Smith",
            "dob": "2001-08-29",
            "opted_in": True,
            "point_accounts": {"Point Account": 40},
        },
        {
            "id": "sm-user-2",
            "external_id": "ACC_EXT_2",
            "email": "victim@example.com",
            "point_accounts": {"Point Account": 10},
        },
    ],
    "user_offers": [
        {"id": "uo-1001", "external_id": "ACC_EXT_1", "offer_id": "offer-5-off-check"},
        {"id": "uo-1002", "external_id": "ACC_EXT_1", "offer_id": "offer-5-off-check"},
        {"id": "uo-1003", "external_id": "ACC_EXT_1", "offer_id": "offer-5-off-check"},
        {
            "id": "uo-0999",
            "external_id": "ACC_EXT_1",
            "offer_id": "offer-5-off-check",
            "status": "expired",
            "redemption_start": _past(40),
            "redemption_end": _past(10),
        },
        {"id": "uo-2001", "external_id": "ACC_EXT_2", "offer_id": "offer-5-off-check", "status": "redeemed"},
    ],
}


@pytest.fixture(scope="session")
def loyalty_server() -> Iterator[str]:
    with running(create_app()) as base_url:
        yield base_url


@pytest.fixture
def loyalty(loyalty_server: str) -> str:
    """Base URL of an emptied emulator (store, counters, request log, faults)."""
    requests.post(f"{loyalty_server}/_admin/reset", timeout=5).raise_for_status()
    return loyalty_server


@pytest.fixture
def api(loyalty: str) -> str:
    """Seeded emulator's API base: .../priv/v1/apps/{api_key}."""
    requests.post(f"{loyalty}/_admin/seed", json=SEED, timeout=5).raise_for_status()
    return f"{loyalty}{BASE}"


@pytest.fixture
def session() -> Iterator[requests.Session]:
    """HTTP session authenticated with the default API key and secret."""
    with requests.Session() as http:
        http.auth = AUTH
        yield http
