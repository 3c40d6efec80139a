"""Org rules a real org has, in the Salesforce emulator: the standard Contact duplicate rule (active
by default, as in a new org), state and country picklists (off by default; switched through
/_admin/settings) and Order status categories. Each test starts from a reset org (default settings)."""

from __future__ import annotations

from typing import Any

import pytest
from sf_client import Api

JANE = {"FirstName": "Jane", "LastName": "Doe", "Email": "jane.doe@example.com"}
ALLOW_SAVE = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}


def _matched_ids(duplicate_result: dict[str, Any]) -> list[str]:
    return [m["record"]["Id"] for r in duplicate_result["matchResults"] for m in r["matchRecords"]]


# -- duplicate rule ---------------------------------------------------------------------------------


def test_a_new_org_has_the_duplicate_rule_active_and_state_country_picklists_and_person_accounts_off(
    sf: Api,
) -> None:
    assert sf.admin("GET", "/settings").json() == {
        "duplicate_rule": "alert",
        "state_country_picklists": False,
        "person_accounts": False,
    }


def test_an_insert_matching_a_contacts_name_and_email_is_refused_with_the_rest_duplicate_result(sf: Api) -> None:
    # given a Contact
    existing = sf.create("Contact", JANE)
    # when the same person is inserted again (case aside) without the duplicate-rule header
    resp = sf.post("/sobjects/Contact", {**JANE, "FirstName": "jane", "Email": "JANE.DOE@example.com"})
    # then 400 DUPLICATES_DETECTED, the REST body's `duplicateResut` (sic) naming the existing record
    assert resp.status_code == 400
    [error] = resp.json()
    assert (error["errorCode"], error["message"]) == ("DUPLICATES_DETECTED", "Use one of these records?")
    result = error["duplicateResut"]
    assert (result["duplicateRule"], result["allowSave"]) == ("Standard_Contact_Duplicate_Rule", True)
    assert _matched_ids(result) == [existing]
    assert len(sf.records("SELECT Id FROM Contact")) == 1


def test_the_allow_save_header_saves_a_duplicate_the_alert_rule_flags(sf: Api) -> None:
    sf.create("Contact", JANE)
    resp = sf.post("/sobjects/Contact", JANE, headers=ALLOW_SAVE)
    assert resp.status_code == 201


def test_a_blocking_rule_refuses_even_with_the_allow_save_header(sf: Api) -> None:
    sf.admin("POST", "/settings", {"duplicate_rule": "block"})
    sf.create("Contact", JANE)
    resp = sf.post("/sobjects/Contact", JANE, headers=ALLOW_SAVE)
    assert resp.status_code == 400
    assert resp.json()[0]["duplicateResut"]["allowSave"] is False


@pytest.mark.parametrize("other", [{"FirstName": "Joan"}, {"Email": "other@example.com"}], ids=str)
def test_a_contact_differing_in_name_or_email_is_not_a_duplicate(sf: Api, other: dict[str, Any]) -> None:
    sf.create("Contact", {**JANE, **other})
    assert sf.post("/sobjects/Contact", JANE).status_code == 201


def test_blank_first_names_never_match(sf: Api) -> None:
    sf.create("Contact", {**JANE, "FirstName": None})
    assert sf.post("/sobjects/Contact", {**JANE, "FirstName": None}).status_code == 201


def test_an_upsert_that_inserts_is_checked_and_one_that_updates_is_not(sf: Api) -> None:
    sf.create("Contact", JANE)
    inserting = sf.patch("/sobjects/Contact/Commerce_Customer_No__c/C1", JANE)
    assert inserting.status_code == 400 and inserting.json()[0]["errorCode"] == "DUPLICATES_DETECTED"
    sf.create("Contact", {"LastName": "Other", "Commerce_Customer_No__c": "C2"})
    updating = sf.patch("/sobjects/Contact/Commerce_Customer_No__c/C2", JANE)
    assert updating.status_code == 200


def test_a_composite_subrequest_needs_the_header_in_its_own_http_headers(sf: Api) -> None:
    sf.create("Contact", JANE)
    sub = {"method": "POST", "url": "/services/data/v62.0/sobjects/Contact", "referenceId": "c", "body": JANE}
    # the composite request's own header does not reach its subrequests
    refused = sf.post("/composite", {"compositeRequest": [sub]}, headers=ALLOW_SAVE).json()["compositeResponse"][0]
    assert (refused["httpStatusCode"], refused["body"][0]["errorCode"]) == (400, "DUPLICATES_DETECTED")
    saved = sf.post("/composite", {"compositeRequest": [{**sub, "httpHeaders": ALLOW_SAVE}]}).json()
    assert saved["compositeResponse"][0]["httpStatusCode"] == 201


def test_a_collection_reports_the_duplicate_per_record_as_duplicate_result(sf: Api) -> None:
    existing = sf.create("Contact", JANE)
    body = {"records": [{"attributes": {"type": "Contact"}, "Commerce_Customer_No__c": "C1", **JANE}]}
    [result] = sf.patch("/composite/sobjects/Contact/Commerce_Customer_No__c", body).json()
    assert result["success"] is False
    [error] = result["errors"]
    assert error["statusCode"] == "DUPLICATES_DETECTED"
    assert _matched_ids(error["duplicateResult"]) == [existing]
    assert sf.patch("/composite/sobjects/Contact/Commerce_Customer_No__c", body, headers=ALLOW_SAVE).json()[0][
        "success"
    ]


def test_the_admin_seed_is_not_checked_by_the_duplicate_rule(sf: Api) -> None:
    assert sf.admin("POST", "/seed", {"Contact": [JANE, JANE]}).status_code == 200


def test_an_unknown_setting_or_mode_is_refused_and_changes_nothing(sf: Api) -> None:
    assert sf.admin("POST", "/settings", {"duplicate_rule": "sometimes"}).status_code == 400
    assert sf.admin("POST", "/settings", {"picklists": True}).status_code == 400
    assert sf.admin("GET", "/settings").json()["duplicate_rule"] == "alert"


# -- state and country picklists --------------------------------------------------------------------


def test_without_picklists_the_code_fields_do_not_exist(sf: Api) -> None:
    resp = sf.post("/sobjects/Contact", {"LastName": "Doe", "MailingCountryCode": "US"})
    assert resp.status_code == 400
    assert sf.error_of(resp)["errorCode"] == "INVALID_FIELD"


def test_with_picklists_codes_are_written_and_the_org_fills_the_full_names(sf: Api) -> None:
    sf.admin("POST", "/settings", {"state_country_picklists": True})
    contact = sf.create("Contact", {"LastName": "Doe", "MailingStateCode": "MA", "MailingCountryCode": "US"})
    fields = "MailingState,MailingStateCode,MailingCountry,MailingCountryCode"
    row = sf.get(f"/sobjects/Contact/{contact}?fields={fields}").json()
    assert [row[f] for f in fields.split(",")] == ["Massachusetts", "MA", "United States", "US"]


def test_with_picklists_a_code_in_the_country_text_field_is_a_field_integrity_exception(sf: Api) -> None:
    sf.admin("POST", "/settings", {"state_country_picklists": True})
    resp = sf.post("/sobjects/Contact", {"LastName": "Doe", "MailingCountry": "US"})
    assert resp.status_code == 400
    assert (sf.error_of(resp)["errorCode"], sf.error_of(resp)["fields"]) == (
        "FIELD_INTEGRITY_EXCEPTION",
        ["MailingCountry"],
    )


def test_with_picklists_the_full_name_sets_the_code(sf: Api) -> None:
    sf.admin("POST", "/settings", {"state_country_picklists": True})
    account = sf.create("Account", {"Name": "A", "BillingCountry": "Canada", "BillingState": "Quebec"})
    row = sf.get(f"/sobjects/Account/{account}?fields=BillingCountryCode,BillingStateCode").json()
    assert (row["BillingCountryCode"], row["BillingStateCode"]) == ("CA", "QC")


def test_with_picklists_a_state_not_in_the_country_is_refused(sf: Api) -> None:
    sf.admin("POST", "/settings", {"state_country_picklists": True})
    resp = sf.post("/sobjects/Contact", {"LastName": "Doe", "MailingCountryCode": "CA", "MailingStateCode": "MA"})
    assert resp.status_code == 400
    assert sf.error_of(resp)["fields"] == ["MailingStateCode"]


def test_the_describe_lists_the_code_fields_only_with_picklists_on(sf: Api) -> None:
    def names() -> set[str]:
        return {f["name"] for f in sf.get("/sobjects/Contact/describe").json()["fields"]}

    assert "MailingCountryCode" not in names()
    sf.admin("POST", "/settings", {"state_country_picklists": True})
    assert {"MailingCountryCode", "MailingStateCode"} <= names()


# -- order status categories ------------------------------------------------------------------------


def _draft_order(sf: Api) -> tuple[str, str]:
    account = sf.create("Account", {"Name": "A"})
    order = sf.create("Order", {"AccountId": account, "EffectiveDate": "2026-11-23", "Status": "Draft"})
    return account, order


def test_an_order_is_activated_by_setting_only_its_status(sf: Api) -> None:
    _, order = _draft_order(sf)
    assert sf.patch(f"/sobjects/Order/{order}", {"Status": "Activated"}).status_code == 204
    assert sf.get(f"/sobjects/Order/{order}?fields=StatusCode").json()["StatusCode"] == "Activated"


def test_activating_an_order_while_changing_another_field_is_refused(sf: Api) -> None:
    _, order = _draft_order(sf)
    resp = sf.patch(f"/sobjects/Order/{order}", {"Status": "Activated", "Name": "x"})
    assert (resp.status_code, sf.error_of(resp)["errorCode"]) == (400, "FIELD_INTEGRITY_EXCEPTION")


def test_an_order_cannot_be_created_activated(sf: Api) -> None:
    account = sf.create("Account", {"Name": "A"})
    resp = sf.post("/sobjects/Order", {"AccountId": account, "EffectiveDate": "2026-11-23", "Status": "Activated"})
    assert (resp.status_code, sf.error_of(resp)["fields"]) == (400, ["Status"])


def test_an_activated_order_refuses_draft_and_a_new_account_but_takes_other_fields(sf: Api) -> None:
    account, order = _draft_order(sf)
    sf.patch(f"/sobjects/Order/{order}", {"Status": "Activated"})
    other = sf.create("Account", {"Name": "B"})
    back_to_draft = sf.patch(f"/sobjects/Order/{order}", {"Status": "Draft"})
    assert (back_to_draft.status_code, sf.error_of(back_to_draft)["fields"]) == (400, ["Status"])
    new_account = sf.patch(f"/sobjects/Order/{order}", {"AccountId": other})
    assert (new_account.status_code, sf.error_of(new_account)["fields"]) == (400, ["AccountId"])
    assert sf.patch(f"/sobjects/Order/{order}", {"AccountId": account, "Name": "ok"}).status_code == 204


def test_with_picklists_a_person_accounts_codes_reach_its_person_contact(sf: Api) -> None:
    # picklists first, person accounts enabled afterwards: the person address gets its Code fields too
    sf.admin("POST", "/settings", {"state_country_picklists": True})
    sf.admin("POST", "/settings", {"person_accounts": True})
    [person_type] = sf.records("SELECT Id FROM RecordType WHERE DeveloperName = 'PersonAccount'")
    account = sf.create(
        "Account",
        {
            "RecordTypeId": person_type["Id"],
            "LastName": "Doe",
            "PersonMailingStateCode": "MA",
            "PersonMailingCountryCode": "US",
        },
    )
    contact_id = sf.get(f"/sobjects/Account/{account}?fields=PersonContactId").json()["PersonContactId"]
    contact = sf.get(f"/sobjects/Contact/{contact_id}?fields=MailingStateCode,MailingState,MailingCountry").json()
    assert (contact["MailingStateCode"], contact["MailingState"], contact["MailingCountry"]) == (
        "MA",
        "Massachusetts",
        "United States",
    )
