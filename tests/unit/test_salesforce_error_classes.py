"""`connector.salesforce.errors`: Salesforce's error bodies become errors that say whether a retry can help."""

import pytest

from connector.errors import PermanentError, TransientError
from connector.salesforce import PermanentSalesforceError, TransientSalesforceError
from connector.salesforce.errors import ApiErrorDetail, duplicate_field, parse_error_body, salesforce_error


def test_rest_error_body_is_read_with_code_message_and_fields():
    body = [
        {
            "message": "Required fields are missing: [LastName]",
            "errorCode": "REQUIRED_FIELD_MISSING",
            "fields": ["LastName"],
        }
    ]

    assert parse_error_body(body) == [
        ApiErrorDetail("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", ("LastName",))
    ]


def test_collection_item_error_uses_status_code():
    body = [{"statusCode": "DUPLICATE_VALUE", "message": "duplicate value found", "fields": []}]

    assert parse_error_body(body) == [ApiErrorDetail("DUPLICATE_VALUE", "duplicate value found")]


def test_oauth_error_body_is_read_too():
    body = {"error": "invalid_client", "error_description": "invalid client credentials"}

    assert parse_error_body(body) == [ApiErrorDetail("invalid_client", "invalid client credentials")]


@pytest.mark.parametrize("body", [None, "", "<html>502</html>", 42, [None, "x"]])
def test_unreadable_error_body_gives_no_details(body):
    assert parse_error_body(body) == []


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_server_errors_and_throttling_are_transient(status):
    error = salesforce_error(status, [], "create")

    assert isinstance(error, TransientSalesforceError)
    assert isinstance(error, TransientError)


@pytest.mark.parametrize(
    "code",
    [
        "UNABLE_TO_LOCK_ROW",
        "REQUEST_LIMIT_EXCEEDED",
        "SERVER_UNAVAILABLE",
        "QUERY_TIMEOUT",
        "UNKNOWN_EXCEPTION",
    ],
)
def test_temporary_error_codes_are_transient_even_on_a_400(code):
    error = salesforce_error(400, [ApiErrorDetail(code, "try again")], "upsert")

    assert isinstance(error, TransientSalesforceError)
    assert error.error_code == code


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "REQUIRED_FIELD_MISSING"),
        (400, "INVALID_FIELD"),
        (400, "MALFORMED_QUERY"),
        (404, "NOT_FOUND"),
        (403, "INSUFFICIENT_ACCESS"),
    ],
)
def test_refusals_of_the_request_itself_are_permanent(status, code):
    error = salesforce_error(status, [ApiErrorDetail(code, "no")], "create")

    assert isinstance(error, PermanentSalesforceError)
    assert isinstance(error, PermanentError)
    assert (error.status, error.error_code) == (status, code)


def test_error_message_names_the_operation_status_and_first_code():
    error = salesforce_error(400, [ApiErrorDetail("INVALID_FIELD", "No such column 'Foo__c'")], "create")

    assert str(error) == "create -> 400 INVALID_FIELD: No such column 'Foo__c'"


def test_error_without_details_is_unknown():
    error = salesforce_error(400, [], "create")

    assert error.error_code == "UNKNOWN"


# -- DUPLICATE_VALUE: transient only where the connector races itself ------------------------------

RACED = "duplicate value found: Commerce_Customer_No__c duplicates value on record with id: 003000000000001AAA"


def test_a_duplicate_on_the_field_an_upsert_matched_by_is_transient():
    # a concurrent upsert inserted the key first: the same upsert again is an update
    error = salesforce_error(400, [ApiErrorDetail("DUPLICATE_VALUE", RACED)], "upsert", "Commerce_Customer_No__c")

    assert isinstance(error, TransientSalesforceError)


def test_a_duplicate_on_another_unique_field_is_permanent():
    message = "duplicate value found: Email_Key__c duplicates value on record with id: 003000000000001AAA"

    error = salesforce_error(400, [ApiErrorDetail("DUPLICATE_VALUE", message)], "upsert", "Commerce_Customer_No__c")

    assert isinstance(error, PermanentSalesforceError)


def test_a_duplicate_outside_an_upsert_is_permanent():
    error = salesforce_error(400, [ApiErrorDetail("DUPLICATE_VALUE", RACED)], "update")

    assert isinstance(error, PermanentSalesforceError)


def test_a_duplicate_whose_field_the_org_does_not_name_is_taken_for_a_race_on_an_upsert():
    # two concurrent inserts of one new external id are often answered with `<unknown>` for both
    message = "duplicate value found: <unknown> duplicates value on record with id: <unknown>"

    error = salesforce_error(400, [ApiErrorDetail("DUPLICATE_VALUE", message)], "upsert", "Commerce_Customer_No__c")

    assert isinstance(error, TransientSalesforceError)


def test_a_duplicate_whose_field_the_org_does_not_name_is_permanent_outside_an_upsert():
    message = "duplicate value found: <unknown> duplicates value on record with id: <unknown>"

    error = salesforce_error(400, [ApiErrorDetail("DUPLICATE_VALUE", message)], "update")

    assert isinstance(error, PermanentSalesforceError)


def test_the_duplicate_field_is_read_from_fields_first_then_from_the_message():
    assert duplicate_field(ApiErrorDetail("DUPLICATE_VALUE", RACED, ("Email_Key__c",))) == "Email_Key__c"
    assert duplicate_field(ApiErrorDetail("DUPLICATE_VALUE", RACED)) == "Commerce_Customer_No__c"
    assert duplicate_field(ApiErrorDetail("DUPLICATE_VALUE", "duplicate value found")) is None


def _duplicate_result(*ids: str) -> dict:
    records = [{"record": {"attributes": {"type": "Contact"}, "Id": i}, "matchConfidence": 100.0} for i in ids]
    return {"duplicateRule": "Standard_Contact_Duplicate_Rule", "matchResults": [{"matchRecords": records}]}


def test_a_rest_duplicates_detected_error_names_the_matched_records_under_its_duplicate_resut_spelling():
    body = [{"duplicateResut": _duplicate_result("003A"), "errorCode": "DUPLICATES_DETECTED", "message": "m"}]

    assert parse_error_body(body)[0].duplicates == ("003A",)


def test_a_collection_duplicates_detected_error_names_the_matched_records_under_duplicate_result():
    body = [{"duplicateResult": _duplicate_result("003A", "003B"), "statusCode": "DUPLICATES_DETECTED"}]

    assert parse_error_body(body)[0].duplicates == ("003A", "003B")
