"""Person accounts on the Salesforce emulator: an Account that is a person, with its hidden Contact."""

from __future__ import annotations

from typing import Any

import pytest
from sf_client import Api


@pytest.fixture
def person_type(sf: Api) -> str:
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


def test_business_account_refuses_person_fields(sf: Api) -> None:
    # given a business account body with a person field
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
