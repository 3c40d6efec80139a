"""The example data a fresh local stack starts with (local/seed/*.json, posted to the emulators)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from devstack.emulators import RunningEmulator, start_emulator
from devstack.seeds import SeedError, seed_emulators, seed_files
from emulators.commerce.app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

ROOT = Path(__file__).resolve().parents[3]
SEEDS = ROOT / "local" / "seed"


@pytest.fixture
def commerce() -> Iterator[RunningEmulator]:
    running = start_emulator("commerce")
    assert running is not None
    yield running
    running.stop()


def test_the_project_ships_a_seed_for_each_platform_the_example_events_refer_to() -> None:
    assert set(seed_files(SEEDS)) == {"commerce", "loyalty", "salesforce", "social"}


@pytest.mark.parametrize("platform", ["commerce", "loyalty", "salesforce", "social"])
def test_each_shipped_seed_is_accepted_by_its_emulator(platform: str) -> None:
    running = start_emulator(platform)
    assert running is not None
    try:
        report = seed_emulators({platform: running.url}, SEEDS)
    finally:
        running.stop()
    assert report[platform]


@pytest.mark.parametrize(("example", "resource"), [("order.created", "orders"), ("customer.registered", "customers")])
def test_the_seeded_storefront_serves_what_the_example_events_refer_to(
    commerce: RunningEmulator, example: str, resource: str
) -> None:
    # Given the seeded storefront and an example event
    seed_emulators({"commerce": commerce.url}, SEEDS)
    data = json.loads((ROOT / "events" / f"{example}.json").read_text())["data"]
    key = data["order"]["order_no"] if resource == "orders" else data["customer"]["customer_no"]

    # When OCAPI is asked for its order or customer, as the connector asks
    token = requests.post(
        f"{commerce.url}/dw/oauth2/access_token",
        data={"grant_type": "client_credentials"},
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        timeout=5,
    ).json()["access_token"]
    resp = requests.get(
        f"{commerce.url}/s/{data['site_id']}/dw/shop/v24_5/{resource}/{key}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )

    # Then the storefront has it
    assert resp.status_code == 200, resp.text


def test_a_seed_the_emulator_refuses_stops_the_boot(commerce: RunningEmulator, tmp_path: Path) -> None:
    (tmp_path / "commerce.json").write_text(json.dumps({"orders": [{"order_no": 42}]}))

    with pytest.raises(SeedError, match="commerce emulator refused"):
        seed_emulators({"commerce": commerce.url}, tmp_path)


def test_only_the_emulators_devstack_started_are_seeded(tmp_path: Path) -> None:
    (tmp_path / "commerce.json").write_text("{}")

    assert seed_emulators({}, tmp_path) == {}
