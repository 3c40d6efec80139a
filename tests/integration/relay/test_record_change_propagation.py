"""propagate_record_change against the emulators over HTTP: a Contact changed in Service Cloud reaches
its storefront customer (OCAPI Data API customer PATCH) and its loyalty customer (profile update),
each when linked and allowed; the connector's own changes, unlinked records and unmapped changes go
nowhere; refusals and outages end as the sync state and the queue need them to."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import RelayWorld
from relayed_events import contact_change

from connector.errors import IneligibleEvent, RefusedByPlatform, TransientError
from connector.relay.changes import propagate_record_change

# The storefront's site RefArch keeps its customers in the list RefArchGlobal (the emulator's default).
STOREFRONT = {"sync_salesforce_changes": True, "site_customer_lists": {"RefArch": "RefArchGlobal"}}
BOTH_ON = {"commerce": STOREFRONT, "loyalty": {"sync_customer_changes": True}}
# A storefront customer's address book: the preferred address is the one the Contact's Mailing fields hold.
OFFICE = {"address_id": "office", "address1": "Corso Como 9", "city": "Milano", "country_code": "IT"}
HOME = {"address_id": "home", "address1": "Via Roma 1", "city": "Milano", "country_code": "IT", "preferred": True}
CUSTOMERS = "/s/-/dw/data/v24_5/customer_lists/RefArchGlobal/customers"


def patched(world: RelayWorld) -> dict[str, Any]:
    """What the storefront was sent: PATCH path (under the customer list) -> body."""
    return {p["path"].removeprefix(CUSTOMERS): p["json"] for p in world.storefront_patches()}


def linked_contact(world: RelayWorld, customer_no: str, loyalty_key: str, email: str) -> str:
    """A Contact linked to storefront customer `customer_no` (identity map) and loyalty customer `loyalty_key`."""
    contact_id = world.contact(Email=email, Commerce_Customer_No__c=customer_no, Loyalty_External_Id__c=loyalty_key)
    world.customer(customer_no, email=email, first_name="Sabina", addresses=[HOME, OFFICE])
    world.link(customer_no, contact_id)
    world.loyalty_user(f"user-{customer_no}", loyalty_key, email, first_name="Sabina", city="Milano")
    return contact_id


def link_keys(customer_no: str, loyalty_key: str) -> dict[str, str]:
    return {"Commerce_Customer_No__c": customer_no, "Loyalty_External_Id__c": loyalty_key}


def email_and_city_change(world: RelayWorld, contact_ids: list[str], keys: dict[str, Any], **more: Any) -> Any:
    return contact_change(
        contact_ids,
        changed=["Email", "MailingAddress.City"],
        Email="sabina.new@example.com",
        MailingAddress={"City": "Lyon"},
        **keys,
        **more,
    )


@pytest.fixture
def both_on(world: RelayWorld) -> RelayWorld:
    world.configure(**BOTH_ON)
    return world


def test_an_update_of_email_and_city_patches_the_customer_and_its_preferred_address(both_on: RelayWorld) -> None:
    # given a Contact linked to storefront customer 00001001 and loyalty customer ACC_EXT_1
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    [event] = email_and_city_change(both_on, [contact_id], link_keys("00001001", "ACC_EXT_1"))
    # when the change is propagated
    propagate_record_change(event, both_on.services())
    # then exactly the changed fields: the email in one customer PATCH, the city in one PATCH of the
    # preferred address (the Data API keeps the address book apart from the customer document)
    assert patched(both_on) == {
        "/00001001": {"email": "sabina.new@example.com"},
        "/00001001/addresses/home": {"city": "Lyon"},
    }


def test_an_update_of_email_and_city_updates_the_loyalty_customer_with_both(both_on: RelayWorld) -> None:
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    keys = {"Commerce_Customer_No__c": "00001001", "Loyalty_External_Id__c": "ACC_EXT_1"}
    [event] = email_and_city_change(both_on, [contact_id], keys)
    propagate_record_change(event, both_on.services())
    [update] = both_on.loyalty_updates()
    assert update["json"] == {"user": {"email": "sabina.new@example.com", "city": "Lyon"}}
    user = both_on.loyalty_get("/users/user-00001001")["user"]
    assert (user["email"], user["city"], user["first_name"]) == ("sabina.new@example.com", "Lyon", "Sabina")


def test_changes_of_two_linked_contacts_reach_each_ones_customers(both_on: RelayWorld) -> None:
    # given two linked Contacts changed in one transaction; an enriched channel sends one event per
    # record ("if change event messages are enriched, single event messages are sent because the
    # external ID field values could be different for each record": cdc_enrich_considerations.htm)
    first = linked_contact(both_on, "00001001", "ACC_EXT_1", "one@example.com")
    second = linked_contact(both_on, "00001002", "ACC_EXT_2", "two@example.com")
    events = [
        event
        for record, customer_no, key in ((first, "00001001", "ACC_EXT_1"), (second, "00001002", "ACC_EXT_2"))
        for event in contact_change(
            [record],
            changed=["Email", "MailingAddress.City"],
            Email=f"new.{customer_no}@example.com",
            MailingAddress={"City": "Lyon"},
            **link_keys(customer_no, key),
        )
    ]
    # when each is propagated
    for event in events:
        propagate_record_change(event, both_on.services())
    # then per storefront customer one PATCH of its email and one of its address, and one update per
    # loyalty customer
    assert patched(both_on) == {
        "/00001001": {"email": "new.00001001@example.com"},
        "/00001001/addresses/home": {"city": "Lyon"},
        "/00001002": {"email": "new.00001002@example.com"},
        "/00001002/addresses/home": {"city": "Lyon"},
    }
    updates = {u["path"].rsplit("/", 1)[1]: u["json"]["user"] for u in both_on.loyalty_updates()}
    assert updates == {
        "user-00001001": {"email": "new.00001001@example.com", "city": "Lyon"},
        "user-00001002": {"email": "new.00001002@example.com", "city": "Lyon"},
    }


def test_an_update_that_carries_its_link_keys_costs_no_salesforce_call(both_on: RelayWorld) -> None:
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    keys = {"Commerce_Customer_No__c": "00001001", "Loyalty_External_Id__c": "ACC_EXT_1"}
    [event] = email_and_city_change(both_on, [contact_id], keys)
    before = both_on.salesforce.calls()
    propagate_record_change(event, both_on.services())
    assert both_on.salesforce.calls() == before


def test_a_change_by_the_connectors_integration_user_is_ignored_and_calls_no_platform(both_on: RelayWorld) -> None:
    # given a change committed by the user the connector's OAuth token acts as (its identity URL)
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    keys = {"Commerce_Customer_No__c": "00001001", "Loyalty_External_Id__c": "ACC_EXT_1"}
    [event] = email_and_city_change(both_on, [contact_id], keys, commit_user=both_on.integration_user())
    storefront, loyalty = both_on.storefront.calls(), both_on.loyalty.calls()
    # when it is propagated, then it is ignored saying why, and no platform is called
    with pytest.raises(IneligibleEvent, match="integration user"):
        propagate_record_change(event, both_on.services())
    assert (both_on.storefront.calls(), both_on.loyalty.calls()) == (storefront, loyalty)


def test_the_integration_user_the_config_names_is_the_one_whose_changes_are_dropped(both_on: RelayWorld) -> None:
    # given the config naming another user as the connector's
    both_on.configure(salesforce={"integration_user_id": "005000000000077AAA"})
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    keys = {"Commerce_Customer_No__c": "00001001", "Loyalty_External_Id__c": "ACC_EXT_1"}
    [named] = email_and_city_change(both_on, [contact_id], keys, commit_user="005000000000077AAA")
    [by_token_user] = email_and_city_change(both_on, [contact_id], keys, commit_user=both_on.integration_user())
    # then that user's change is dropped, and the token's user's is not
    with pytest.raises(IneligibleEvent, match="integration user"):
        propagate_record_change(named, both_on.services())
    propagate_record_change(by_token_user, both_on.services())
    assert list(patched(both_on)) == ["/00001001", "/00001001/addresses/home"]


def test_a_create_of_a_contact_linked_nowhere_is_ignored_with_the_reasons(both_on: RelayWorld) -> None:
    contact_id = both_on.contact(Email="new@example.com")
    [event] = contact_change(
        [contact_id], "CREATE", Name={"FirstName": "Ada", "LastName": "Lovelace"}, Email="new@example.com"
    )
    with pytest.raises(IneligibleEvent) as ignored:
        propagate_record_change(event, both_on.services())
    assert "no storefront customer number" in ignored.value.reason
    assert "no loyalty key" in ignored.value.reason
    assert both_on.storefront.calls() == 0 and both_on.loyalty.calls() == 0


def test_a_change_of_nothing_the_platforms_map_is_ignored(both_on: RelayWorld) -> None:
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    keys = {"Commerce_Customer_No__c": "00001001", "Loyalty_External_Id__c": "ACC_EXT_1"}
    [event] = contact_change([contact_id], changed=["Description"], Description="VIP", **keys)
    with pytest.raises(IneligibleEvent, match="no field the storefront maps changed"):
        propagate_record_change(event, both_on.services())
    assert both_on.storefront_patches() == [] and both_on.loyalty_updates() == []


def test_with_both_sync_settings_off_nothing_is_sent(world: RelayWorld) -> None:
    contact_id = linked_contact(world, "00001001", "ACC_EXT_1", "sabina@example.com")
    keys = {"Commerce_Customer_No__c": "00001001", "Loyalty_External_Id__c": "ACC_EXT_1"}
    [event] = email_and_city_change(world, [contact_id], keys)
    with pytest.raises(IneligibleEvent, match="are off"):
        propagate_record_change(event, world.services())
    assert world.storefront.calls() == 0 and world.loyalty.calls() == 0


def test_the_storefront_alone_when_only_its_setting_is_on(world: RelayWorld) -> None:
    world.configure(commerce=STOREFRONT)
    contact_id = linked_contact(world, "00001001", "ACC_EXT_1", "sabina@example.com")
    keys = {"Commerce_Customer_No__c": "00001001", "Loyalty_External_Id__c": "ACC_EXT_1"}
    [event] = email_and_city_change(world, [contact_id], keys)
    propagate_record_change(event, world.services())
    assert list(patched(world)) == ["/00001001", "/00001001/addresses/home"] and world.loyalty.calls() == 0


def test_a_customer_number_the_identity_map_links_to_another_contact_is_not_patched(both_on: RelayWorld) -> None:
    # given the identity map linking 00001001 to another Contact
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    both_on.link("00001001", both_on.contact(Email="other@example.com"))
    keys = {"Commerce_Customer_No__c": "00001001", "Loyalty_External_Id__c": "ACC_EXT_1"}
    [event] = email_and_city_change(both_on, [contact_id], keys)
    # then the storefront is left alone, the loyalty customer still follows
    propagate_record_change(event, both_on.services())
    assert both_on.storefront_patches() == []
    assert len(both_on.loyalty_updates()) == 1


def test_a_field_the_storefront_refuses_is_a_refusal_naming_its_fault_and_loyalty_still_follows(
    both_on: RelayWorld,
) -> None:
    # given gender mapped from a Contact field whose value the storefront does not take (1 or 2 only)
    both_on.configure(commerce={"contact_field_mapping": {"email": "Email", "gender": "Gender__c"}})
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    keys = {"Commerce_Customer_No__c": "00001001", "Loyalty_External_Id__c": "ACC_EXT_1"}
    [event] = contact_change(
        [contact_id], changed=["Email", "Gender__c"], Email="sabina.new@example.com", Gender__c="Female", **keys
    )
    # when propagated: refused with the storefront's fault type and the fields sent (never their values)
    with pytest.raises(RefusedByPlatform) as refused:
        propagate_record_change(event, both_on.services())
    assert "EnumConstraintViolationException" in refused.value.reason
    assert "email, gender" in refused.value.reason and "Female" not in refused.value.reason
    # and the loyalty customer was updated all the same
    assert both_on.loyalty_get("/users/user-00001001")["user"]["email"] == "sabina.new@example.com"


def test_a_customer_the_storefront_no_longer_has_is_a_refusal(both_on: RelayWorld) -> None:
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    both_on.storefront.admin("POST", "reset")
    keys = {"Commerce_Customer_No__c": "00001001", "Loyalty_External_Id__c": "ACC_EXT_1"}
    [event] = email_and_city_change(both_on, [contact_id], keys)
    with pytest.raises(RefusedByPlatform, match="no such customer"):
        propagate_record_change(event, both_on.services())


def test_an_email_another_loyalty_customer_has_is_a_refusal_naming_it(both_on: RelayWorld) -> None:
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    both_on.loyalty_user("user-other", "ACC_EXT_9", "sabina.new@example.com")
    keys = {"Commerce_Customer_No__c": "00001001", "Loyalty_External_Id__c": "ACC_EXT_1"}
    [event] = email_and_city_change(both_on, [contact_id], keys)
    with pytest.raises(
        RefusedByPlatform, match="loyalty refused city, email: a loyalty customer already has this email"
    ):
        propagate_record_change(event, both_on.services())


def test_a_storefront_that_is_down_is_a_transient_failure(both_on: RelayWorld) -> None:
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    both_on.storefront.fault(status=503, match="PATCH /customer_lists")
    keys = {"Commerce_Customer_No__c": "00001001", "Loyalty_External_Id__c": "ACC_EXT_1"}
    [event] = email_and_city_change(both_on, [contact_id], keys)
    with pytest.raises(TransientError):
        propagate_record_change(event, both_on.services())


def test_a_gap_event_sends_the_records_mapped_values_read_in_one_query(both_on: RelayWorld) -> None:
    # given a GAP_UPDATE (no values) of a linked Contact
    contact_id = both_on.contact(
        FirstName="Sabrina",
        Email="sabina@example.com",
        Commerce_Customer_No__c="00001001",
        Loyalty_External_Id__c="ACC_EXT_1",
    )
    both_on.customer("00001001", email="sabina@example.com", first_name="Sabina", addresses=[HOME])
    both_on.link("00001001", contact_id)
    [event] = contact_change([contact_id], "GAP_UPDATE")
    before = both_on.salesforce.calls()
    # when propagated
    propagate_record_change(event, both_on.services())
    # then one Salesforce query, and the storefront gets the record's mapped values as they are now
    assert both_on.salesforce.calls() == before + 1
    customer = patched(both_on)["/00001001"]
    assert customer["first_name"] == "Sabrina" and customer["email"] == "sabina@example.com"


def test_a_deleted_contact_is_ignored(both_on: RelayWorld) -> None:
    [event] = contact_change(["003000000000001AAA"], "DELETE")
    with pytest.raises(IneligibleEvent, match="deleted"):
        propagate_record_change(event, both_on.services())


def test_by_email_when_search_by_external_id_is_off(both_on: RelayWorld) -> None:
    both_on.configure(loyalty={"search_by_external_id": False})
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    [event] = contact_change(
        [contact_id],
        changed=["MailingAddress.City"],
        MailingAddress={"City": "Lyon"},
        Email="sabina@example.com",
        Commerce_Customer_No__c="00001001",
    )
    propagate_record_change(event, both_on.services())
    assert both_on.loyalty_get("/users/user-00001001")["user"]["city"] == "Lyon"


def test_a_field_named_changed_but_not_carried_is_not_sent_as_cleared(both_on: RelayWorld) -> None:
    # given an UPDATE naming HomePhone changed without carrying it (neither a value nor a nulled field)
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    [event] = contact_change(
        [contact_id],
        changed=["Email", "HomePhone"],
        Email="sabina.new@example.com",
        **link_keys("00001001", "ACC_EXT_1"),
    )
    event.data.values.pop("HomePhone", None)
    propagate_record_change(event, both_on.services())
    [patch] = both_on.storefront_patches()
    assert patch["json"] == {"email": "sabina.new@example.com"}


def test_a_field_cleared_in_salesforce_is_cleared_on_the_platforms(both_on: RelayWorld) -> None:
    # given a linked Contact whose home phone and phone are emptied (nulledFields)
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    [event] = contact_change(
        [contact_id], changed=["HomePhone", "Phone"], HomePhone=None, Phone=None, **link_keys("00001001", "ACC_EXT_1")
    )
    both_on.loyalty_user("user-00001001", "ACC_EXT_1", "sabina@example.com", phone="+39 02 1234")
    propagate_record_change(event, both_on.services())
    # then the storefront's phone_home and the loyalty phone are cleared
    [patch] = both_on.storefront_patches()
    assert patch["json"] == {"phone_home": None}
    assert both_on.loyalty_get("/users/user-00001001")["user"].get("phone") is None


def test_a_value_the_loyalty_profile_cannot_hold_is_a_refusal_naming_the_field(both_on: RelayWorld) -> None:
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    [event] = contact_change(
        [contact_id], changed=["Birthdate"], Birthdate="12/04/1990", **link_keys("00001001", "ACC_EXT_1")
    )
    with pytest.raises(RefusedByPlatform, match="loyalty: Birthdate must be a date"):
        propagate_record_change(event, both_on.services())


def test_a_street_of_two_lines_goes_back_as_address1_and_address2(both_on: RelayWorld) -> None:
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    [event] = contact_change(
        [contact_id],
        changed=["MailingAddress.Street", "MailingAddress.PostalCode"],
        MailingAddress={"Street": "Via Roma 2\nScala B", "PostalCode": "20121"},
        **link_keys("00001001", "ACC_EXT_1"),
    )
    propagate_record_change(event, both_on.services())
    assert patched(both_on) == {
        "/00001001/addresses/home": {"address1": "Via Roma 2", "address2": "Scala B", "postal_code": "20121"}
    }


def test_the_first_address_is_patched_when_none_is_preferred(both_on: RelayWorld) -> None:
    contact_id = both_on.contact(Commerce_Customer_No__c="00001001")
    both_on.customer("00001001", email="sabina@example.com", addresses=[OFFICE, {**HOME, "preferred": False}])
    both_on.link("00001001", contact_id)
    [event] = contact_change(
        [contact_id],
        changed=["MailingAddress.City"],
        MailingAddress={"City": "Lyon"},
        Commerce_Customer_No__c="00001001",
    )
    propagate_record_change(event, both_on.services())
    assert patched(both_on) == {"/00001001/addresses/office": {"city": "Lyon"}}


def test_a_customer_without_an_address_gets_no_address_patch_and_says_why(both_on: RelayWorld) -> None:
    both_on.configure(loyalty={"sync_customer_changes": False})
    contact_id = both_on.contact(Commerce_Customer_No__c="00001001")
    both_on.customer("00001001", email="sabina@example.com")
    both_on.link("00001001", contact_id)
    [event] = contact_change(
        [contact_id],
        changed=["MailingAddress.City"],
        MailingAddress={"City": "Lyon"},
        Commerce_Customer_No__c="00001001",
    )
    with pytest.raises(IneligibleEvent, match="no address to update"):
        propagate_record_change(event, both_on.services())
    assert both_on.storefront_patches() == []


def test_by_email_a_changed_email_still_finds_its_customer_through_the_records_external_id(both_on: RelayWorld) -> None:
    # given Search by External ID off, and a Contact's email changed (the platform has the old one)
    both_on.configure(loyalty={"search_by_external_id": False})
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    [event] = email_and_city_change(both_on, [contact_id], link_keys("00001001", "ACC_EXT_1"))
    # when propagated, then the customer keyed by the record's external id takes the new email
    propagate_record_change(event, both_on.services())
    assert both_on.loyalty_get("/users/user-00001001")["user"]["email"] == "sabina.new@example.com"


def test_one_grouped_change_naming_two_contacts_reads_each_ones_link_keys_and_reaches_both(both_on: RelayWorld) -> None:
    # given two linked Contacts, and one change event naming both: Salesforce groups records only in
    # an event without enrichment, so it carries no link keys
    first = linked_contact(both_on, "00001001", "ACC_EXT_1", "one@example.com")
    second = linked_contact(both_on, "00001002", "ACC_EXT_2", "two@example.com")
    events = contact_change([first, second], changed=["MailingAddress.City"], MailingAddress={"City": "Lyon"})
    before = both_on.salesforce.calls()
    # when each record's event is propagated
    for event in events:
        propagate_record_change(event, both_on.services())
    # then one query per record found its keys, and both customers' addresses and profiles follow
    assert both_on.salesforce.calls() == before + 2
    assert patched(both_on) == {
        "/00001001/addresses/home": {"city": "Lyon"},
        "/00001002/addresses/home": {"city": "Lyon"},
    }
    assert {u["path"].rsplit("/", 1)[1] for u in both_on.loyalty_updates()} == {"user-00001001", "user-00001002"}


def test_an_external_id_that_cannot_be_a_key_is_no_loyalty_link(both_on: RelayWorld) -> None:
    contact_id = linked_contact(both_on, "00001001", "ACC_EXT_1", "sabina@example.com")
    [event] = email_and_city_change(both_on, [contact_id], link_keys("00001001", "ACC/EXT/1"))
    propagate_record_change(event, both_on.services())
    assert both_on.loyalty.calls() == 0 and len(both_on.storefront_patches()) == 2
