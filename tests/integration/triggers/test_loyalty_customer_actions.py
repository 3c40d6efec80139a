"""The loyalty customer from Service Cloud, in process against the loyalty and Salesforce emulators
over HTTP: the profile read (both search keys, Auto Sync), enrolment, update, the two sync
directions and the merge, with the Salesforce calls each one costs."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Connector, Emulator
from loyalty_world import EMAIL, EXTERNAL_ID, platform_get, seed_customer
from trigger_events import event_body

ACTIONS = "/v1/loyalty/actions"
AGENT = {"id": "agent-7", "name": "Alex Kim", "email": "alex.kim@brand.example"}


@pytest.fixture
def loyalty(loyalty_connector: Connector) -> Connector:
    """ACC_EXT_1 (user-1, sabina@example.com) on the platform, one user offer in each state."""
    seed_customer(loyalty_connector.loyalty_platform)
    return loyalty_connector


def act(connector: Connector, name: str, **data: Any) -> Any:
    return connector.trigger("offer_actions").post(event_body(name, **data), path=ACTIONS)


def configure(connector: Connector, **loyalty: Any) -> None:
    connector.configure({"loyalty": loyalty})


def profile(connector: Connector, key: str, query: str = "") -> Any:
    return connector.trigger("offer_actions").get(f"/v1/loyalty/customers/{key}{query}")


def contact(connector: Connector, **fields: Any) -> str:
    """A Contact in the emulated org, created by its admin (not counted as the connector's calls)."""
    ids = connector.salesforce.seed({"Contact": [{"LastName": "Rossi", **fields}]})
    return str(ids["Contact"][0])


def contact_fields(connector: Connector, contact_id: str) -> dict[str, Any]:
    return connector.salesforce.one("Contact", Id=contact_id)


def salesforce_writes(connector: Connector) -> int:
    ops = connector.salesforce.counters()["by_operation"]
    return int(sum(ops[op] for op in ("create", "update", "upsert", "delete", "composite", "collections")))


def platform_users(platform: Emulator, **search: str) -> list[dict[str, Any]]:
    return list(platform_get(platform, "/users/search", **search)["users"])


# -- the profile -----------------------------------------------------------------------------------
def test_the_profile_by_external_id_shows_demographics_points_and_offers_by_state(loyalty: Connector) -> None:
    # given ACC_EXT_1 on the platform; when the profile is read by its external id
    reply = profile(loyalty, EXTERNAL_ID)
    # then it shows what the profile component shows
    assert reply.status == 200, reply.body
    body = reply.body
    assert (body["customer_id"], body["email"], body["first_name"]) == ("user-1", EMAIL, "Sabina")
    assert body["member_status"] == "good" and body["enrolled"] is True and body["suspended"] is False
    assert body["point_accounts"] == [{"name": "Point Account", "available_balance": 1200, "life_time_value": 1200}]
    assert body["available_points"] == 1200 and body["lifetime_value"] == 1200
    offers = body["offers"]
    assert sorted(o["id"] for o in offers["issued"]) == ["uo-issued", "uo-later"]
    assert [o["id"] for o in offers["redeemed"]] == ["uo-redeemed"]
    assert [o["id"] for o in offers["expired"]] == ["uo-expired"]
    assert [o["id"] for o in offers["revoked"]] == ["uo-revoked"]
    # Available: the active catalog offers that can be issued, the inactive one and the reward left out
    assert sorted(o["id"] for o in offers["available"]) == ["offer-5-off-check", "offer-free-shipping"]
    assert body["salesforce_sync"] is None


def test_the_profile_by_email_when_search_by_external_id_is_off(loyalty: Connector) -> None:
    configure(loyalty, search_by_external_id=False)
    reply = profile(loyalty, EMAIL)
    assert reply.status == 200, reply.body
    assert reply.body["customer_id"] == "user-1" and reply.body["external_id"] == EXTERNAL_ID


@pytest.mark.parametrize(
    ("search_by_external_id", "key"),
    [(True, "sabina@example.com"), (True, "two%20words"), (False, "ACC_EXT_1"), (False, "not@an@email")],
)
def test_a_malformed_key_is_a_422_naming_key(loyalty: Connector, search_by_external_id: bool, key: str) -> None:
    configure(loyalty, search_by_external_id=search_by_external_id)
    reply = profile(loyalty, key)
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["key"]


def test_a_malformed_salesforce_id_for_auto_sync_is_a_422_naming_it(loyalty: Connector) -> None:
    reply = profile(loyalty, EXTERNAL_ID, "?salesforce_id=003-not-an-id")
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["salesforce_id"]


def test_an_external_id_that_cannot_be_a_key_is_refused_before_anything_is_created(loyalty: Connector) -> None:
    reply = act(loyalty, "customer.enroll", customer={"external_id": "EXT/1", "email": "ash.sm@example.com"})
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "customer", "external_id"]
    assert platform_users(loyalty.loyalty_platform, email="ash.sm@example.com") == []


def test_a_customer_not_on_the_platform_is_a_404_saying_they_can_be_enrolled(loyalty: Connector) -> None:
    reply = profile(loyalty, "ACC_EXT_404")
    assert reply.status == 404, reply.body
    assert reply.body["errors"][0]["loc"] == ["key"]
    assert "can be enrolled" in reply.body["errors"][0]["msg"]


def test_auto_sync_writes_only_the_differing_fields_in_one_read_and_one_update(loyalty: Connector) -> None:
    # given a Contact whose first name and birthdate differ from the platform's, Auto Sync on
    configure(loyalty, auto_sync_from_loyalty=True)
    contact_id = contact(loyalty, FirstName="Sabrina", Email=EMAIL, Loyalty_External_Id__c=EXTERNAL_ID)
    loyalty.trigger("offer_actions").warm()
    before = loyalty.salesforce.calls()
    # when the profile is read with the record's Id
    reply = profile(loyalty, EXTERNAL_ID, f"?salesforce_id={contact_id}")
    # then the differing field is written, in one read and one update
    assert reply.status == 200, reply.body
    assert reply.body["salesforce_sync"] == {"status": "updated", "salesforce_id": contact_id, "fields": ["FirstName"]}
    assert contact_fields(loyalty, contact_id)["FirstName"] == "Sabina"
    assert loyalty.salesforce.calls() - before == 2
    # and read again, nothing differs: the one read only
    again = profile(loyalty, EXTERNAL_ID, f"?salesforce_id={contact_id}")
    assert again.body["salesforce_sync"]["status"] == "unchanged"
    assert loyalty.salesforce.calls() - before == 3


def test_without_auto_sync_a_profile_read_costs_no_salesforce_call(loyalty: Connector) -> None:
    contact_id = contact(loyalty, FirstName="Sabrina", Email=EMAIL)
    loyalty.trigger("offer_actions").warm()  # its cold-start schema check done
    before = loyalty.salesforce.calls()
    reply = profile(loyalty, EXTERNAL_ID, f"?salesforce_id={contact_id}")
    assert reply.status == 200 and reply.body["salesforce_sync"] is None
    assert loyalty.salesforce.calls() == before


# -- customer.update -------------------------------------------------------------------------------
def test_an_update_changes_the_platform_and_the_mapped_contact_field(loyalty: Connector) -> None:
    contact_id = contact(loyalty, FirstName="Sabina", Email=EMAIL, Loyalty_External_Id__c=EXTERNAL_ID)
    reply = act(
        loyalty,
        "customer.update",
        customer={"external_id": EXTERNAL_ID},
        changes={"last_name": "Bianchi", "gender": "female"},
        salesforce_id=contact_id,
    )
    assert reply.status == 200, reply.body
    assert reply.body["changed"] == ["gender", "last_name"] and reply.body["audit"] == "queued"
    assert reply.body["salesforce_record"] == {"status": "updated", "salesforce_id": contact_id, "fields": ["LastName"]}
    user = platform_get(loyalty.loyalty_platform, "/users/user-1")["user"]
    assert (user["last_name"], user["gender"]) == ("Bianchi", "female")
    assert contact_fields(loyalty, contact_id)["LastName"] == "Bianchi"


def test_an_update_finds_the_contact_by_its_external_id_when_no_id_is_given(loyalty: Connector) -> None:
    contact_id = contact(loyalty, Email=EMAIL, Loyalty_External_Id__c=EXTERNAL_ID)
    reply = act(
        loyalty,
        "customer.update",
        customer={"external_id": EXTERNAL_ID},
        changes={"phone": "+39 06 555"},
        salesforce_id=None,
    )
    assert reply.status == 200, reply.body
    assert reply.body["salesforce_record"]["salesforce_id"] == contact_id
    assert contact_fields(loyalty, contact_id)["Phone"] == "+39 06 555"


def test_a_value_the_contact_refuses_is_a_422_and_the_platform_is_left_unchanged(loyalty: Connector) -> None:
    # given a Contact, whose LastName holds 80 characters
    contact_id = contact(loyalty, Email=EMAIL, Loyalty_External_Id__c=EXTERNAL_ID)
    # when the agent sets a last name of 100
    reply = act(
        loyalty,
        "customer.update",
        customer={"external_id": EXTERNAL_ID},
        changes={"last_name": "R" * 100},
        salesforce_id=contact_id,
    )
    # then Salesforce's refusal names the field, and nothing changed on the platform
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["salesforce", "LastName"]
    assert platform_get(loyalty.loyalty_platform, "/users/user-1")["user"]["last_name"] == "Rossi"


@pytest.mark.parametrize("field", ["email", "external_id", "tier"])
def test_a_field_that_is_not_editable_is_a_422_and_nothing_changes(loyalty: Connector, field: str) -> None:
    reply = act(
        loyalty, "customer.update", customer={"external_id": EXTERNAL_ID}, changes={"first_name": "X", field: "y"}
    )
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "changes", field]
    assert platform_get(loyalty.loyalty_platform, "/users/user-1")["user"]["first_name"] == "Sabina"


def test_an_update_while_salesforce_is_down_is_applied_and_the_record_written_from_the_queue(
    loyalty: Connector,
) -> None:
    # given Salesforce down
    contact_id = contact(loyalty, Email=EMAIL, Loyalty_External_Id__c=EXTERNAL_ID)
    configure(loyalty, audit_tasks=False)
    loyalty.salesforce.fault(status=503, match="/sobjects/Contact")
    # when the agent changes the last name
    reply = act(
        loyalty,
        "customer.update",
        customer={"external_id": EXTERNAL_ID},
        changes={"last_name": "Bianchi"},
        salesforce_id=contact_id,
    )
    # then the platform has it and the record's update is queued
    assert reply.status == 200, reply.body
    assert reply.body["salesforce_record"]["status"] == "queued"
    assert platform_get(loyalty.loyalty_platform, "/users/user-1")["user"]["last_name"] == "Bianchi"
    # and once Salesforce is back, the queue writes it
    loyalty.salesforce.clear_faults()
    loyalty.trigger("offer_actions").drain_queue()
    assert contact_fields(loyalty, contact_id)["LastName"] == "Bianchi"


# -- customer.enroll -------------------------------------------------------------------------------
def test_an_enrolment_without_external_id_takes_the_record_id_and_writes_it_back(loyalty: Connector) -> None:
    contact_id = contact(loyalty, FirstName="Ash", Email="ash.sm@example.com")
    reply = act(
        loyalty,
        "customer.enroll",
        customer={"external_id": None, "salesforce_id": contact_id, "email": "ash.sm@example.com", "first_name": "Ash"},
    )
    assert reply.status == 200, reply.body
    assert reply.body["customer"]["external_id"] == contact_id and reply.body["enrolled"] is True
    assert reply.body["salesforce_record"]["status"] == "updated"
    assert contact_fields(loyalty, contact_id)["Loyalty_External_Id__c"] == contact_id
    assert platform_users(loyalty.loyalty_platform, external_id=contact_id)[0]["first_name"] == "Ash"


def test_an_enrolment_leaves_a_completed_task_on_the_contact_from_the_queue(loyalty: Connector) -> None:
    contact_id = contact(loyalty, Email="ash.sm@example.com")
    reply = act(
        loyalty,
        "customer.enroll",
        customer={"external_id": None, "salesforce_id": contact_id, "email": "ash.sm@example.com"},
    )
    assert reply.status == 200 and reply.body["audit"] == "queued", reply.body
    loyalty.trigger("offer_actions").drain_queue()
    task = loyalty.salesforce.one("Task", WhoId=contact_id)
    assert (task["Subject"], task["Status"]) == ("Loyalty: customer enrolled", "Completed")
    assert "Alex Kim" in task["Description"]


def test_an_enrolment_with_an_external_id_keeps_it_and_writes_nothing_in_salesforce(loyalty: Connector) -> None:
    contact_id = contact(loyalty, Email="ash.sm@example.com")
    loyalty.trigger("offer_actions").warm()  # its cold-start schema check done
    before = loyalty.salesforce.calls()
    reply = act(
        loyalty,
        "customer.enroll",
        customer={"external_id": "ACC_EXT_9", "salesforce_id": contact_id, "email": "ash.sm@example.com"},
    )
    assert reply.status == 200, reply.body
    assert reply.body["customer"]["external_id"] == "ACC_EXT_9"
    assert reply.body["salesforce_record"]["status"] == "unchanged"
    assert loyalty.salesforce.calls() == before


def test_enrolling_a_member_again_is_a_409_naming_their_platform_id(loyalty: Connector) -> None:
    reply = act(loyalty, "customer.enroll", customer={"external_id": EXTERNAL_ID, "email": EMAIL})
    assert reply.status == 409, reply.body
    assert "user-1" in reply.body["errors"][0]["msg"]


def test_enroll_in_loyalty_off_creates_a_customer_who_is_not_a_member(loyalty: Connector) -> None:
    configure(loyalty, enroll_in_loyalty=False)
    reply = act(loyalty, "customer.enroll", customer={"external_id": "ACC_EXT_9", "email": "ash.sm@example.com"})
    assert reply.status == 200, reply.body
    assert reply.body["enrolled"] is False
    assert platform_users(loyalty.loyalty_platform, external_id="ACC_EXT_9")[0]["enrolled"] is False


def test_a_customer_on_the_platform_who_is_not_a_member_is_enrolled_by_an_enrolment(loyalty: Connector) -> None:
    # given a customer a sync created while Enroll in Loyalty was off
    configure(loyalty, enroll_in_loyalty=False)
    customer = {"external_id": "ACC_EXT_9", "email": "ash.sm@example.com"}
    created = act(loyalty, "customer.enroll", customer=customer)
    assert created.status == 200 and created.body["enrolled"] is False, created.body
    # when the setting is on and the agent enrols them
    configure(loyalty, enroll_in_loyalty=True)
    enrolled = act(loyalty, "customer.enroll", customer=customer)
    # then the same customer is now a member
    assert enrolled.status == 200, enrolled.body
    assert (enrolled.body["customer_id"], enrolled.body["enrolled"]) == (created.body["customer_id"], True)


def test_an_enrolment_naming_a_record_salesforce_lacks_is_a_404_and_creates_nobody(loyalty: Connector) -> None:
    reply = act(
        loyalty,
        "customer.enroll",
        customer={"external_id": None, "salesforce_id": "003000000000404AAA", "email": "ash.sm@example.com"},
    )
    assert reply.status == 404, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "customer", "salesforce_id"]
    assert platform_users(loyalty.loyalty_platform, email="ash.sm@example.com") == []


def test_an_enrolment_while_salesforce_is_down_stands_and_the_write_back_is_queued(loyalty: Connector) -> None:
    contact_id = contact(loyalty, Email="ash.sm@example.com")
    configure(loyalty, audit_tasks=False)
    loyalty.salesforce.fault(status=503, match="/sobjects/Contact")
    reply = act(
        loyalty,
        "customer.enroll",
        customer={"external_id": None, "salesforce_id": contact_id, "email": "ash.sm@example.com"},
    )
    assert reply.status == 200, reply.body
    assert reply.body["salesforce_record"]["status"] == "queued"
    assert platform_users(loyalty.loyalty_platform, external_id=contact_id)
    loyalty.salesforce.clear_faults()
    loyalty.trigger("offer_actions").drain_queue()
    assert contact_fields(loyalty, contact_id)["Loyalty_External_Id__c"] == contact_id


def test_a_replayed_enrolment_answers_the_same_and_enrols_once(loyalty: Connector) -> None:
    body = event_body("customer.enroll", customer={"external_id": "ACC_EXT_9", "email": "ash.sm@example.com"})
    first = loyalty.trigger("offer_actions").post(body, path=ACTIONS)
    again = loyalty.trigger("offer_actions").post(body, path=ACTIONS)
    assert first.status == 200 and (again.status, again.body) == (first.status, first.body)
    assert len(platform_users(loyalty.loyalty_platform, email="ash.sm@example.com")) == 1


# -- customer.sync ---------------------------------------------------------------------------------
def sync(connector: Connector, contact_id: str, direction: str = "to_loyalty", **fields: Any) -> Any:
    return act(
        connector,
        "customer.sync",
        direction=direction,
        salesforce_object="Contact",
        salesforce_id=contact_id,
        fields=fields,
    )


def test_with_sync_customer_changes_off_a_salesforce_change_is_ignored_with_the_reason(loyalty: Connector) -> None:
    reply = sync(loyalty, "003000000000001AAA", FirstName="Sabine", Loyalty_External_Id__c=EXTERNAL_ID)
    assert reply.status == 200, reply.body
    assert reply.body["status"] == "ignored" and "sync_customer_changes" in reply.body["reason"]


def test_with_sync_on_a_changed_contact_updates_its_loyalty_customer(loyalty: Connector) -> None:
    configure(loyalty, sync_customer_changes=True)
    reply = sync(
        loyalty,
        "003000000000001AAA",
        FirstName="Sabine",
        LastName="Rossi",
        Title="CEO",
        Loyalty_External_Id__c=EXTERNAL_ID,
    )
    assert reply.status == 200, reply.body
    assert (reply.body["created"], reply.body["loyalty_fields"], reply.body["ignored_fields"]) == (
        False,
        ["first_name"],
        ["Title"],
    )
    assert platform_get(loyalty.loyalty_platform, "/users/user-1")["user"]["first_name"] == "Sabine"


def test_with_sync_on_a_new_contact_creates_its_customer_keyed_by_the_contact_id(loyalty: Connector) -> None:
    configure(loyalty, sync_customer_changes=True, enroll_in_loyalty=False)
    contact_id = contact(loyalty, FirstName="Noa", Email="noa@example.com")
    reply = sync(
        loyalty, contact_id, FirstName="Noa", LastName="Levi", Email="noa@example.com", Loyalty_External_Id__c=None
    )
    assert reply.status == 200, reply.body
    assert reply.body["created"] is True and reply.body["customer"]["enrolled"] is False
    assert platform_users(loyalty.loyalty_platform, external_id=contact_id)[0]["last_name"] == "Levi"
    assert contact_fields(loyalty, contact_id)["Loyalty_External_Id__c"] == contact_id


def test_a_sync_to_loyalty_that_changes_nothing_costs_no_call_but_the_platform_read(loyalty: Connector) -> None:
    configure(loyalty, sync_customer_changes=True)
    loyalty.trigger("offer_actions").warm()
    salesforce_before = loyalty.salesforce.calls()
    platform_before = loyalty.loyalty_platform.calls()
    reply = sync(
        loyalty, "003000000000001AAA", FirstName="Sabina", LastName="Rossi", Loyalty_External_Id__c=EXTERNAL_ID
    )
    assert reply.status == 200, reply.body
    assert reply.body["loyalty_fields"] == [] and reply.body["audit"] == "skipped"
    assert loyalty.salesforce.calls() == salesforce_before
    assert loyalty.loyalty_platform.calls() - platform_before == 1


def test_a_sync_of_another_object_than_the_parent_object_is_a_422(loyalty: Connector) -> None:
    configure(loyalty, sync_customer_changes=True)
    reply = act(
        loyalty,
        "customer.sync",
        direction="to_loyalty",
        salesforce_object="Account",
        salesforce_id="001000000000001AAA",
        fields={"FirstName": "Sabine"},
    )
    assert reply.status == 422 and reply.body["errors"][0]["loc"] == ["data", "salesforce_object"]


def test_sync_from_loyalty_writes_the_platform_values_into_the_contact(loyalty: Connector) -> None:
    # given a Contact whose names differ from the platform's (the setting is off: the button works anyway)
    contact_id = contact(loyalty, FirstName="Sab", LastName="R.", Email=EMAIL, Loyalty_External_Id__c=EXTERNAL_ID)
    reply = sync(loyalty, contact_id, direction="from_loyalty")
    assert reply.status == 200, reply.body
    assert reply.body["salesforce_record"]["fields"] == ["FirstName", "LastName"]
    written = contact_fields(loyalty, contact_id)
    assert (written["FirstName"], written["LastName"]) == ("Sabina", "Rossi")


def test_a_sync_from_loyalty_that_changes_nothing_costs_one_read_and_no_write(loyalty: Connector) -> None:
    contact_id = contact(loyalty, FirstName="Sabina", LastName="Rossi", Email=EMAIL, Loyalty_External_Id__c=EXTERNAL_ID)
    loyalty.trigger("offer_actions").warm()
    before, writes_before = loyalty.salesforce.calls(), salesforce_writes(loyalty)
    reply = sync(loyalty, contact_id, direction="from_loyalty")
    assert reply.status == 200, reply.body
    assert reply.body["salesforce_record"]["status"] == "unchanged" and reply.body["audit"] == "skipped"
    assert loyalty.salesforce.calls() - before == 1
    assert salesforce_writes(loyalty) == writes_before


# -- customer.merge --------------------------------------------------------------------------------
@pytest.fixture
def two_customers(loyalty: Connector) -> Connector:
    """ACC_EXT_1 (user-1, 1200 points) and ACC_EXT_2 (user-2, 300 points)."""
    loyalty.loyalty_platform.seed(
        {
            "users": [
                {
                    "id": "user-2",
                    "external_id": "ACC_EXT_2",
                    "email": "sabina.rossi@example.com",
                    "point_accounts": {"Point Account": 300},
                }
            ]
        }
    )
    return loyalty


def merge(connector: Connector, survivor: str, victim: str) -> Any:
    return act(connector, "customer.merge", survivor={"external_id": survivor}, victim={"external_id": victim})


def test_a_merge_that_kept_the_survivors_key_keeps_acc_ext_1(two_customers: Connector) -> None:
    reply = merge(two_customers, "ACC_EXT_1", "ACC_EXT_2")
    assert reply.status == 200, reply.body
    assert (reply.body["customer_id"], reply.body["victim_id"]) == ("user-1", "user-2")
    assert platform_users(two_customers.loyalty_platform, external_id="ACC_EXT_2") == []
    assert platform_get(two_customers.loyalty_platform, "/users/user-1/points")["available_points"] == 1500


def test_a_merge_that_overwrote_the_survivors_key_keeps_acc_ext_2(two_customers: Connector) -> None:
    # the surviving Salesforce record now holds the victim's ACC_EXT_2: that customer survives
    reply = merge(two_customers, "ACC_EXT_2", "ACC_EXT_1")
    assert reply.status == 200, reply.body
    assert (reply.body["customer_id"], reply.body["victim_id"]) == ("user-2", "user-1")
    assert platform_users(two_customers.loyalty_platform, external_id="ACC_EXT_1") == []
    assert platform_get(two_customers.loyalty_platform, "/users/user-2/points")["available_points"] == 1500


def test_a_merge_whose_keys_name_one_customer_is_ignored_as_nothing_to_merge(two_customers: Connector) -> None:
    configure(two_customers, search_by_external_id=False)
    reply = act(two_customers, "customer.merge", survivor={"email": EMAIL}, victim={"email": EMAIL.upper()})
    assert reply.status == 200 and reply.body["status"] == "ignored", reply.body
    assert "nothing to merge" in reply.body["reason"]


def test_with_merge_on_parent_merge_off_a_merge_is_ignored(two_customers: Connector) -> None:
    configure(two_customers, merge_on_parent_merge=False)
    reply = merge(two_customers, "ACC_EXT_1", "ACC_EXT_2")
    assert reply.status == 200 and reply.body["status"] == "ignored", reply.body
    assert len(platform_users(two_customers.loyalty_platform, external_id="ACC_EXT_2")) == 1


def test_a_replayed_merge_answers_the_same_and_merges_once(two_customers: Connector) -> None:
    body = event_body("customer.merge")
    first = two_customers.trigger("offer_actions").post(body, path=ACTIONS)
    again = two_customers.trigger("offer_actions").post(body, path=ACTIONS)
    assert first.status == 200 and (again.status, again.body) == (first.status, first.body)
    assert platform_get(two_customers.loyalty_platform, "/users/user-1/points")["available_points"] == 1500


# -- person accounts as parent records ----------------------------------------------------------------
def person_account(connector: Connector, **fields: Any) -> str:
    connector.salesforce.enable_person_accounts()
    record_type = connector.salesforce.one("RecordType", DeveloperName="PersonAccount")["Id"]
    ids = connector.salesforce.seed({"Account": [{"RecordTypeId": record_type, "LastName": "Rossi", **fields}]})
    return str(ids["Account"][0])


def test_with_account_as_parent_object_an_update_writes_the_person_accounts_mapped_field(loyalty: Connector) -> None:
    # given person accounts as parent records, found by their Loyalty_External_Id__c
    configure(loyalty, parent_object="Account")
    account_id = person_account(loyalty, PersonEmail=EMAIL, Loyalty_External_Id__c=EXTERNAL_ID)
    # when the agent changes the phone and the city, naming no record
    reply = act(
        loyalty,
        "customer.update",
        customer={"external_id": EXTERNAL_ID},
        changes={"phone": "+39 06 555", "city": "Roma"},
        salesforce_object="Account",
        salesforce_id=None,
    )
    # then the person account holds them in its mapped fields (Phone, BillingCity)
    assert reply.status == 200, reply.body
    account = loyalty.salesforce.one("Account", Id=account_id)
    assert (account["Phone"], account["BillingCity"]) == ("+39 06 555", "Roma")


def test_with_account_as_parent_object_sync_from_loyalty_writes_the_person_account(loyalty: Connector) -> None:
    configure(loyalty, parent_object="Account")
    account_id = person_account(loyalty, FirstName="S.", PersonEmail=EMAIL, Loyalty_External_Id__c=EXTERNAL_ID)
    reply = act(
        loyalty,
        "customer.sync",
        direction="from_loyalty",
        salesforce_object="Account",
        salesforce_id=account_id,
        fields={},
    )
    assert reply.status == 200, reply.body
    assert reply.body["salesforce_record"]["fields"] == ["FirstName"]
    assert loyalty.salesforce.one("Account", Id=account_id)["FirstName"] == "Sabina"


def test_an_update_the_platform_fails_is_503_and_leaves_the_contact_unchanged(loyalty: Connector) -> None:
    # given a Contact, and the platform failing the customer's next update
    contact_id = contact(loyalty, LastName="Rossi", Email=EMAIL, Loyalty_External_Id__c=EXTERNAL_ID)
    loyalty.loyalty_platform.fault(status=503, count=1, match="PUT /priv/v1/apps/local-loyalty-key/users/user-1")
    # when the agent changes the last name
    reply = act(
        loyalty,
        "customer.update",
        customer={"external_id": EXTERNAL_ID},
        changes={"last_name": "Bianchi"},
        salesforce_id=contact_id,
    )
    # then 503, and neither the platform nor the Contact changed (nothing half-done)
    assert reply.status == 503, reply.body
    assert platform_get(loyalty.loyalty_platform, "/users/user-1")["user"]["last_name"] == "Rossi"
    assert contact_fields(loyalty, contact_id)["LastName"] == "Rossi"


def test_an_enrolment_refused_by_the_platform_leaves_the_contact_without_an_external_id(loyalty: Connector) -> None:
    # given a Contact without external id, whose email another loyalty customer already has
    contact_id = contact(loyalty, LastName="Rossi", Email=EMAIL)
    # when the agent enrols it with that email
    reply = act(loyalty, "customer.enroll", customer={"external_id": None, "salesforce_id": contact_id, "email": EMAIL})
    # then 409, and the Contact does not keep its Id as the key of a customer who does not exist
    assert reply.status == 409, reply.body
    assert not contact_fields(loyalty, contact_id).get("Loyalty_External_Id__c")


def test_a_sync_the_platform_refuses_to_create_leaves_the_contact_without_an_external_id(loyalty: Connector) -> None:
    # given Sync Customer Changes on, and a new Contact whose email another loyalty customer has
    configure(loyalty, sync_customer_changes=True)
    contact_id = contact(loyalty, LastName="Rossi", Email=EMAIL)
    # when the flow sends it
    fields = {"LastName": "Rossi", "Email": EMAIL, "Loyalty_External_Id__c": None}
    reply = act(loyalty, "customer.sync", direction="to_loyalty", salesforce_id=contact_id, fields=fields)
    # then refused, and the Contact does not keep its Id as the key of a customer who does not exist
    assert reply.status == 409, reply.body
    assert not contact_fields(loyalty, contact_id).get("Loyalty_External_Id__c")


def test_a_sync_sent_with_a_15_character_id_writes_back_the_key_the_customer_was_created_with(
    loyalty: Connector,
) -> None:
    # given Sync Customer Changes on, and a new Contact without external id, sent by its 15-character Id
    configure(loyalty, sync_customer_changes=True)
    contact_id = contact(loyalty, LastName="Lovelace", Email="ada@example.com")
    fields = {"LastName": "Lovelace", "Email": "ada@example.com", "Loyalty_External_Id__c": None}
    # when the flow sends it
    reply = act(loyalty, "customer.sync", direction="to_loyalty", salesforce_id=contact_id[:15], fields=fields)
    # then the Contact holds the very key the new customer has: the Id's 18-character form
    assert reply.status == 200, reply.body
    assert reply.body["customer"]["external_id"] == contact_id
    assert contact_fields(loyalty, contact_id)["Loyalty_External_Id__c"] == contact_id
