"""Bulk API 2.0 ingest jobs, as the Bulk API 2.0 developer guide describes them
(https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-0-overview.html):
create (200, Open), upload CSV (201, once, while Open), close (UploadComplete) or abort, poll,
then the successful, failed and unprocessed results as CSV. Refusals are `[{"errorCode","message"}]`
(https://github.com/restforce/restforce/issues/905 shows a real one)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import requests
from sf_client import Api

from emulators.salesforce import bulk_api

JOBS = "/jobs/ingest"
CUSTOMER_NO = "Commerce_Customer_No__c"
HEADER = "Commerce_Customer_No__c,FirstName,LastName,Email\n"


def create_job(sf: Api, **overrides: Any) -> dict[str, Any]:
    body = {"object": "Contact", "operation": "upsert", "externalIdFieldName": CUSTOMER_NO, "contentType": "CSV"}
    response = sf.post(JOBS, {**body, **overrides})
    assert response.status_code == 200, response.text
    return dict(response.json())


def upload(sf: Api, job_id: str, text: str, content_type: str = "text/csv") -> requests.Response:
    return sf.call("PUT", f"{JOBS}/{job_id}/batches", data=text.encode(), headers={"Content-Type": content_type})


def close(sf: Api, job_id: str) -> requests.Response:
    return sf.patch(f"{JOBS}/{job_id}", {"state": "UploadComplete"})


def run(sf: Api, text: str, **job: Any) -> dict[str, Any]:
    """Create, upload, close and poll one job: the job info after processing."""
    job_id = create_job(sf, **job)["id"]
    assert upload(sf, job_id, text).status_code == 201
    assert close(sf, job_id).status_code == 200
    return dict(sf.get(f"{JOBS}/{job_id}").json())


def results(sf: Api, job_id: str, kind: str) -> list[dict[str, str]]:
    response = sf.get(f"{JOBS}/{job_id}/{kind}/")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text, newline="")))


def bulk_error(response: requests.Response) -> dict[str, str]:
    """The single error of a Bulk API 2.0 refusal, checked for its shape (no `fields`)."""
    body = response.json()
    assert isinstance(body, list) and len(body) == 1, body
    assert set(body[0]) == {"errorCode", "message"}, body
    return dict(body[0])


def contacts(sf: Api) -> dict[str, dict[str, Any]]:
    rows = sf.records(f"SELECT Id, {CUSTOMER_NO}, FirstName, LastName, Email, Title, AccountId FROM Contact")
    return {row[CUSTOMER_NO]: row for row in rows}


# -- creating a job ------------------------------------------------------------------------------------------------


def test_a_new_job_is_open_with_the_url_its_data_goes_to(sf: Api) -> None:
    job = create_job(sf)

    assert job["id"].startswith("750")
    assert (job["state"], job["object"], job["operation"]) == ("Open", "Contact", "upsert")
    assert (job["contentType"], job["lineEnding"], job["columnDelimiter"]) == ("CSV", "LF", "COMMA")
    assert job["contentUrl"] == f"services/data/v62.0/jobs/ingest/{job['id']}/batches"


def test_an_upsert_job_without_its_external_id_field_is_refused_as_an_invalid_job(sf: Api) -> None:
    response = sf.post(JOBS, {"object": "Contact", "operation": "upsert"})

    assert response.status_code == 400
    assert bulk_error(response) == {
        "errorCode": "INVALIDJOB",
        "message": "External ID was blank for Contact. An External ID must be specified for upsert.",
    }


def test_an_upsert_job_keyed_on_a_field_that_is_no_external_id_is_refused(sf: Api) -> None:
    response = sf.post(JOBS, {"object": "Contact", "operation": "upsert", "externalIdFieldName": "LastName"})

    assert response.status_code == 400
    assert bulk_error(response)["errorCode"] == "INVALIDJOB"
    assert "LastName is not an External ID" in bulk_error(response)["message"]


def test_a_job_on_an_unknown_object_is_refused_as_an_invalid_entity(sf: Api) -> None:
    response = sf.post(JOBS, {"object": "Nope__c", "operation": "insert"})

    assert response.status_code == 400
    assert bulk_error(response)["errorCode"] == "INVALIDENTITY"


@pytest.mark.parametrize(
    ("field", "value"),
    [("operation", "merge"), ("lineEnding", "CR"), ("columnDelimiter", "COLON"), ("contentType", "JSON")],
)
def test_a_value_outside_an_enum_of_the_job_is_a_json_parser_error_naming_it(sf: Api, field: str, value: str) -> None:
    response = sf.post(JOBS, {"object": "Contact", "operation": "insert", field: value})

    assert response.status_code == 400
    error = bulk_error(response)
    assert error["errorCode"] == "JSON_PARSER_ERROR"
    assert field in error["message"]


def test_an_unknown_property_of_the_job_is_refused(sf: Api) -> None:
    response = sf.post(JOBS, {"object": "Contact", "operation": "insert", "batchSize": 200})

    assert response.status_code == 400
    assert bulk_error(response) == {"errorCode": "JSON_PARSER_ERROR", "message": 'Unrecognized field "batchSize"'}


def test_an_unknown_job_is_not_found(sf: Api) -> None:
    response = sf.get(f"{JOBS}/750000000000000AAA")

    assert response.status_code == 404
    assert bulk_error(response)["errorCode"] == "NOT_FOUND"


# -- the upload ----------------------------------------------------------------------------------------------------


def test_an_upload_answers_201_with_no_body(sf: Api) -> None:
    response = upload(sf, create_job(sf)["id"], HEADER + "C1,Jane,Doe,jane@example.com\n")

    assert (response.status_code, response.content) == (201, b"")


def test_a_second_upload_to_one_job_is_refused(sf: Api) -> None:
    job_id = create_job(sf)["id"]
    upload(sf, job_id, HEADER + "C1,Jane,Doe,jane@example.com\n")

    response = upload(sf, job_id, HEADER + "C2,John,Doe,john@example.com\n")

    assert response.status_code == 400
    error = bulk_error(response)
    assert error["errorCode"] == "BULK_API_ERROR"
    assert error["message"].startswith(f"Found multiple contents for job: <{job_id}>")


def test_an_upload_to_a_closed_job_is_an_invalid_job_state(sf: Api) -> None:
    job = run(sf, HEADER + "C1,Jane,Doe,jane@example.com\n")

    response = upload(sf, job["id"], HEADER + "C2,John,Doe,john@example.com\n")

    assert response.status_code == 409
    assert bulk_error(response)["errorCode"] == "INVALIDJOBSTATE"


def test_an_upload_over_150_mb_of_base64_is_refused_and_the_job_stays_open(
    sf: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the limit scaled down (the emulator serves from this process) so as not to send 150 MB
    monkeypatch.setattr(bulk_api, "MAX_UPLOAD_BASE64_BYTES", 40)
    job_id = create_job(sf)["id"]

    refused = upload(sf, job_id, HEADER + "C1,Jane,Doe,jane@example.com\n")

    assert refused.status_code == 400
    assert bulk_error(refused)["errorCode"] == "CLIENTINPUTERROR"
    assert sf.get(f"{JOBS}/{job_id}").json()["state"] == "Open"


def test_an_upload_that_is_not_csv_is_refused(sf: Api) -> None:
    response = upload(sf, create_job(sf)["id"], '{"LastName": "Doe"}', content_type="application/json")

    assert response.status_code == 415
    assert bulk_error(response)["errorCode"] == "UNSUPPORTED_MEDIA_TYPE"


# -- closing, aborting, processing ---------------------------------------------------------------------------------


def test_closing_answers_upload_complete_and_the_next_poll_reads_the_outcome(sf: Api) -> None:
    job_id = create_job(sf)["id"]
    upload(sf, job_id, HEADER + "C1,Jane,Doe,jane@example.com\nC2,John,Doe,john@example.com\n")

    closed = close(sf, job_id).json()
    polled = sf.get(f"{JOBS}/{job_id}").json()

    assert closed["state"] == "UploadComplete"
    assert (polled["state"], polled["numberRecordsProcessed"], polled["numberRecordsFailed"]) == ("JobComplete", 2, 0)
    assert sorted(contacts(sf)) == ["C1", "C2"]


def test_a_job_reads_in_progress_for_the_polls_the_org_is_told_to_take(sf: Api) -> None:
    sf.admin("POST", "/bulk", {"polls_in_progress": 2})
    job_id = create_job(sf)["id"]
    upload(sf, job_id, HEADER + "C1,Jane,Doe,jane@example.com\n")
    close(sf, job_id)

    states = [sf.get(f"{JOBS}/{job_id}").json()["state"] for _ in range(3)]

    assert states == ["InProgress", "InProgress", "JobComplete"]


def test_results_of_a_job_still_in_progress_are_refused(sf: Api) -> None:
    sf.admin("POST", "/bulk", {"polls_in_progress": 1})
    job_id = create_job(sf)["id"]
    upload(sf, job_id, HEADER + "C1,Jane,Doe,jane@example.com\n")
    close(sf, job_id)

    response = sf.get(f"{JOBS}/{job_id}/successfulResults/")

    assert response.status_code == 409
    assert bulk_error(response)["errorCode"] == "INVALIDJOBSTATE"


def test_aborting_a_completed_job_is_refused_in_salesforces_words(sf: Api) -> None:
    job = run(sf, HEADER + "C1,Jane,Doe,jane@example.com\n")

    response = sf.patch(f"{JOBS}/{job['id']}", {"state": "Aborted"})

    assert response.status_code == 409
    assert bulk_error(response) == {
        "errorCode": "INVALIDJOBSTATE",
        "message": "Aborting already Completed Job not allowed",
    }


def test_closing_a_job_twice_is_an_invalid_job_state(sf: Api) -> None:
    job = run(sf, HEADER + "C1,Jane,Doe,jane@example.com\n")

    response = close(sf, job["id"])

    assert response.status_code == 409
    assert bulk_error(response)["errorCode"] == "INVALIDJOBSTATE"


def test_an_aborted_job_writes_nothing_and_its_rows_are_unprocessed(sf: Api) -> None:
    job_id = create_job(sf)["id"]
    upload(sf, job_id, HEADER + "C1,Jane,Doe,jane@example.com\n")

    aborted = sf.patch(f"{JOBS}/{job_id}", {"state": "Aborted"}).json()

    assert aborted["state"] == "Aborted"
    assert [row[CUSTOMER_NO] for row in results(sf, job_id, "unprocessedrecords")] == ["C1"]
    assert contacts(sf) == {}


def test_a_job_closed_without_data_fails(sf: Api) -> None:
    job_id = create_job(sf)["id"]

    close(sf, job_id)

    polled = sf.get(f"{JOBS}/{job_id}").json()
    assert polled["state"] == "Failed"
    assert polled["errorMessage"]


def test_data_whose_line_ending_is_not_the_jobs_fails_the_job_unprocessed(sf: Api) -> None:
    job = run(sf, HEADER.replace("\n", "\r\n") + "C1,Jane,Doe,jane@example.com\r\n")

    assert job["state"] == "Failed"
    assert job["errorMessage"] == (
        "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF"
    )
    assert [row[CUSTOMER_NO] for row in results(sf, job["id"], "unprocessedrecords")] == ["C1"]


def test_a_crlf_job_takes_crlf_data(sf: Api) -> None:
    job = run(sf, HEADER.replace("\n", "\r\n") + "C1,Jane,Doe,jane@example.com\r\n", lineEnding="CRLF")

    assert (job["state"], job["numberRecordsProcessed"]) == ("JobComplete", 1)


def test_a_job_with_another_column_delimiter_reads_its_values_by_it(sf: Api) -> None:
    text = HEADER.replace(",", "|") + "C1|Doe, Jane|Doe|jane@example.com\n"

    job = run(sf, text, columnDelimiter="PIPE")

    assert job["numberRecordsFailed"] == 0
    assert contacts(sf)["C1"]["FirstName"] == "Doe, Jane"


def test_an_unknown_column_fails_the_whole_job(sf: Api) -> None:
    job = run(sf, "Commerce_Customer_No__c,LastName,Shoe_Size__c\nC1,Doe,42\n")

    assert job["state"] == "Failed"
    assert job["errorMessage"] == "InvalidBatch : Field name not found : Shoe_Size__c"
    assert contacts(sf) == {}


def test_a_value_over_the_131072_characters_of_a_field_fails_the_job_unread(sf: Api) -> None:
    job = run(sf, HEADER + f"C1,Jane,{'x' * 131_073},jane@example.com\n")

    assert job["state"] == "Failed"
    assert job["errorMessage"].startswith("InvalidBatch : Failed to parse CSV")
    assert contacts(sf) == {}


# -- rows: the REST API's record rules, one row at a time ---------------------------------------------------------


def test_a_failed_row_reports_its_error_and_the_other_rows_are_written(sf: Api) -> None:
    job = run(sf, HEADER + "C1,Jane,,jane@example.com\nC2,John,Doe,john@example.com\n")

    failed = results(sf, job["id"], "failedResults")
    assert failed == [
        {
            "sf__Id": "",
            "sf__Error": "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --",
            CUSTOMER_NO: "C1",
            "FirstName": "Jane",
            "LastName": "",
            "Email": "jane@example.com",
        }
    ]
    assert sorted(contacts(sf)) == ["C2"]


def test_successful_rows_carry_the_record_id_and_created_flag_then_the_uploaded_columns(sf: Api) -> None:
    existing = sf.create("Contact", {"LastName": "Old", CUSTOMER_NO: "C1"})

    job = run(sf, HEADER + "C1,Jane,Doe,jane@example.com\nC2,John,Doe,john@example.com\n")

    rows = results(sf, job["id"], "successfulResults")
    assert [list(row) for row in rows] == [["sf__Id", "sf__Created", CUSTOMER_NO, "FirstName", "LastName", "Email"]] * 2
    assert [(row[CUSTOMER_NO], row["sf__Created"]) for row in rows] == [("C1", "false"), ("C2", "true")]
    assert rows[0]["sf__Id"] == existing
    assert contacts(sf)["C1"]["LastName"] == "Doe"


def test_results_files_quote_every_value(sf: Api) -> None:
    job = run(sf, HEADER + "C1,Jane,Doe,jane@example.com\n")

    text = sf.get(f"{JOBS}/{job['id']}/successfulResults/").text

    assert text.splitlines()[0] == '"sf__Id","sf__Created","Commerce_Customer_No__c","FirstName","LastName","Email"'


@pytest.mark.parametrize(
    ("column", "value", "error"),
    [
        ("Email", "not-an-email", "INVALID_EMAIL_ADDRESS:Email: invalid email address: not-an-email:Email --"),
        ("Title", "x" * 129, f"STRING_TOO_LONG:Title: data value too large: {'x' * 129} (max length=128):Title --"),
        ("Customer_Type__c", "VIP", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:"),
        ("Email_Opt_In__c", "maybe", "INVALID_TYPE_ON_FIELD_IN_RECORD:"),
        ("Birthdate", "31/12/1990", "INVALID_TYPE_ON_FIELD_IN_RECORD:"),
    ],
)
def test_a_row_breaking_a_field_rule_fails_with_the_rest_apis_error(
    sf: Api, column: str, value: str, error: str
) -> None:
    job = run(sf, f"Commerce_Customer_No__c,LastName,{column}\nC1,Doe,{value}\n")

    [failed] = results(sf, job["id"], "failedResults")
    assert failed["sf__Error"].startswith(error)
    assert failed["sf__Error"].endswith(f":{column} --")


@pytest.mark.parametrize("value", ["NaN", "inf", "12,50", "twelve"])
def test_a_number_field_takes_only_finite_numbers(sf: Api, value: str) -> None:
    text = f'Commerce_Order_No__c,Order_Total__c\nO1,"{value}"\n'

    job = run(sf, text, object="Order", externalIdFieldName="Commerce_Order_No__c")

    [failed] = results(sf, job["id"], "failedResults")
    assert failed["sf__Error"].startswith("INVALID_TYPE_ON_FIELD_IN_RECORD:")
    assert failed["sf__Error"].endswith(":Order_Total__c --")


def test_na_sets_a_field_to_null_and_an_empty_value_leaves_it_as_it_is(sf: Api) -> None:
    sf.create("Contact", {"LastName": "Doe", CUSTOMER_NO: "C1", "Title": "Buyer", "Email": "jane@example.com"})

    run(sf, "Commerce_Customer_No__c,Title,Email\nC1,#N/A,\n")

    assert (contacts(sf)["C1"]["Title"], contacts(sf)["C1"]["Email"]) == (None, "jane@example.com")


def test_two_rows_of_one_job_naming_one_external_id_both_fail(sf: Api) -> None:
    job = run(sf, HEADER + "C1,Jane,Doe,jane@example.com\nc1,John,Doe,john@example.com\nC2,Al,Doe,al@example.com\n")

    errors = [row["sf__Error"] for row in results(sf, job["id"], "failedResults")]
    assert errors == [
        f"DUPLICATE_EXTERNAL_ID:Duplicate external id specified: C1:{CUSTOMER_NO} --",
        f"DUPLICATE_EXTERNAL_ID:Duplicate external id specified: c1:{CUSTOMER_NO} --",
    ]
    assert sorted(contacts(sf)) == ["C2"]


def test_a_relationship_column_links_the_record_by_the_parents_external_id(sf: Api) -> None:
    account = sf.create("Account", {"Name": "Shop", "Commerce_Customer_List_Id__c": "list-1"})

    run(sf, "Commerce_Customer_No__c,LastName,Account.Commerce_Customer_List_Id__c\nC1,Doe,list-1\nC2,Roe,list-9\n")

    assert contacts(sf)["C1"]["AccountId"] == account
    assert "C2" not in contacts(sf)


def test_the_alert_duplicate_rule_fails_a_bulk_insert_whatever_header_the_close_carries(sf: Api) -> None:
    sf.create("Contact", {"FirstName": "Jane", "LastName": "Doe", "Email": "jane@example.com"})
    job_id = create_job(sf, operation="insert", externalIdFieldName=None)["id"]
    upload(sf, job_id, "FirstName,LastName,Email\nJane,Doe,JANE@example.com\n")

    sf.patch(
        f"{JOBS}/{job_id}", {"state": "UploadComplete"}, headers={"Sforce-Duplicate-Rule-Header": "allowSave=true"}
    )

    [failed] = results(sf, job_id, "failedResults")
    assert failed["sf__Error"] == "DUPLICATES_DETECTED:Use one of these records?:--"


def test_an_update_job_writes_by_id_and_an_unknown_id_fails_its_row(sf: Api) -> None:
    contact = sf.create("Contact", {"LastName": "Doe", CUSTOMER_NO: "C1"})
    unknown = contact[:-6] + "zzzAAA"

    job = run(sf, f"Id,Title\n{contact},Buyer\n{unknown},Chef\n", operation="update", externalIdFieldName=None)

    assert contacts(sf)["C1"]["Title"] == "Buyer"
    [failed] = results(sf, job["id"], "failedResults")
    assert failed["sf__Error"] == "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:Id --"


def test_a_delete_job_deletes_by_id(sf: Api) -> None:
    contact = sf.create("Contact", {"LastName": "Doe", CUSTOMER_NO: "C1"})

    job = run(sf, f"Id\n{contact}\n", operation="delete", externalIdFieldName=None)

    assert (job["numberRecordsProcessed"], job["numberRecordsFailed"]) == (1, 0)
    assert contacts(sf) == {}


# -- listing and deleting jobs -------------------------------------------------------------------------------------


def test_every_ingest_job_is_listed(sf: Api) -> None:
    first, second = create_job(sf)["id"], create_job(sf, operation="insert", externalIdFieldName=None)["id"]

    listing = sf.get(JOBS).json()

    assert listing["done"] is True
    assert [(job["id"], job["jobType"]) for job in listing["records"]] == [(first, "V2Ingest"), (second, "V2Ingest")]


def test_a_finished_job_can_be_deleted_and_is_then_not_found(sf: Api) -> None:
    job = run(sf, HEADER + "C1,Jane,Doe,jane@example.com\n")

    deleted = sf.delete(f"{JOBS}/{job['id']}")

    assert deleted.status_code == 204
    assert sf.get(f"{JOBS}/{job['id']}").status_code == 404


def test_an_open_job_cannot_be_deleted(sf: Api) -> None:
    response = sf.delete(f"{JOBS}/{create_job(sf)['id']}")

    assert response.status_code == 409
    assert bulk_error(response)["errorCode"] == "INVALIDJOBSTATE"


# -- counting, faults, limits --------------------------------------------------------------------------------------


def test_each_bulk_request_is_one_api_call(sf: Api) -> None:
    sf.admin("POST", "/counters/reset")
    job = run(sf, HEADER + "C1,Jane,Doe,jane@example.com\n")
    for kind in ("successfulResults", "failedResults", "unprocessedrecords"):
        results(sf, job["id"], kind)

    counters = sf.counters()

    assert counters["by_operation"]["bulk"] == counters["total"] == 7
    assert counters["by_path"]["GET /jobs/ingest/{id}"] == 1
    assert counters["by_path"]["PUT /jobs/ingest/{id}/batches"] == 1


def test_a_fault_on_a_bulk_request_answers_salesforces_error_and_changes_nothing(sf: Api) -> None:
    job_id = create_job(sf)["id"]
    sf.admin("POST", "/faults", {"match": "PUT /jobs/ingest/{id}/batches", "status": 503, "count": 1})

    failed = upload(sf, job_id, HEADER + "C1,Jane,Doe,jane@example.com\n")
    again = upload(sf, job_id, HEADER + "C1,Jane,Doe,jane@example.com\n")

    assert failed.status_code == 503
    assert failed.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert again.status_code == 201


def test_a_record_fault_fails_one_row_of_a_job_as_a_real_row_error(sf: Api) -> None:
    sf.admin(
        "POST",
        "/faults",
        {"match": "/jobs/ingest", "scope": "record", "externalId": "C2", "errorCode": "UNABLE_TO_LOCK_ROW"},
    )

    job = run(sf, HEADER + "C1,Jane,Doe,jane@example.com\nC2,John,Doe,john@example.com\n")

    [failed] = results(sf, job["id"], "failedResults")
    assert failed[CUSTOMER_NO] == "C2"
    assert failed["sf__Error"].startswith("UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record")
    assert sorted(contacts(sf)) == ["C1"]


def test_rows_past_the_daily_record_allocation_are_left_unprocessed_and_the_job_fails(sf: Api) -> None:
    sf.admin("POST", "/bulk", {"records_per_day": 2})

    job = run(sf, HEADER + "".join(f"C{n},F{n},L{n},u{n}@example.com\n" for n in range(3)))

    assert job["state"] == "Failed"
    assert job["errorMessage"].startswith("ExceededQuota")
    assert [row[CUSTOMER_NO] for row in results(sf, job["id"], "unprocessedrecords")] == ["C2"]
    assert sorted(contacts(sf)) == ["C0", "C1"]
