"""The loyalty section of the connector config: the reference's defaults and what it refuses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from connector.config import ConnectorConfig
from connector.config.loyalty import LoyaltyConfig


def test_the_defaults_are_the_references_settings() -> None:
    loyalty = ConnectorConfig().loyalty

    assert (loyalty.parent_object, loyalty.search_by_external_id, loyalty.external_id_field) == (
        "Contact",
        True,
        "Loyalty_External_Id__c",
    )
    assert (loyalty.sync_customer_changes, loyalty.enroll_in_loyalty, loyalty.auto_sync_from_loyalty) == (
        False,
        True,
        False,
    )
    assert loyalty.merge_on_parent_merge and loyalty.audit_tasks
    assert loyalty.activity_max_page_size == 50


def test_the_mapping_follows_the_parent_object() -> None:
    contact = LoyaltyConfig().mapping()
    account = LoyaltyConfig(parent_object="Account").mapping()

    assert (contact["email"], contact["address"]) == ("Email", "MailingStreet")
    assert (account["email"], account["dob"], account["address"]) == ("PersonEmail", "PersonBirthdate", "BillingStreet")


def test_a_mapping_key_that_is_no_loyalty_profile_field_is_refused() -> None:
    with pytest.raises(ValidationError, match="not loyalty profile fields: shoe_size"):
        LoyaltyConfig(field_mapping={"Contact": {"shoe_size": "Shoe_Size__c"}})


def test_a_mapping_target_that_is_no_api_name_is_refused() -> None:
    with pytest.raises(ValidationError, match="not a Salesforce API name"):
        LoyaltyConfig(field_mapping={"Contact": {"email": "Email; DROP"}})


def test_an_empty_reason_list_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least one name"):
        LoyaltyConfig(note_reasons=())


def test_a_page_size_over_the_platforms_100_is_refused() -> None:
    with pytest.raises(ValidationError):
        LoyaltyConfig(activity_max_page_size=101)


def test_an_unknown_setting_is_refused() -> None:
    with pytest.raises(ValidationError):
        ConnectorConfig.model_validate({"loyalty": {"search_by_email": True}})


def test_the_external_id_cannot_be_an_editable_field() -> None:
    with pytest.raises(ValidationError, match="external_id is the customer's key"):
        LoyaltyConfig(editable_fields=("first_name", "external_id"))


def test_two_loyalty_fields_mapped_to_one_salesforce_field_are_refused() -> None:
    with pytest.raises(ValidationError, match="more than one loyalty field mapped to"):
        LoyaltyConfig(field_mapping={"Contact": {"first_name": "FirstName", "last_name": "firstname"}})
