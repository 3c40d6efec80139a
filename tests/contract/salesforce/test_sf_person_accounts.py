"""Person accounts on the Salesforce emulator: an Account that is a person, with its hidden Contact.

A new org has them off, as a real org does; tests of person accounts enable them first through
`POST /_admin/settings {"person_accounts": true}` (the `person_type` fixture)."""

from __future__ import annotations

from typing import Any

import pytest
from sf_client import Api


@pytest.fixture
def person_type(sf: Api) -> str:
    """The person record type of an org with person accounts enabled."""
    assert sf.admin("POST", "/settings", {"person_accounts": True}).status_code == 200
    records = sf.records("SELECT Id FROM RecordType WHERE SobjectType = 'Account' AND DeveloperName = 'PersonAccount'")
    return str(records[0]["Id"])


def _person(record_type_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "RecordTypeId": record_type_id,
        "FirstName": "Jane",
        "LastName": "Doe",
        "PersonEmail": "jane@example.com",
        **fields,
    }


def test_person_account_gets_its_name_from_first_and_last_name(sf: Api, person_type: str) -> None:
    # given a person record type
    # when a person account is created
    account_id = sf.create("Account", _person(person_type))
    # then it is a person account named after the person
    account = sf.get(f"/sobjects/Account/{account_id}").json()
    assert account["IsPersonAccount"] is True
    assert account["Name"] == "Jane Doe"
    assert account["PersonContactId"].startswith("003")


def test_person_account_creates_its_hidden_contact(sf: Api, person_type: str) -> None:
    # given a person account with a customer number
    account_id = sf.create(
        "Account", _person(person_type, Commerce_Customer_No__pc="00001001", PersonBirthdate="1990-04-12")
    )
    # when contacts are queried
    contacts = sf.records(
        "SELECT Id, AccountId, IsPersonAccount, Email, Name, Birthdate, Commerce_Customer_No__c FROM Contact"
    )
    # then the person contact mirrors the account's person fields
    assert len(contacts) == 1
    contact = contacts[0]
    assert contact["AccountId"] == account_id and contact["IsPersonAccount"] is True
    assert (contact["Email"], contact["Name"]) == ("jane@example.com", "Jane Doe")
    assert (contact["Birthdate"], contact["Commerce_Customer_No__c"]) == ("1990-04-12", "00001001")


def test_person_account_update_is_kept_in_step_on_the_contact(sf: Api, person_type: str) -> None:
    # given a person account
    account_id = sf.create("Account", _person(person_type))
    # when its person fields change
    sf.patch(f"/sobjects/Account/{account_id}", {"PersonEmail": "new@example.com", "Customer_Type__pc": "Guest"})
    # then the contact follows
    contact = sf.records("SELECT Email, Customer_Type__c FROM Contact")[0]
    assert (contact["Email"], contact["Customer_Type__c"]) == ("new@example.com", "Guest")


def test_upsert_on_an_account_external_id_creates_then_updates_a_person_account(sf: Api, person_type: str) -> None:
    # given no person account with customer number 00001001
    path = "/sobjects/Account/Commerce_Customer_No__c/00001001"
    # when it is upserted twice on the Account's own external id
    created = sf.patch(path, _person(person_type))
    updated = sf.patch(path, {"LastName": "Dough"})
    # then it is created, then updated, name included
    assert (created.status_code, updated.status_code) == (201, 200)
    assert updated.json()["id"] == created.json()["id"]
    assert sf.get(f"/sobjects/Account/{created.json()['id']}").json()["Name"] == "Jane Dough"


def test_upsert_of_an_account_on_a_person_contact_external_id_is_refused(sf: Api, person_type: str) -> None:
    # given the person Contact's external id, seen on Account as Commerce_Customer_No__pc
    # (a real org refuses it as an Account upsert key, though it shows as an external id:
    # https://trailhead.salesforce.com/trailblazer-community/feed/0D54V00007T4Hm4SAF)
    path = "/sobjects/Account/Commerce_Customer_No__pc/00001001"
    # when an Account is upserted on it
    response = sf.patch(path, _person(person_type))
    # then REST answers as for any field that is no external id of Account, and nothing is written
    assert response.status_code == 404
    assert sf.error_of(response)["errorCode"] == "NOT_FOUND"
    assert sf.records("SELECT Id FROM Account WHERE IsPersonAccount = true") == []


def test_person_account_refuses_name(sf: Api, person_type: str) -> None:
    # given a person account body with Name
    # when it is created
    response = sf.post("/sobjects/Account", _person(person_type, Name="Jane Doe"))
    # then Name is refused
    error = sf.error_of(response)
    assert error["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error["fields"] == ["Name"]


def test_person_account_requires_last_name(sf: Api, person_type: str) -> None:
    # given a person account without LastName
    body = _person(person_type)
    del body["LastName"]
    # when it is created
    response = sf.post("/sobjects/Account", body)
    # then LastName is missing
    assert sf.error_of(response)["fields"] == ["LastName"]


def test_business_account_refuses_person_fields(sf: Api, person_type: str) -> None:
    # given an org with person accounts, and a business account body with a person field
    # when it is created
    response = sf.post("/sobjects/Account", {"Name": "Acme", "PersonEmail": "x@example.com"})
    # then the person field is refused
    error = sf.error_of(response)
    assert error["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error["fields"] == ["PersonEmail"]


def test_person_contact_cannot_be_written_directly(sf: Api, person_type: str) -> None:
    # given a person account's contact
    account_id = sf.create("Account", _person(person_type))
    contact_id = sf.get(f"/sobjects/Account/{account_id}").json()["PersonContactId"]
    # when the contact is updated or deleted directly
    update = sf.patch(f"/sobjects/Contact/{contact_id}", {"LastName": "X"})
    delete = sf.delete(f"/sobjects/Contact/{contact_id}")
    # then both are refused
    assert sf.error_of(update)["errorCode"] == "INVALID_PERSON_ACCOUNT_OPERATION"
    assert sf.error_of(delete)["errorCode"] == "INVALID_PERSON_ACCOUNT_OPERATION"


def test_deleting_a_person_account_deletes_its_contact(sf: Api, person_type: str) -> None:
    # given a person account
    account_id = sf.create("Account", _person(person_type))
    # when it is deleted
    sf.delete(f"/sobjects/Account/{account_id}")
    # then its contact is gone too
    assert sf.records("SELECT Id FROM Contact") == []


def test_customer_number_is_unique_across_person_and_business_contacts(sf: Api, person_type: str) -> None:
    # given a business contact with customer number 1
    sf.create("Contact", {"LastName": "Doe", "Commerce_Customer_No__c": "1"})
    # when a person account takes the same number
    response = sf.post("/sobjects/Account", _person(person_type, Commerce_Customer_No__pc="1"))
    # then it is a duplicate and no account is left behind
    assert sf.error_of(response)["errorCode"] == "DUPLICATE_VALUE"
    assert sf.records("SELECT Id FROM Account") == []


def test_contact_cannot_be_attached_to_a_person_account(sf: Api, person_type: str) -> None:
    # given a person account
    account_id = sf.create("Account", _person(person_type))
    # when a business contact names it as its account
    response = sf.post("/sobjects/Contact", {"LastName": "Other", "AccountId": account_id})
    # then it is refused
    assert sf.error_of(response)["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_orders_can_point_at_a_person_account_by_its_account_external_id(sf: Api, person_type: str) -> None:
    # given a person account with a customer number on the Account
    account_id = sf.create("Account", _person(person_type, Commerce_Customer_No__c="00001001"))
    # when an order names it through that external id
    order_id = sf.create(
        "Order", {"Account": {"Commerce_Customer_No__c": "00001001"}, "EffectiveDate": "2026-11-23", "Status": "Draft"}
    )
    # then the order belongs to the person account
    assert sf.get(f"/sobjects/Order/{order_id}").json()["AccountId"] == account_id


def test_orders_cannot_point_at_an_account_through_a_person_contact_external_id(sf: Api, person_type: str) -> None:
    # given a person account whose person Contact has a customer number
    sf.create("Account", _person(person_type, Commerce_Customer_No__pc="00001001"))
    # when an order names its account through the __pc field
    response = sf.post(
        "/sobjects/Order",
        {"Account": {"Commerce_Customer_No__pc": "00001001"}, "EffectiveDate": "2026-11-23", "Status": "Draft"},
    )
    # then it is refused: the field is no external id of Account
    assert sf.error_of(response)["errorCode"] == "INVALID_FIELD"


# -- a new org: person accounts off ----------------------------------------------------------------

PERSON_ONLY_FIELDS = [
    ("Account", "IsPersonAccount"),
    ("Account", "PersonContactId"),
    ("Account", "PersonEmail"),
    ("Account", "FirstName"),
    ("Account", "LastName"),
    ("Account", "Commerce_Customer_No__pc"),
    ("Contact", "IsPersonAccount"),
]
PERSON_RECORD_TYPES = "SELECT Id FROM RecordType WHERE SobjectType = 'Account' AND IsPersonType = true"


@pytest.mark.parametrize(("sobject", "field"), PERSON_ONLY_FIELDS)
def test_without_person_accounts_a_query_naming_a_person_field_is_an_invalid_field(
    sf: Api, sobject: str, field: str
) -> None:
    # given a new org (person accounts off)
    # when a query selects a field that only person accounts bring
    response = sf.query(f"SELECT Id, {field} FROM {sobject}")
    # then it is refused as an unknown column
    assert response.status_code == 400
    assert sf.error_of(response)["errorCode"] == "INVALID_FIELD"


@pytest.mark.parametrize("field", ["PersonEmail", "FirstName", "Commerce_Customer_No__pc", "Email_Opt_In__pc"])
def test_without_person_accounts_an_account_write_naming_a_person_field_is_an_invalid_field(
    sf: Api, field: str
) -> None:
    # given a new org (person accounts off)
    # when an Account is created with a person field
    response = sf.post("/sobjects/Account", {"Name": "Acme", field: "x"})
    # then the field is unknown, and nothing is written
    assert response.status_code == 400
    assert sf.error_of(response)["errorCode"] == "INVALID_FIELD"
    assert sf.records("SELECT Id FROM Account") == []


def test_without_person_accounts_describe_lists_no_person_field(sf: Api) -> None:
    # given a new org (person accounts off)
    # when Account, Contact and RecordType are described
    account, contact, record_type = (
        {f["name"] for f in sf.get(f"/sobjects/{name}/describe").json()["fields"]}
        for name in ("Account", "Contact", "RecordType")
    )
    # then no person field is listed; RecordType.IsPersonType exists, as in every org
    assert {name for name in account if name.startswith("Person") or name.endswith("__pc")} == set()
    assert {"IsPersonAccount", "FirstName", "LastName", "Salutation"} & account == set()
    assert "IsPersonAccount" not in contact
    assert "IsPersonType" in record_type


def test_without_person_accounts_there_is_no_person_record_type(sf: Api) -> None:
    # given a new org (person accounts off)
    # when the person record types of Account are asked for
    # then there are none, and every record type says it is no person type
    assert sf.records(PERSON_RECORD_TYPES) == []
    assert [r["IsPersonType"] for r in sf.records("SELECT IsPersonType FROM RecordType")] == [False]


def test_without_person_accounts_business_accounts_and_their_contacts_are_written_as_usual(sf: Api) -> None:
    # given a new org (person accounts off)
    # when a business account and a contact under it are created
    account_id = sf.create("Account", {"Name": "Acme", "Commerce_Customer_No__c": "00001001"})
    contact_id = sf.create("Contact", {"LastName": "Doe", "AccountId": account_id})
    # then both read back, with the business record type and without person fields
    account = sf.get(f"/sobjects/Account/{account_id}").json()
    contact = sf.get(f"/sobjects/Contact/{contact_id}").json()
    [business] = sf.records("SELECT Id FROM RecordType WHERE DeveloperName = 'Business_Account'")
    assert (account["Name"], account["RecordTypeId"]) == ("Acme", business["Id"])
    assert "IsPersonAccount" not in account and "IsPersonAccount" not in contact
    assert contact["AccountId"] == account_id


# -- switching them on ------------------------------------------------------------------------------


def test_person_accounts_enabled_at_run_time_leave_existing_records_business_ones(sf: Api) -> None:
    # given a business account and its contact, made before person accounts
    account_id = sf.create("Account", {"Name": "Acme"})
    contact_id = sf.create("Contact", {"LastName": "Doe", "AccountId": account_id})
    # when person accounts are enabled
    settings = sf.admin("POST", "/settings", {"person_accounts": True})
    # then the org has them, and the records made before are no person accounts
    assert settings.json()["person_accounts"] is True
    assert sf.records("SELECT Id FROM Account WHERE IsPersonAccount = false")[0]["Id"] == account_id
    assert sf.records("SELECT Id FROM Contact WHERE IsPersonAccount = false")[0]["Id"] == contact_id
    assert len(sf.records(PERSON_RECORD_TYPES)) == 1


def test_person_accounts_cannot_be_disabled_once_enabled(sf: Api) -> None:
    # given an org with person accounts
    sf.admin("POST", "/settings", {"person_accounts": True})
    # when they are switched off
    response = sf.admin("POST", "/settings", {"person_accounts": False})
    # then it is refused, as a real org refuses it, and they stay on
    assert response.status_code == 400
    assert "person_accounts" in response.json()["error"]
    assert sf.admin("GET", "/settings").json()["person_accounts"] is True


def test_a_reset_gives_back_an_org_without_person_accounts_and_the_same_record_type_later(
    sf: Api, person_type: str
) -> None:
    # given an org with person accounts and a person account
    sf.create("Account", _person(person_type))
    # when the org is reset
    sf.admin("POST", "/reset")
    # then person accounts are off again, with no person record type or field
    assert sf.admin("GET", "/settings").json()["person_accounts"] is False
    assert sf.records(PERSON_RECORD_TYPES) == []
    assert sf.error_of(sf.query("SELECT PersonEmail FROM Account"))["errorCode"] == "INVALID_FIELD"
    # and enabled again, the person record type keeps its id (clients may have cached it)
    sf.admin("POST", "/settings", {"person_accounts": True})
    assert [r["Id"] for r in sf.records(PERSON_RECORD_TYPES)] == [person_type]
