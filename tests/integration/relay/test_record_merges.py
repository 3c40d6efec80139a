"""merge_records against the emulators over HTTP: the storefront link of the loser's customer number
moves to the winner, and per Merge on Parent Merge the loyalty customers are merged with the survivor
rule of the loyalty connector (the customer of the key the winner holds after the merge: the
reference's ACC_EXT_1 / ACC_EXT_2 example), including when only the loser has a loyalty customer."""

from __future__ import annotations

import pytest
from conftest import RelayWorld
from relayed_events import contact_merged

from connector.errors import IneligibleEvent
from connector.relay.changes import merge_records


def points(world: RelayWorld, user_id: str) -> int | None:
    found = world.loyalty_get(f"/users/{user_id}/points")
    return None if found is None else int(found["available_points"])


def two_loyalty_customers(world: RelayWorld) -> None:
    world.loyalty_user("user-1", "ACC_EXT_1", "one@example.com", point_accounts={"Point Account": 100})
    world.loyalty_user("user-2", "ACC_EXT_2", "two@example.com", point_accounts={"Point Account": 40})


def test_the_losers_loyalty_customer_is_merged_into_the_winners_when_the_winner_kept_its_key(
    world: RelayWorld,
) -> None:
    # given a winner holding ACC_EXT_1 after the merge, the loser having held ACC_EXT_2
    two_loyalty_customers(world)
    winner = world.contact(Email="one@example.com", Loyalty_External_Id__c="ACC_EXT_1")
    event = contact_merged(winner, "003000000000002AAA", loyalty_key="ACC_EXT_2")
    # when the merge is applied
    merge_records(event, world.services())
    # then ACC_EXT_1's customer survives with both balances, ACC_EXT_2's is gone
    assert points(world, "user-1") == 140
    assert points(world, "user-2") is None


def test_the_losers_customer_survives_when_the_merge_gave_the_winner_the_losers_key(world: RelayWorld) -> None:
    # given the winner's own customer keyed by its record Id, and the merge overwriting the winner's key
    # with the loser's ACC_EXT_2
    winner = world.contact(Email="one@example.com", Loyalty_External_Id__c="ACC_EXT_2")
    world.loyalty_user("user-1", winner, "one@example.com", point_accounts={"Point Account": 100})
    world.loyalty_user("user-2", "ACC_EXT_2", "two@example.com", point_accounts={"Point Account": 40})
    event = contact_merged(winner, "003000000000002AAA", loyalty_key="ACC_EXT_2")
    merge_records(event, world.services())
    # then ACC_EXT_2's customer survives, the winner's former customer merged into it
    assert points(world, "user-2") == 140
    assert points(world, "user-1") is None


def test_when_only_the_loser_has_a_loyalty_customer_the_winner_takes_its_key(world: RelayWorld) -> None:
    # given a winner without a loyalty key, the loser's customer ACC_EXT_2
    world.loyalty_user("user-2", "ACC_EXT_2", "two@example.com", point_accounts={"Point Account": 40})
    winner = world.contact(Email="one@example.com")
    event = contact_merged(winner, "003000000000002AAA", loyalty_key="ACC_EXT_2")
    # when the merge is applied
    merge_records(event, world.services())
    # then nothing is merged on the platform, and the winner now holds the customer's key
    assert world.loyalty.requests("/merge") == []
    assert world.record("Contact", winner)["Loyalty_External_Id__c"] == "ACC_EXT_2"
    assert points(world, "user-2") == 40


def test_a_winner_whose_own_key_names_no_customer_takes_the_losers_key(world: RelayWorld) -> None:
    # given a winner holding ACC_EXT_9, which names no loyalty customer, and the loser's customer ACC_EXT_2
    world.loyalty_user("user-2", "ACC_EXT_2", "two@example.com", point_accounts={"Point Account": 40})
    winner = world.contact(Email="one@example.com", Loyalty_External_Id__c="ACC_EXT_9")
    event = contact_merged(winner, "003000000000002AAA", loyalty_key="ACC_EXT_2")
    # when the merge is applied
    outcome = merge_records(event, world.services())
    # then the loser's customer is the winner's through its key, as the outcome says: the winner's later
    # changes find it (its dead key would have found nobody)
    assert world.record("Contact", winner)["Loyalty_External_Id__c"] == "ACC_EXT_2"
    assert outcome.detail["merged"]["loyalty"] == "customer user-2 is the winner's"
    assert world.loyalty.requests("/merge") == []


def test_with_merge_on_parent_merge_off_nothing_is_merged_and_the_merge_is_ignored(world: RelayWorld) -> None:
    world.configure(loyalty={"merge_on_parent_merge": False})
    two_loyalty_customers(world)
    winner = world.contact(Email="one@example.com", Loyalty_External_Id__c="ACC_EXT_1")
    event = contact_merged(winner, "003000000000002AAA", loyalty_key="ACC_EXT_2")
    with pytest.raises(IneligibleEvent, match="merge_on_parent_merge is off"):
        merge_records(event, world.services())
    assert world.loyalty.calls() == 0


def test_the_storefront_link_of_the_losers_customer_number_moves_to_the_winner(world: RelayWorld) -> None:
    # given the identity map linking customer 00001002 to the loser
    loser = "003000000000002AAA"
    world.link("00001002", loser)
    winner = world.contact(Email="one@example.com")
    event = contact_merged(winner, loser, customer_no="00001002")
    # when the merge is applied
    merge_records(event, world.services())
    # then the entry names the winner, and the storefront was not called (its API has no merge)
    assert world.linked_contact("00001002") == winner
    assert world.storefront.calls() == 0


def test_a_winner_without_a_customer_number_takes_the_losers_so_its_later_changes_reach_the_storefront(
    world: RelayWorld,
) -> None:
    # given the identity map linking customer 00001002 to the loser, and a winner holding no customer number
    loser = "003000000000002AAA"
    world.link("00001002", loser)
    winner = world.contact(Email="one@example.com")
    # when the merge is applied
    merge_records(contact_merged(winner, loser, customer_no="00001002"), world.services())
    # then the winner holds the number its link now names (its changes carry it, enriched)
    assert world.record("Contact", winner)["Commerce_Customer_No__c"] == "00001002"


def test_a_winner_holding_its_own_customer_number_keeps_it(world: RelayWorld) -> None:
    # given the loser linked to customer 00001002, and a winner holding its own number 00001001
    loser = "003000000000002AAA"
    world.link("00001002", loser)
    winner = world.contact(Email="one@example.com", Commerce_Customer_No__c="00001001")
    # when the merge is applied
    merge_records(contact_merged(winner, loser, customer_no="00001002"), world.services())
    # then the winner keeps its own number (a Contact names one storefront customer)
    assert world.record("Contact", winner)["Commerce_Customer_No__c"] == "00001001"
    assert world.linked_contact("00001002") == winner


def test_a_link_the_identity_map_gives_another_contact_is_left_alone(world: RelayWorld) -> None:
    world.link("00001002", "003000000000003AAA")
    winner = world.contact(Email="one@example.com")
    with pytest.raises(IneligibleEvent):
        merge_records(contact_merged(winner, "003000000000002AAA", customer_no="00001002"), world.services())
    assert world.linked_contact("00001002") == "003000000000003AAA"


def test_a_merge_of_records_neither_of_which_has_a_loyalty_customer_is_ignored_saying_so(world: RelayWorld) -> None:
    winner = world.contact(Email="one@example.com")
    with pytest.raises(IneligibleEvent, match="the loser has no loyalty customer"):
        merge_records(contact_merged(winner, "003000000000002AAA"), world.services())


def test_a_winner_holding_the_losers_key_with_no_customer_of_its_own_keeps_that_customer(world: RelayWorld) -> None:
    world.loyalty_user("user-2", "ACC_EXT_2", "two@example.com", point_accounts={"Point Account": 40})
    winner = world.contact(Email="two@example.com", Loyalty_External_Id__c="ACC_EXT_2")
    with pytest.raises(IneligibleEvent, match="its customer survives, nothing to merge"):
        merge_records(contact_merged(winner, "003000000000002AAA", loyalty_key="ACC_EXT_2"), world.services())
    assert points(world, "user-2") == 40


def test_an_account_merge_when_the_loyalty_parent_is_contact_merges_nothing(world: RelayWorld) -> None:
    two_loyalty_customers(world)
    winner = world.salesforce.seed({"Account": [{"Name": "Acme", "Loyalty_External_Id__c": "ACC_EXT_1"}]})["Account"][0]
    event = contact_merged(winner, "001000000000002AAA", loyalty_key="ACC_EXT_2", sobject="Account")
    with pytest.raises(IneligibleEvent, match="Parent Object is Contact"):
        merge_records(event, world.services())
    assert world.loyalty.calls() == 0
