"""Strictness of the Salesforce emulator: every write error Salesforce gives, in its shape."""

from __future__ import annotations

from sf_client import Api


def test_unknown_field_is_invalid_field(sf: Api) -> None:
    # given a body with a field Contact does not have
    # when it is created
    response = sf.post("/sobjects/Contact", {"LastName": "Doe", "Nickname__c": "JD"})
    # then Salesforce's message names the column and the object
    assert response.status_code == 400
    error = sf.error_of(response)
    assert error["errorCode"] == "INVALID_FIELD"
    assert error["message"] == "No such column 'Nickname__c' on sobject of type Contact"


def test_unknown_sobject_is_not_found(sf: Api) -> None:
    # given an object the org does not have
    # when a record of it is created
    response = sf.post("/sobjects/Invoice__c", {"Name": "x"})
    # then 404 NOT_FOUND
    assert response.status_code == 404
    assert sf.error_of(response) == {
        "message": "The requested resource does not exist",
        "errorCode": "NOT_FOUND",
        "fields": [],
    }


def test_missing_required_field_is_required_field_missing(sf: Api) -> None:
    # given a contact without LastName
    # when it is created
    response = sf.post("/sobjects/Contact", {"FirstName": "Jane"})
    # then the missing field is named
    assert response.status_code == 400
    assert sf.error_of(response) == {
        "message": "Required fields are missing: [LastName]",
        "errorCode": "REQUIRED_FIELD_MISSING",
        "fields": ["LastName"],
    }


def test_lead_requires_last_name_and_company(sf: Api) -> None:
    # given an empty lead
    # when it is created
    response = sf.post("/sobjects/Lead", {})
    # then both required fields are named
    assert sf.error_of(response)["fields"] == ["LastName", "Company"]


def test_order_requires_account_effective_date_and_status(sf: Api) -> None:
    # given an order with none of its required fields
    # when it is created
    response = sf.post("/sobjects/Order", {"Commerce_Order_No__c": "1"})
    # then they are all named
    assert sf.error_of(response)["fields"] == ["AccountId", "EffectiveDate", "Status"]


def test_business_account_requires_name(sf: Api) -> None:
    # given an account without Name
    # when it is created
    response = sf.post("/sobjects/Account", {"Phone": "1"})
    # then Name is missing
    assert sf.error_of(response)["fields"] == ["Name"]


def test_clearing_a_required_field_on_update_is_required_field_missing(sf: Api) -> None:
    # given a contact
    contact_id = sf.create("Contact", {"LastName": "Doe"})
    # when LastName is set to null
    response = sf.patch(f"/sobjects/Contact/{contact_id}", {"LastName": None})
    # then it is refused
    assert sf.error_of(response)["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_empty_string_counts_as_null_for_required_text(sf: Api) -> None:
    # given a contact whose LastName is an empty string
    # when it is created
    response = sf.post("/sobjects/Contact", {"LastName": ""})
    # then Salesforce treats it as missing
    assert sf.error_of(response)["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_duplicate_unique_external_id_is_duplicate_value(sf: Api) -> None:
    # given a contact with customer number 1
    first = sf.create("Contact", {"LastName": "A", "Commerce_Customer_No__c": "1"})
    # when another contact takes the same number
    response = sf.post("/sobjects/Contact", {"LastName": "B", "Commerce_Customer_No__c": "1"})
    # then the duplicate is reported with the existing record's id
    assert response.status_code == 400
    error = sf.error_of(response)
    assert error["errorCode"] == "DUPLICATE_VALUE"
    assert error["message"] == (
        f"duplicate value found: Commerce_Customer_No__c duplicates value on record with id: {first}"
    )


def test_unique_text_is_case_insensitive(sf: Api) -> None:
    # given an order number in upper case
    account_id = sf.create("Account", {"Name": "A"})
    order = {"AccountId": account_id, "EffectiveDate": "2026-11-23", "Status": "Draft"}
    sf.create("Order", {**order, "Commerce_Order_No__c": "ABC"})
    # when another order takes it in lower case
    response = sf.post("/sobjects/Order", {**order, "Commerce_Order_No__c": "abc"})
    # then it is a duplicate
    assert sf.error_of(response)["errorCode"] == "DUPLICATE_VALUE"


def test_non_unique_external_id_allows_duplicates(sf: Api) -> None:
    # given a contact with a loyalty id
    sf.create("Contact", {"LastName": "A", "Loyalty_External_Id__c": "L"})
    # when another contact takes the same loyalty id
    response = sf.post("/sobjects/Contact", {"LastName": "B", "Loyalty_External_Id__c": "L"})
    # then it is accepted (the field is an external id, not unique)
    assert response.status_code == 201


def test_bad_restricted_picklist_value_is_rejected(sf: Api) -> None:
    # given a sync status the picklist does not have
    # when a contact is created with it
    response = sf.post("/sobjects/Contact", {"LastName": "Doe", "Commerce_Sync_Status__c": "Done"})
    # then the restricted-picklist error names the field
    assert sf.error_of(response) == {
        "message": "Commerce Sync Status: bad value for restricted picklist field: Done",
        "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "fields": ["Commerce_Sync_Status__c"],
    }


def test_writing_a_read_only_field_is_invalid_field_for_insert_update(sf: Api) -> None:
    # given Contact.Name, the read-only compound name
    # when it is written
    response = sf.post("/sobjects/Contact", {"LastName": "Doe", "Name": "Jane Doe"})
    # then it is refused
    error = sf.error_of(response)
    assert error["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error["fields"] == ["Name"]


def test_writing_an_audit_field_is_invalid_field_for_insert_update(sf: Api) -> None:
    # given CreatedDate, which only the org writes
    # when it is written on create
    response = sf.post("/sobjects/Contact", {"LastName": "Doe", "CreatedDate": "2020-01-01T00:00:00Z"})
    # then it is refused
    assert sf.error_of(response)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_auto_number_is_not_updateable(sf: Api) -> None:
    # given a case
    case_id = sf.create("Case", {"Subject": "x"})
    # when its CaseNumber is changed
    response = sf.patch(f"/sobjects/Case/{case_id}", {"CaseNumber": "1"})
    # then it is refused
    assert sf.error_of(response)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_string_into_checkbox_is_json_parser_error(sf: Api) -> None:
    # given "yes" for a checkbox
    # when a contact is created
    response = sf.post("/sobjects/Contact", {"LastName": "Doe", "Email_Opt_In__c": "yes"})
    # then the JSON could not be read into the field's type
    assert sf.error_of(response)["errorCode"] == "JSON_PARSER_ERROR"


def test_string_into_currency_is_json_parser_error(sf: Api) -> None:
    # given a text amount
    account_id = sf.create("Account", {"Name": "A"})
    body = {"AccountId": account_id, "EffectiveDate": "2026-11-23", "Status": "Draft", "Order_Total__c": "12.50"}
    # when an order is created
    response = sf.post("/sobjects/Order", body)
    # then it is refused
    assert sf.error_of(response)["errorCode"] == "JSON_PARSER_ERROR"


def test_malformed_date_is_json_parser_error(sf: Api) -> None:
    # given a date in the wrong format
    # when a contact is created
    response = sf.post("/sobjects/Contact", {"LastName": "Doe", "Birthdate": "12/04/1990"})
    # then it is refused
    assert sf.error_of(response)["errorCode"] == "JSON_PARSER_ERROR"


def test_malformed_datetime_is_json_parser_error(sf: Api) -> None:
    # given a datetime without its time part
    # when a contact is created
    response = sf.post("/sobjects/Contact", {"LastName": "Doe", "Commerce_Source_Version__c": "yesterday"})
    # then it is refused
    assert sf.error_of(response)["errorCode"] == "JSON_PARSER_ERROR"


def test_datetimes_are_stored_in_utc_with_milliseconds(sf: Api) -> None:
    # given a datetime with an offset
    contact_id = sf.create("Contact", {"LastName": "Doe", "Commerce_Source_Version__c": "2026-11-23T12:00:00+02:00"})
    # when it is read back
    value = sf.get(f"/sobjects/Contact/{contact_id}").json()["Commerce_Source_Version__c"]
    # then Salesforce's format in UTC comes back
    assert value == "2026-11-23T10:00:00.000+0000"


def test_currency_is_rounded_to_its_scale(sf: Api) -> None:
    # given an order total with three decimals
    account_id = sf.create("Account", {"Name": "A"})
    body = {"AccountId": account_id, "EffectiveDate": "2026-11-23", "Status": "Draft", "Order_Total__c": 12.345}
    order_id = sf.create("Order", body)
    # when it is read back
    # then it has the field's two decimals
    assert sf.get(f"/sobjects/Order/{order_id}").json()["Order_Total__c"] == 12.35


def test_text_over_its_length_is_string_too_long(sf: Api) -> None:
    # given a three-letter currency field and a four-letter value
    account_id = sf.create("Account", {"Name": "A"})
    body = {"AccountId": account_id, "EffectiveDate": "2026-11-23", "Status": "Draft", "Order_Currency__c": "EURO"}
    # when an order is created
    response = sf.post("/sobjects/Order", body)
    # then the field and its limit are named
    assert sf.error_of(response) == {
        "message": "Order Currency: data value too large: EURO (max length=3)",
        "errorCode": "STRING_TOO_LONG",
        "fields": ["Order_Currency__c"],
    }


def test_invalid_email_is_rejected(sf: Api) -> None:
    # given an email without a domain
    # when a contact is created
    response = sf.post("/sobjects/Contact", {"LastName": "Doe", "Email": "jane"})
    # then Salesforce's email check fails
    assert sf.error_of(response)["errorCode"] == "INVALID_EMAIL_ADDRESS"


def test_malformed_id_in_a_lookup_is_malformed_id(sf: Api) -> None:
    # given an AccountId that is not an id
    # when a contact is created
    response = sf.post("/sobjects/Contact", {"LastName": "Doe", "AccountId": "not-an-id"})
    # then it is a malformed id on that field
    assert sf.error_of(response) == {
        "message": "Account ID: id value of incorrect type: not-an-id",
        "errorCode": "MALFORMED_ID",
        "fields": ["AccountId"],
    }


def test_malformed_id_in_the_path_is_malformed_id(sf: Api) -> None:
    # given a path id that is not an id
    # when the record is patched
    response = sf.patch("/sobjects/Contact/abc", {"LastName": "x"})
    # then it is a malformed id
    assert response.status_code == 400
    assert sf.error_of(response)["errorCode"] == "MALFORMED_ID"


def test_lookup_to_a_record_of_the_wrong_type_is_field_integrity_exception(sf: Api) -> None:
    # given a case id
    case_id = sf.create("Case", {"Subject": "x"})
    # when it is put in Contact.AccountId
    response = sf.post("/sobjects/Contact", {"LastName": "Doe", "AccountId": case_id})
    # then the type mismatch is reported
    error = sf.error_of(response)
    assert error["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert error["fields"] == ["AccountId"]


def test_lookup_to_a_missing_record_is_invalid_cross_reference_key(sf: Api) -> None:
    # given a well-formed account id no record has
    missing = "001000000000001AAA"
    # when a contact points at it
    response = sf.post("/sobjects/Contact", {"LastName": "Doe", "AccountId": missing})
    # then the reference is invalid
    assert sf.error_of(response)["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"


def test_lookup_to_a_deleted_record_is_entity_is_deleted(sf: Api) -> None:
    # given a deleted account (in the Recycle Bin)
    account_id = sf.create("Account", {"Name": "Gone"})
    sf.delete(f"/sobjects/Account/{account_id}")
    # when a contact points at it
    response = sf.post("/sobjects/Contact", {"LastName": "Doe", "AccountId": account_id})
    # then "you can't reference an object that has been deleted" (StatusCode ENTITY_IS_DELETED,
    # https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm)
    error = sf.error_of(response)
    assert (error["errorCode"], error["fields"]) == ("ENTITY_IS_DELETED", ["AccountId"])


def test_missing_record_is_not_found(sf: Api) -> None:
    # given a well-formed contact id no record has
    missing = "003000000000001AAA"
    # when it is read, updated and deleted
    responses = [
        sf.get(f"/sobjects/Contact/{missing}"),
        sf.patch(f"/sobjects/Contact/{missing}", {"LastName": "x"}),
        sf.delete(f"/sobjects/Contact/{missing}"),
    ]
    # then each is 404 with Salesforce's message
    for response in responses:
        assert response.status_code == 404
        assert sf.error_of(response)["message"] == "The requested resource does not exist"


def test_invalid_json_body_is_json_parser_error(sf: Api) -> None:
    # given a body that is not JSON
    # when a contact is created
    response = sf.call("POST", "/sobjects/Contact", data="{LastName:", headers={"Content-Type": "application/json"})
    # then it is a parser error
    assert sf.error_of(response)["errorCode"] == "JSON_PARSER_ERROR"


def test_failed_write_changes_nothing(sf: Api) -> None:
    # given a contact
    contact_id = sf.create("Contact", {"LastName": "Doe", "Email": "a@example.com"})
    # when an update carries one good and one bad field
    sf.patch(f"/sobjects/Contact/{contact_id}", {"Email": "b@example.com", "Customer_Type__c": "VIP"})
    # then the good one was not applied either
    assert sf.get(f"/sobjects/Contact/{contact_id}").json()["Email"] == "a@example.com"


def test_deleting_an_account_clears_lookups_and_deletes_its_contacts(sf: Api) -> None:
    # given an account with a contact and a conversation pointing at it
    account_id = sf.create("Account", {"Name": "A"})
    contact_id = sf.create("Contact", {"LastName": "Doe", "AccountId": account_id})
    conversation_id = sf.create("Social_Conversation__c", {"Person_Account__c": account_id})
    # when the account is deleted
    sf.delete(f"/sobjects/Account/{account_id}")
    # then its contacts go with it and the lookup is cleared (deleteConstraint SetNull)
    assert sf.get(f"/sobjects/Contact/{contact_id}").status_code == 404
    conversation = sf.get(f"/sobjects/Social_Conversation__c/{conversation_id}").json()
    assert conversation["Person_Account__c"] is None
