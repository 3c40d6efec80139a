"""The loyalty customer from Service Cloud, end to end through the local stack: signed requests to
offer_actions, the loyalty emulator and the Salesforce emulator read back over HTTP. Each test makes
its own customers (unique keys), so the seeded ones stay as other tests expect them."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from example_events import body_of, unique
from loyalty_stack import AUTH, FUNCTIONS, with_loyalty
from salesforce_org import SalesforceOrg, wait_for

pytestmark = pytest.mark.e2e


class Platform:
    """The loyalty emulator: seeded by tests, read back with its own credentials."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")

    def seed_customer(self, external_id: str, email: str, **fields: Any) -> str:
        user = {"id": unique("u-"), "external_id": external_id, "email": email, **fields}
        requests.post(f"{self.base}/_admin/seed", json={"users": [user]}, timeout=10).raise_for_status()
        return str(user["id"])

    def users(self, **search: str) -> list[dict[str, Any]]:
        resp = requests.get(f"{self.base}/priv/v1/apps/{AUTH[0]}/users/search", params=search, auth=AUTH, timeout=10)
        resp.raise_for_status()
        return list(resp.json()["users"])

    def points(self, user_id: str) -> int:
        resp = requests.get(f"{self.base}/priv/v1/apps/{AUTH[0]}/users/{user_id}/points", auth=AUTH, timeout=10)
        return int(resp.json()["available_points"])


@pytest.fixture
def platform(stack: Any) -> Platform:
    return Platform(stack.loyalty)


@pytest.fixture
def org(stack: Any) -> Any:
    org = SalesforceOrg(stack.salesforce)
    org.clear_faults()
    yield org
    org.clear_faults()


def contact_of(org: SalesforceOrg, contact_id: str) -> dict[str, Any]:
    soql = f"SELECT FirstName, LastName, Loyalty_External_Id__c FROM Contact WHERE Id = '{contact_id}'"
    return dict(org.query(soql)[0])


def test_the_profile_is_read_by_external_id_or_by_email_per_the_setting(stack: Any, platform: Platform) -> None:
    # given a customer on the platform
    external_id, email = unique("EXT_"), f"{unique('p')}@example.com"
    user_id = platform.seed_customer(external_id, email, first_name="Ada", point_accounts={"Point Account": 40})
    # when the profile is read by external id (the default), then by email (the setting off)
    by_external_id = stack.get(f"/v1/loyalty/customers/{external_id}")
    with stack.configured(with_loyalty(search_by_external_id=False), FUNCTIONS):
        by_email = stack.get(f"/v1/loyalty/customers/{email}")
    # then both answer the same customer, with their points
    for resp in (by_external_id, by_email):
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert (body["customer_id"], body["first_name"], body["available_points"]) == (user_id, "Ada", 40)


def test_a_customer_not_on_the_platform_is_a_404_saying_they_can_be_enrolled(stack: Any) -> None:
    resp = stack.get(f"/v1/loyalty/customers/{unique('EXT_')}")
    assert resp.status_code == 404, resp.text
    assert "can be enrolled" in resp.json()["errors"][0]["msg"]


def test_an_update_changes_the_platform_and_the_mapped_contact_field(
    stack: Any, platform: Platform, org: SalesforceOrg
) -> None:
    # given a customer and their Contact
    external_id, email = unique("EXT_"), f"{unique('u')}@example.com"
    platform.seed_customer(external_id, email, last_name="Rossi")
    contact_id = org.create("Contact", {"LastName": "Rossi", "Email": email, "Loyalty_External_Id__c": external_id})
    # when the agent changes the last name
    body = body_of(
        "customer.update",
        customer={"external_id": external_id},
        changes={"last_name": "Bianchi"},
        salesforce_id=contact_id,
    )
    resp = stack.send(body)
    # then the platform and the Contact hold it
    assert resp.status_code == 200, resp.text
    assert platform.users(external_id=external_id)[0]["last_name"] == "Bianchi"
    assert contact_of(org, contact_id)["LastName"] == "Bianchi"


def test_an_enrolment_without_external_id_writes_the_contact_id_back_and_a_second_is_a_409(
    stack: Any, platform: Platform, org: SalesforceOrg
) -> None:
    # given a Contact with no loyalty external id
    email = f"{unique('e')}@example.com"
    contact_id = org.create("Contact", {"LastName": "Smith", "Email": email})
    customer = {"external_id": None, "salesforce_id": contact_id, "email": email}
    # when the agent enrols them
    first = stack.send(body_of("customer.enroll", customer=customer))
    # then the customer's external id is the Contact's Id, written back on the Contact
    assert first.status_code == 200, first.text
    assert platform.users(external_id=contact_id)[0]["email"] == email
    assert contact_of(org, contact_id)["Loyalty_External_Id__c"] == contact_id
    # and enrolled again (a new event): 409 naming the platform id
    again = stack.send(body_of("customer.enroll", customer=customer))
    assert again.status_code == 409, again.text
    assert first.json()["customer_id"] in again.json()["errors"][0]["msg"]


def test_an_enrolment_with_an_external_id_keeps_it_and_leaves_the_contact_as_it_is(
    stack: Any, platform: Platform, org: SalesforceOrg
) -> None:
    email, external_id = f"{unique('x')}@example.com", unique("EXT_")
    contact_id = org.create("Contact", {"LastName": "Smith", "Email": email})
    customer = {"external_id": external_id, "salesforce_id": contact_id, "email": email}
    resp = stack.send(body_of("customer.enroll", customer=customer))
    assert resp.status_code == 200, resp.text
    assert platform.users(email=email)[0]["external_id"] == external_id
    assert contact_of(org, contact_id)["Loyalty_External_Id__c"] is None


def test_sync_customer_changes_off_ignores_a_contact_change_and_on_applies_it(stack: Any, platform: Platform) -> None:
    external_id = unique("EXT_")
    platform.seed_customer(external_id, f"{unique('s')}@example.com", first_name="Ada")
    fields = {"FirstName": "Adele", "Loyalty_External_Id__c": external_id}
    off = stack.send(body_of("customer.sync", fields=fields))
    assert off.status_code == 200 and off.json()["status"] == "ignored", off.text
    with stack.configured(with_loyalty(sync_customer_changes=True), FUNCTIONS):
        on = stack.send(body_of("customer.sync", fields=fields))
    assert on.status_code == 200 and on.json()["loyalty_fields"] == ["first_name"], on.text
    assert platform.users(external_id=external_id)[0]["first_name"] == "Adele"


def test_sync_from_loyalty_writes_the_contact_and_a_sync_that_changes_nothing_writes_nothing(
    stack: Any, platform: Platform, org: SalesforceOrg
) -> None:
    # given a Contact whose first name the platform knows better
    external_id, email = unique("EXT_"), f"{unique('f')}@example.com"
    platform.seed_customer(external_id, email, first_name="Ada", last_name="Lovelace")
    contact_id = org.create("Contact", {"LastName": "Lovelace", "Email": email, "Loyalty_External_Id__c": external_id})
    # when synced from loyalty: the Contact takes it
    first = body_of("customer.sync", direction="from_loyalty", salesforce_id=contact_id, fields={})
    synced = stack.send(first)
    assert synced.status_code == 200, synced.text
    assert contact_of(org, contact_id)["FirstName"] == "Ada"
    # (its audit Task, written from the queue, is in before the calls are counted)
    wait_for(lambda: org.query(f"SELECT Id FROM Task WHERE Loyalty_Event_Id__c = '{first['event_id']}'"))
    # and synced again, nothing differs: the record's read only, no write (no audit Task either)
    before = org.api_calls()
    again = stack.send(body_of("customer.sync", direction="from_loyalty", salesforce_id=contact_id, fields={}))
    assert again.status_code == 200 and again.json()["salesforce_record"]["status"] == "unchanged", again.text
    assert org.api_calls() - before == 1


@pytest.mark.parametrize("survivor_kept_its_key", [True, False], ids=["kept ACC_EXT_1", "overwritten by ACC_EXT_2"])
def test_a_merge_keeps_the_customer_whose_key_the_surviving_record_holds(
    stack: Any, platform: Platform, survivor_kept_its_key: bool
) -> None:
    # given ACC_EXT_1 (the surviving record's key before the merge) and ACC_EXT_2, 1200 and 300 points
    ext_1, ext_2 = unique("ACC_EXT_1_"), unique("ACC_EXT_2_")
    user_1 = platform.seed_customer(ext_1, f"{unique('m')}@example.com", point_accounts={"Point Account": 1200})
    user_2 = platform.seed_customer(ext_2, f"{unique('m')}@example.com", point_accounts={"Point Account": 300})
    # when merged: the surviving record kept ACC_EXT_1, or the merge overwrote it with ACC_EXT_2
    held, other = (ext_1, ext_2) if survivor_kept_its_key else (ext_2, ext_1)
    body = body_of("customer.merge", survivor={"external_id": held}, victim={"external_id": other})
    resp = stack.send(body)
    # then the customer whose key the surviving record holds survives, with all the points
    assert resp.status_code == 200, resp.text
    survivor_id = user_1 if survivor_kept_its_key else user_2
    assert resp.json()["customer_id"] == survivor_id
    assert platform.users(external_id=other) == []
    assert platform.points(survivor_id) == 1500
    # and a replay answers the same, merging nothing more
    replay = stack.send(body)
    assert (replay.status_code, replay.json()) == (200, resp.json())
