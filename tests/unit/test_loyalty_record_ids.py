"""A Salesforce Id that becomes a loyalty external id is one key, whichever form the caller sent."""

from __future__ import annotations

import pytest

from connector.loyalty.parent_record import full_salesforce_id, queued_event_id


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


def test_two_long_action_ids_sharing_their_start_queue_record_updates_under_two_ids() -> None:
    # given two actions whose 128-character event ids differ only at the end
    first, second = "e" * 127 + "1", "e" * 127 + "2"
    # when their record updates are queued, then each has its own event id, within 128 characters
    assert queued_event_id(first) != queued_event_id(second)
    assert max(len(queued_event_id(first)), len(queued_event_id(second))) <= 128


def test_a_short_action_id_queues_its_record_update_as_id_dot_record() -> None:
    assert queued_event_id("evt-1") == "evt-1.record"
