"""`connector.commerce.contacts.contact_fields`: a storefront customer as the Contact Salesforce should hold."""

from typing import Any

import pytest

from connector.commerce.contacts import as_person_account, contact_fields, fingerprint
from connector.commerce.models import CustomerChanged, CustomerData
from connector.config import CommerceConfig


@pytest.fixture
def jane(registered_body: dict[str, Any]) -> CustomerData:
    return CustomerChanged.model_validate(registered_body).data


@pytest.fixture
def li(minimal_registered_body: dict[str, Any]) -> CustomerData:
    return CustomerChanged.model_validate(minimal_registered_body).data


@pytest.fixture
def default_config() -> CommerceConfig:
    return CommerceConfig()


def test_full_registration_maps_to_the_whole_contact(jane, default_config):
    fields = contact_fields(jane, default_config, sync_status="Synchronized")

    assert fields == {
        "FirstName": "Jane",
        "LastName": "Doe",
        "Email": "jane.doe@example.com",
        "Salutation": "Ms.",
        "HomePhone": "+1 555 0100",
        "Birthdate": "1990-04-12",
        "Commerce_Customer_Id__c": "bcLsYcNgU0yq3aRbwHxw2bTeKd",
        "MailingStreet": "5 Wall St",
        "MailingCity": "Burlington",
        "MailingState": "MA",
        "MailingPostalCode": "01803",
        "MailingCountry": "US",
        "Commerce_Site_Id__c": "RefArch",
        "Customer_Type__c": "Registered",
        "Commerce_Sync_Status__c": "Synchronized",
    }


def test_empty_profile_fields_are_left_out_not_blanked(jane, default_config):
    fields = contact_fields(jane, default_config, sync_status="Synchronized")

    assert "MobilePhone" not in fields  # phone_mobile is null in the body
    assert None not in fields.values()


def test_minimal_registration_still_gets_a_last_name(li, default_config):
    fields = contact_fields(li, default_config, sync_status="Created")

    assert fields["LastName"] == "li.wei"
    assert fields["Email"] == "li.wei@example.com"


def test_minimal_registration_maps_only_what_it_has(li, default_config):
    fields = contact_fields(li, default_config, sync_status="Created")

    assert fields == {
        "LastName": "li.wei",
        "Email": "li.wei@example.com",
        "Commerce_Site_Id__c": "RefArch",
        "Customer_Type__c": "Registered",
        "Commerce_Sync_Status__c": "Created",
    }


def test_sync_status_is_the_one_given(jane, default_config):
    assert contact_fields(jane, default_config, sync_status="Updated")["Commerce_Sync_Status__c"] == "Updated"


def test_second_address_line_joins_the_street(registered_body, default_config):
    registered_body["data"]["customer"]["addresses"][0]["address2"] = "Suite 400"
    data = CustomerChanged.model_validate(registered_body).data

    fields = contact_fields(data, default_config, sync_status="Synchronized")

    assert fields["MailingStreet"] == "5 Wall St\nSuite 400"


def test_preferred_address_is_the_mailing_address(registered_body, default_config):
    home = registered_body["data"]["customer"]["addresses"][0]
    registered_body["data"]["customer"]["addresses"] = [
        {"address_id": "work", "address1": "1 Market St", "city": "San Francisco", "preferred": False},
        home,
    ]
    data = CustomerChanged.model_validate(registered_body).data

    fields = contact_fields(data, default_config, sync_status="Synchronized")

    assert fields["MailingCity"] == "Burlington"


def test_first_address_is_used_when_none_is_preferred(registered_body, default_config):
    registered_body["data"]["customer"]["addresses"][0]["preferred"] = False
    data = CustomerChanged.model_validate(registered_body).data

    fields = contact_fields(data, default_config, sync_status="Synchronized")

    assert fields["MailingCity"] == "Burlington"


def test_config_mapping_sends_a_profile_field_to_another_contact_field(jane):
    config = CommerceConfig(
        contact_field_mapping={
            "first_name": "FirstName",
            "last_name": "LastName",
            "email": "Email",
            "phone_home": "OtherPhone",
            "preferred_locale": "Preferred_Locale__c",
        }
    )

    fields = contact_fields(jane, config, sync_status="Synchronized")

    assert fields["OtherPhone"] == "+1 555 0100"
    assert fields["Preferred_Locale__c"] == "en_US"
    assert "HomePhone" not in fields


def test_config_mapping_replaces_the_default_mapping_as_a_whole(jane):
    config = CommerceConfig(contact_field_mapping={"email": "Email"})

    fields = contact_fields(jane, config, sync_status="Synchronized")

    assert "FirstName" not in fields
    assert "Salutation" not in fields
    assert "Commerce_Customer_Id__c" not in fields


def test_last_name_falls_back_to_the_profile_when_the_mapping_leaves_it_out(jane):
    config = CommerceConfig(contact_field_mapping={"email": "Email"})

    fields = contact_fields(jane, config, sync_status="Synchronized")

    assert fields["LastName"] == "Doe"


def test_mapping_of_an_unknown_profile_field_adds_nothing(jane, default_config):
    config = CommerceConfig(contact_field_mapping={**default_config.contact_field_mapping, "no_such_field": "Foo__c"})

    fields = contact_fields(jane, config, sync_status="Synchronized")

    assert "Foo__c" not in fields


# -- the same Contact as a Person Account, and its fingerprint ---------------------------------------------


def test_person_account_uses_person_fields_and_pc_suffixes(jane, default_config):
    fields = as_person_account(contact_fields(jane, default_config, sync_status="Synchronized"))

    assert fields["PersonEmail"] == "jane.doe@example.com"
    assert fields["PersonMailingCity"] == "Burlington"
    assert fields["PersonBirthdate"] == "1990-04-12"
    assert fields["Commerce_Site_Id__pc"] == "RefArch"
    assert (fields["FirstName"], fields["LastName"]) == ("Jane", "Doe")
    assert not any(name.endswith("__c") for name in fields)
    assert "Email" not in fields and "MailingCity" not in fields


def test_person_account_drops_the_contacts_account_lookup():
    assert as_person_account({"LastName": "Doe", "AccountId": "001000000000001AAA"}) == {"LastName": "Doe"}


def test_fingerprint_ignores_field_order():
    assert fingerprint({"LastName": "Doe", "Email": "a@b.c"}) == fingerprint({"Email": "a@b.c", "LastName": "Doe"})


def test_fingerprint_changes_when_a_value_changes(jane, default_config):
    fields = contact_fields(jane, default_config, sync_status="Synchronized")

    assert fingerprint(fields) != fingerprint({**fields, "LastName": "Doe-Smith"})


def test_with_state_and_country_picklists_the_iso_codes_go_to_the_code_fields(jane, default_config):
    fields = contact_fields(jane, default_config, sync_status="Synchronized", state_country_picklists=True)

    assert (fields["MailingStateCode"], fields["MailingCountryCode"]) == ("MA", "US")
    assert "MailingState" not in fields and "MailingCountry" not in fields


def test_with_picklists_a_person_account_gets_the_person_code_fields(jane, default_config):
    fields = as_person_account(
        contact_fields(jane, default_config, sync_status="Synchronized", state_country_picklists=True)
    )

    assert (fields["PersonMailingStateCode"], fields["PersonMailingCountryCode"]) == ("MA", "US")
    assert "PersonMailingCountry" not in fields
