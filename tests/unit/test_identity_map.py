"""`connector.state.IdentityMap`: source key -> Salesforce Id, so a known entity costs no SOQL look-up."""

from typing import Any

import pytest

from connector.state import Identity, IdentityMap

JANE_NO = "00001001"
JANE_ID = "003000000000001AAA"


@pytest.fixture
def identities(dynamodb: Any, sync_table: str) -> IdentityMap:
    return IdentityMap(sync_table, dynamodb)


def test_stored_identity_reads_back(identities):
    identities.put("contact", JANE_NO, JANE_ID)

    assert identities.get("contact", JANE_NO) == JANE_ID


def test_unknown_key_has_no_identity(identities):
    assert identities.get("contact", "nobody") is None


def test_putting_again_replaces_the_identity(identities):
    identities.put("contact", JANE_NO, JANE_ID)

    identities.put("contact", JANE_NO, "003000000000002AAA")

    assert identities.get("contact", JANE_NO) == "003000000000002AAA"


def test_kinds_are_separate_namespaces(identities):
    identities.put("contact", "K-1", JANE_ID)
    identities.put("order", "K-1", "801000000000001AAA")

    assert identities.get("contact", "K-1") == JANE_ID
    assert identities.get("order", "K-1") == "801000000000001AAA"


def test_forgotten_identity_is_gone(identities):
    identities.put("contact", JANE_NO, JANE_ID)

    identities.forget("contact", JANE_NO)

    assert identities.get("contact", JANE_NO) is None


def test_forgetting_an_unknown_identity_is_harmless(identities):
    identities.forget("contact", "nobody")

    assert identities.get("contact", "nobody") is None


def test_get_many_returns_only_the_known_keys(identities):
    identities.put("contact", "a", "003000000000000AAA")
    identities.put("contact", "b", "003000000000000BBB")

    found = identities.get_many("contact", ["a", "b", "unknown"])

    assert found == {"a": "003000000000000AAA", "b": "003000000000000BBB"}


def test_get_many_of_nothing_is_empty(identities):
    assert identities.get_many("contact", []) == {}


def test_get_many_reads_more_than_100_keys(identities):
    keys = [f"{n:08d}" for n in range(250)]
    for n, key in enumerate(keys):
        if n % 2 == 0:
            identities.put("contact", key, f"003{n:015d}")

    found = identities.get_many("contact", keys)

    assert found == {key: f"003{n:015d}" for n, key in enumerate(keys) if n % 2 == 0}


def test_get_many_tolerates_repeated_keys(identities):
    identities.put("contact", "a", JANE_ID)

    found = identities.get_many("contact", ["a"] * 150)

    assert found == {"a": JANE_ID}


def test_get_many_keeps_keys_containing_the_separator(identities):
    identities.put("contact", "list#00001001", JANE_ID)

    assert identities.get_many("contact", ["list#00001001"]) == {"list#00001001": JANE_ID}


def test_get_many_does_not_mix_kinds(identities):
    identities.put("order", "a", "801000000000001AAA")

    assert identities.get_many("contact", ["a"]) == {}


# -- what the connector remembers about a known record ---------------------------------------------------


def test_identity_remembers_its_attributes(identities):
    identities.put("contact", JANE_NO, JANE_ID, type="Contact", parent="001000000000001AAA", fingerprint="ab12")

    entry = identities.entry("contact", JANE_NO)

    assert entry == Identity(JANE_ID, {"type": "Contact", "parent": "001000000000001AAA", "fingerprint": "ab12"})


def test_attributes_left_as_none_are_not_stored(identities):
    identities.put("contact", JANE_NO, JANE_ID, type="Contact", parent=None)

    assert identities.entry("contact", JANE_NO).attrs == {"type": "Contact"}


def test_identity_without_attributes_has_none(identities):
    identities.put("contact", JANE_NO, JANE_ID)

    assert identities.entry("contact", JANE_NO) == Identity(JANE_ID, {})


def test_putting_again_replaces_the_attributes_too(identities):
    identities.put("contact", JANE_NO, JANE_ID, fingerprint="old", parent="001000000000001AAA")

    identities.put("contact", JANE_NO, JANE_ID, fingerprint="new")

    assert identities.entry("contact", JANE_NO).attrs == {"fingerprint": "new"}


def test_unknown_key_has_no_entry(identities):
    assert identities.entry("contact", "nobody") is None


def test_entries_come_with_their_attributes(identities):
    identities.put("contact", "a", "003000000000000AAA", fingerprint="f-a")
    identities.put("contact", "b", "003000000000000BBB")

    found = identities.entries("contact", ["a", "b", "c"])

    assert found == {
        "a": Identity("003000000000000AAA", {"fingerprint": "f-a"}),
        "b": Identity("003000000000000BBB", {}),
    }
