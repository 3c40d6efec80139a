"""A Salesforce Id that becomes a loyalty external id is one key, whichever form the caller sent."""

from __future__ import annotations

import pytest

from connector.loyalty.parent_record import full_salesforce_id


@pytest.mark.parametrize(
    ("sent", "key"),
    [
        # the reference's Account Id and the examples' Contact Id, in their 15-character forms
        ("001J000002XWxUm", "001J000002XWxUmIAL"),
        ("003J000001AbCdE", "003J000001AbCdEIAV"),
        ("003J000001AbCdEIAV", "003J000001AbCdEIAV"),
    ],
)
def test_a_15_character_id_gets_its_checksum_suffix_and_an_18_character_one_stays(sent: str, key: str) -> None:
    assert full_salesforce_id(sent) == key
