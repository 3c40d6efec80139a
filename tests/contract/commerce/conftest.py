"""Fixtures: one commerce emulator per test session over real HTTP, reset before every test."""

from collections.abc import Iterator

import pytest
import requests

from emulators._base import running
from emulators.commerce import create_app

CLIENT = ("local-commerce-client", "local-commerce-secret")
SHOP = "/s/RefArch/dw/shop/v24_5"
DATA = "/s/-/dw/data/v24_5"

JANE = {
    "customer_no": "00001001",
    "customer_id": "bcLsYcNgU0yq3aRbwHxw2bTeKd",
    "email": "jane.doe@example.com",
    "first_name": "Jane",
    "last_name": "Doe",
    "salutation": "Ms.",
    "phone_home": "+1 555 0100",
    "birthday": "1990-04-12",
    "gender": 2,
    "preferred_locale": "en_US",
    "site_id": "RefArch",
    "customer_list_id": "RefArchGlobal",
    "addresses": [
        {
            "address_id": "home",
            "address1": "5 Wall St",
            "city": "Burlington",
            "state_code": "MA",
            "postal_code": "01803",
            "country_code": "US",
            "preferred": True,
        }
    ],
}

ORDER = {
    "order_no": "00002001",
    "site_id": "RefArch",
    "status": "new",
    "currency": "USD",
    "creation_date": "2026-11-23T09:58:00.000Z",
    "customer_info": {"customer_no": "00001001", "email": "jane.doe@example.com", "customer_name": "Jane Doe"},
    "billing_address": {"first_name": "Jane", "last_name": "Doe", "address1": "5 Wall St", "city": "Burlington"},
    "shipments": [
        {
            "shipment_id": "me",
            "shipping_address": {"first_name": "Jane", "last_name": "Doe", "address1": "5 Wall St"},
            "shipping_method": {"id": "001", "name": "Ground"},
            "tracking_number": "1Z999",
        }
    ],
    "product_items": [{"product_id": "mug-1", "product_name": "Mug", "quantity": 2, "price": 119.99}],
    "tax_total": 5.0,
    "shipping_total": 5.0,
    "payment_instruments": [
        {
            "payment_method_id": "CREDIT_CARD",
            "amount": 129.99,
            "payment_card": {"card_type": "Visa", "number": "4111111111111111", "security_code": "123"},
        }
    ],
}

GUEST_ORDER = {
    "order_no": "00002002",
    "status": "new",
    "creation_date": "2026-11-23T09:59:00.000Z",
    "customer_info": {"email": "Guest.Buyer@Example.com", "customer_name": "Guest Buyer"},
    "product_items": [{"product_id": "pen-1", "price": 42.0}],
}


@pytest.fixture(scope="session")
def commerce_server() -> Iterator[str]:
    with running(create_app()) as base_url:
        yield base_url


@pytest.fixture
def commerce(commerce_server: str) -> str:
    """Base URL of an emptied emulator (store, counters, request log, faults)."""
    requests.post(f"{commerce_server}/_admin/reset", timeout=5).raise_for_status()
    return commerce_server


@pytest.fixture
def auth(commerce: str) -> dict[str, str]:
    """Bearer header from a fresh client-credentials token."""
    response = requests.post(
        f"{commerce}/dw/oauth2/access_token", data={"grant_type": "client_credentials"}, auth=CLIENT, timeout=5
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def seeded(commerce: str) -> str:
    """Emulator holding Jane (registered), her order and a guest order."""
    body = {"customers": [JANE], "orders": [ORDER, GUEST_ORDER]}
    requests.post(f"{commerce}/_admin/seed", json=body, timeout=5).raise_for_status()
    return commerce
