"""Fixtures: one social inbox emulator per test session over real HTTP, reset before every test.

The seeded conversations are the ones the canonical social events in shared/contracts describe.
"""

from collections.abc import Iterator

import pytest
import requests

from emulators._base import running
from emulators.social import create_app

SEED = {
    "conversations": [
        {
            "id": "conv-501",
            "channel": "whatsapp",
            "team": "Support FR",
            "status": "open",
            "user": {"id": "u-88", "handle": "+33612345678", "name": "Camille Martin"},
            "messages": [
                {"time": "2026-11-23T09:59:00Z", "direction": "inbound", "text": "Bonjour, ma commande est en retard."}
            ],
        },
        {
            "id": "conv-480",
            "channel": "whatsapp",
            "status": "closed",
            "user": {"id": "u-88", "handle": "+33612345678", "name": "Camille Martin"},
        },
        {
            "id": "conv-502",
            "channel": "instagram",
            "status": "open",
            "user": {"id": "u-91", "handle": "@lee.style", "name": "Lee"},
            "salesforce_contact_id": "003000000000002AAA",
        },
    ]
}


@pytest.fixture(scope="session")
def social_server() -> Iterator[str]:
    with running(create_app()) as base_url:
        yield base_url


@pytest.fixture
def social(social_server: str) -> str:
    """Base URL of an emptied, then seeded emulator (counters and request log empty)."""
    requests.post(f"{social_server}/_admin/reset", timeout=5).raise_for_status()
    requests.post(f"{social_server}/_admin/seed", json=SEED, timeout=5).raise_for_status()
    return social_server


@pytest.fixture
def inbox(social: str) -> Iterator[requests.Session]:
    """HTTP session with the default bearer API key."""
    with requests.Session() as http:
        http.headers["Authorization"] = "Bearer local-social-key"
        yield http
