"""`connector.state.ClaimStore`: of two concurrent events for the same new entity, only one creates it."""

from types import SimpleNamespace
from typing import Any

import pytest

from connector.state import ClaimStore
from connector.state import claims as claims_module


class Clock:
    """A settable stand-in for the `time` module as the claim store reads it."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(1_795_000_000)
    monkeypatch.setattr(claims_module, "time", SimpleNamespace(time=fake.time))
    return fake


@pytest.fixture
def claims(dynamodb: Any, sync_table: str, clock: Clock) -> ClaimStore:
    return ClaimStore(sync_table, dynamodb, lease_seconds=60)


def test_first_owner_gets_the_claim(claims):
    assert claims.acquire("contact", "00001001", "evt-1") is True


def test_claim_held_by_one_owner_blocks_another(claims):
    claims.acquire("contact", "00001001", "evt-1")

    assert claims.acquire("contact", "00001001", "evt-2") is False


def test_claim_is_re_entrant_for_its_owner(claims):
    claims.acquire("contact", "00001001", "evt-1")

    assert claims.acquire("contact", "00001001", "evt-1") is True


def test_claims_on_different_keys_do_not_interfere(claims):
    claims.acquire("contact", "00001001", "evt-1")

    assert claims.acquire("contact", "00001002", "evt-2") is True
    assert claims.acquire("account", "00001001", "evt-2") is True


def test_released_claim_can_be_taken_by_another_owner(claims):
    claims.acquire("contact", "00001001", "evt-1")

    claims.release("contact", "00001001", "evt-1")

    assert claims.acquire("contact", "00001001", "evt-2") is True


def test_release_by_someone_else_leaves_the_claim_in_place(claims):
    claims.acquire("contact", "00001001", "evt-1")

    claims.release("contact", "00001001", "evt-2")

    assert claims.acquire("contact", "00001001", "evt-2") is False


def test_releasing_a_claim_nobody_holds_is_harmless(claims):
    claims.release("contact", "00001001", "evt-1")

    assert claims.acquire("contact", "00001001", "evt-1") is True


def test_claim_still_within_its_lease_blocks_another_owner(claims, clock):
    claims.acquire("contact", "00001001", "evt-1")

    clock.now += 59

    assert claims.acquire("contact", "00001001", "evt-2") is False


def test_expired_lease_can_be_taken_by_another_owner(claims, clock):
    claims.acquire("contact", "00001001", "evt-1")

    clock.now += 61

    assert claims.acquire("contact", "00001001", "evt-2") is True


def test_taken_over_claim_blocks_its_previous_owner(claims, clock):
    claims.acquire("contact", "00001001", "evt-1")
    clock.now += 61
    claims.acquire("contact", "00001001", "evt-2")

    assert claims.acquire("contact", "00001001", "evt-1") is False


def test_zero_lease_expires_as_soon_as_the_clock_moves(dynamodb, sync_table, clock):
    claims = ClaimStore(sync_table, dynamodb, lease_seconds=0)
    claims.acquire("contact", "00001001", "evt-1")

    clock.now += 1

    assert claims.acquire("contact", "00001001", "evt-2") is True
