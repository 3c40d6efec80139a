"""`connector.crm.IdentityMap`: source key -> Salesforce Id, so a known entity costs no SOQL look-up."""

from typing import Any

import pytest

from connector.crm.identity import Identity, IdentityKind, IdentityMap

CONTACT = IdentityKind.CONTACT
ORDER = IdentityKind.ORDER

JANE_NO = "00001001"
JANE_ID = "003000000000001AAA"


@pytest.fixture
def identities(dynamodb: Any, sync_table: str) -> IdentityMap:
    return IdentityMap(sync_table, dynamodb)


def test_stored_identity_reads_back(identities):
    identities.put(CONTACT, JANE_NO, Identity(JANE_ID))

    assert identities.get(CONTACT, JANE_NO) == JANE_ID


def test_unknown_key_has_no_identity(identities):
    assert identities.get(CONTACT, "nobody") is None


def test_putting_again_replaces_the_identity(identities):
    identities.put(CONTACT, JANE_NO, Identity(JANE_ID))

    identities.put(CONTACT, JANE_NO, Identity("003000000000002AAA"))

    assert identities.get(CONTACT, JANE_NO) == "003000000000002AAA"


def test_kinds_are_separate_namespaces(identities):
    identities.put(CONTACT, "K-1", Identity(JANE_ID))
    identities.put(ORDER, "K-1", Identity("801000000000001AAA"))

    assert identities.get(CONTACT, "K-1") == JANE_ID
    assert identities.get(ORDER, "K-1") == "801000000000001AAA"


def test_forgotten_identity_is_gone(identities):
    identities.put(CONTACT, JANE_NO, Identity(JANE_ID))

    identities.forget(CONTACT, JANE_NO)

    assert identities.get(CONTACT, JANE_NO) is None


def test_forgetting_an_unknown_identity_is_harmless(identities):
    identities.forget(CONTACT, "nobody")

    assert identities.get(CONTACT, "nobody") is None


def test_get_many_returns_only_the_known_keys(identities):
    identities.put(CONTACT, "a", Identity("003000000000000AAA"))
    identities.put(CONTACT, "b", Identity("003000000000000BBB"))

    found = identities.get_many(CONTACT, ["a", "b", "unknown"])

    assert found == {"a": "003000000000000AAA", "b": "003000000000000BBB"}


def test_get_many_of_nothing_is_empty(identities):
    assert identities.get_many(CONTACT, []) == {}


def test_get_many_reads_more_than_100_keys(identities):
    keys = [f"{n:08d}" for n in range(250)]
    for n, key in enumerate(keys):
        if n % 2 == 0:
            identities.put(CONTACT, key, Identity(f"003{n:015d}"))

    found = identities.get_many(CONTACT, keys)

    assert found == {key: f"003{n:015d}" for n, key in enumerate(keys) if n % 2 == 0}


def test_get_many_tolerates_repeated_keys(identities):
    identities.put(CONTACT, "a", Identity(JANE_ID))

    found = identities.get_many(CONTACT, ["a"] * 150)

    assert found == {"a": JANE_ID}


def test_get_many_keeps_keys_containing_the_separator(identities):
    identities.put(CONTACT, "list#00001001", Identity(JANE_ID))

    assert identities.get_many(CONTACT, ["list#00001001"]) == {"list#00001001": JANE_ID}


def test_get_many_does_not_mix_kinds(identities):
    identities.put(ORDER, "a", Identity("801000000000001AAA"))

    assert identities.get_many(CONTACT, ["a"]) == {}


# -- what the connector remembers about a known record ---------------------------------------------------


def test_identity_remembers_its_attributes(identities):
    remembered = Identity(JANE_ID, account_id="001000000000001AAA", customer_type="Registered", fingerprint="ab12")
    identities.put(CONTACT, JANE_NO, remembered)

    assert identities.entry(CONTACT, JANE_NO) == remembered


def test_opt_in_flag_reads_back_as_a_boolean(identities):
    identities.put(IdentityKind.CONTACT_EMAIL, "jane@example.com", Identity(JANE_ID, opted_in=False))

    assert identities.entry(IdentityKind.CONTACT_EMAIL, "jane@example.com").opted_in is False


def test_identity_without_attributes_has_none(identities):
    identities.put(CONTACT, JANE_NO, Identity(JANE_ID))

    assert identities.entry(CONTACT, JANE_NO) == Identity(JANE_ID)


def test_putting_again_replaces_the_attributes_too(identities):
    identities.put(CONTACT, JANE_NO, Identity(JANE_ID, fingerprint="old", account_id="001000000000001AAA"))

    identities.put(CONTACT, JANE_NO, Identity(JANE_ID, fingerprint="new"))

    assert identities.entry(CONTACT, JANE_NO) == Identity(JANE_ID, fingerprint="new")


def test_entries_stored_by_the_first_release_still_read(identities, dynamodb, sync_table):
    # given an entry written before attributes were typed ("type" is today's customer_type)
    dynamodb.put_item(
        TableName=sync_table,
        Item={
            "pk": {"S": f"id#contact#{JANE_NO}"},
            "sk": {"S": "IDENTITY"},
            "salesforce_id": {"S": JANE_ID},
            "attrs": {"M": {"type": {"S": "Guest"}, "opted_in": {"S": "True"}}},
        },
    )

    assert identities.entry(CONTACT, JANE_NO) == Identity(JANE_ID, customer_type="Guest", opted_in=True)


def test_unknown_key_has_no_entry(identities):
    assert identities.entry(CONTACT, "nobody") is None


def test_entries_come_with_their_attributes(identities):
    identities.put(CONTACT, "a", Identity("003000000000000AAA", fingerprint="f-a"))
    identities.put(CONTACT, "b", Identity("003000000000000BBB"))

    found = identities.entries(CONTACT, ["a", "b", "c"])

    assert found == {
        "a": Identity("003000000000000AAA", fingerprint="f-a"),
        "b": Identity("003000000000000BBB"),
    }


def test_entries_found_are_noted_as_used(identities):
    identities.put(CONTACT, "a", Identity("003000000000000AAA"))
    identities.begin()

    identities.entries(CONTACT, ["a", "b"])

    assert identities.used() == [(CONTACT, "a")]
