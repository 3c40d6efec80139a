"""`connector.clients.salesforce_bulk.SalesforceBulk` against the Salesforce emulator over real HTTP.

The emulator's Bulk API 2.0 ingest writes rows through the same record rules as its REST API and
counts each Bulk request as one API call, as Salesforce does.
"""

import pytest

from connector.clients import salesforce_bulk
from connector.clients.salesforce_bulk import BulkJob, SalesforceBulk, row_error
from connector.errors import TransientError
from connector.salesforce import PermanentSalesforceError, TransientSalesforceError

CUSTOMER_NO = "Commerce_Customer_No__c"


@pytest.fixture
def bulk(salesforce):
    return SalesforceBulk(salesforce, retry_pause_seconds=0)


def customer(number: int, **extra) -> dict[str, str]:
    return {CUSTOMER_NO: f"C{number:05d}", "FirstName": f"First{number}", "LastName": f"Last{number}", **extra}


def run_job(bulk: SalesforceBulk, rows, sobject: str = "Contact", key: str = CUSTOMER_NO):
    job = bulk.create_upsert_job(sobject, key)
    bulk.upload(job.id, rows)
    bulk.close(job.id)
    finished = bulk.job(job.id)
    return finished, bulk.results(job.id)


def contacts_by_number(admin) -> dict[str, dict]:
    return {row[CUSTOMER_NO]: row for row in admin.records("Contact")}


# -- one job, a handful of calls ----------------------------------------------------------------------------------


def contact_count(salesforce) -> int:
    path = salesforce.data_path("query")
    response = salesforce.request("GET", path, operation="query", params={"q": "SELECT COUNT() FROM Contact"})
    return int(response.json()["totalSize"])


def test_ten_thousand_rows_in_one_job_cost_create_upload_close_poll_and_three_results_calls(bulk, admin, salesforce):
    rows = [customer(n) for n in range(10_000)]

    job, results = run_job(bulk, rows)

    counters = admin.counters()
    assert counters["by_operation"]["bulk"] == 7  # create, upload, close, poll, 3 results
    assert counters["total"] == 7
    assert salesforce.calls.by_operation == {"bulk": 7}  # the client counts what the org counts
    assert job.state == "JobComplete"
    assert (job.records_processed, job.records_failed) == (10_000, 0)
    assert len({row["sf__Id"] for row in results.successful}) == 10_000
    assert contact_count(salesforce) == 10_000  # the external id is unique: each customer once


def test_a_job_reads_back_as_the_contract_describes_it(bulk):
    created = bulk.create_upsert_job("Contact", CUSTOMER_NO)

    assert created == BulkJob(
        id=created.id,
        state="Open",
        object="Contact",
        operation="upsert",
        external_id_field=CUSTOMER_NO,
        records_processed=0,
        records_failed=0,
        error_message=None,
    )


def test_successful_rows_carry_the_record_id_and_whether_the_upsert_created_it(bulk, admin):
    admin.seed({"Contact": [customer(1, Email="old@example.com")]})

    _, results = run_job(bulk, [customer(1, Email="new@example.com"), customer(2)])

    by_number = {row[CUSTOMER_NO]: row for row in results.successful}
    stored = contacts_by_number(admin)
    assert by_number["C00001"]["sf__Created"] == "false"
    assert by_number["C00002"]["sf__Created"] == "true"
    assert {row["sf__Id"] for row in results.successful} == {stored["C00001"]["Id"], stored["C00002"]["Id"]}
    assert stored["C00001"]["Email"] == "new@example.com"


# -- per-row failures -----------------------------------------------------------------------------------------------


def test_rows_salesforce_refuses_fail_with_their_error_and_the_other_rows_are_written(bulk, admin):
    rows = [customer(1), customer(2, LastName=""), customer(3, Email="not an email"), customer(4)]

    job, results = run_job(bulk, rows)

    assert (job.state, job.records_processed, job.records_failed) == ("JobComplete", 4, 2)
    errors = {row[CUSTOMER_NO]: row["sf__Error"] for row in results.failed}
    assert errors == {
        "C00002": "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --",
        "C00003": "INVALID_EMAIL_ADDRESS:Email: invalid email address: not an email:Email --",
    }
    assert sorted(contacts_by_number(admin)) == ["C00001", "C00004"]


def test_a_failed_rows_error_reads_as_a_code_and_its_fields(bulk):
    _, results = run_job(bulk, [customer(1, Email="not an email")])

    [failed] = results.failed
    assert (row_error(failed).error_code, row_error(failed).fields) == ("INVALID_EMAIL_ADDRESS", ("Email",))


def test_an_unknown_column_fails_the_whole_job_and_leaves_every_row_unprocessed(bulk, admin):
    job, results = run_job(bulk, [customer(1, Nickname__c="Jo"), customer(2, Nickname__c="Al")])

    assert job.state == "Failed"
    assert job.error_message == "InvalidBatch : Field name not found : Nickname__c"
    assert [row[CUSTOMER_NO] for row in results.unprocessed] == ["C00001", "C00002"]
    assert (results.successful, results.failed) == ([], [])
    assert admin.records("Contact") == []


# -- CSV round trip ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "plain",
        'with "double quotes" inside',
        "with, commas, inside",
        "with\nan LF and\r\na CRLF inside",
        "  leading and trailing spaces  ",
        "accents é, ümlauts, 漢字 and emoji 🎉",
        "#N/A is null only as the whole value: not #N/A here",
    ],
)
def test_csv_edge_cases_round_trip_unchanged_to_salesforce_and_back(bulk, admin, description):
    row = customer(1, Description=description)

    _, results = run_job(bulk, [row])

    assert results.successful[0]["Description"] == description
    assert contacts_by_number(admin)["C00001"]["Description"] == description


def test_none_sets_a_field_to_null_and_a_missing_column_leaves_it_as_it_is(bulk, admin):
    admin.seed({"Contact": [customer(1, Title="Buyer", Phone="+33 1 23 45 67 89")]})
    admin.seed({"Contact": [customer(2, Title="Chef", Phone="+33 9 87 65 43 21")]})

    run_job(bulk, [{CUSTOMER_NO: "C00001", "Title": None}, {CUSTOMER_NO: "C00002", "Phone": ""}])

    stored = contacts_by_number(admin)
    assert (stored["C00001"]["Title"], stored["C00001"]["Phone"]) == (None, "+33 1 23 45 67 89")
    assert (stored["C00002"]["Title"], stored["C00002"]["Phone"]) == ("Chef", "+33 9 87 65 43 21")


# -- errors and retries --------------------------------------------------------------------------------------------


def test_a_transient_failure_of_a_poll_is_tried_again_and_costs_one_more_call(bulk, admin):
    job = bulk.create_upsert_job("Contact", CUSTOMER_NO)
    bulk.upload(job.id, [customer(1)])
    bulk.close(job.id)
    admin.fault(match="GET /jobs/ingest/{id}", status=503, count=1)

    polled = bulk.job(job.id)

    assert polled.state == "JobComplete"
    assert admin.counters()["by_path"]["GET /jobs/ingest/{id}"] == 2


def test_a_poll_failing_every_time_raises_a_transient_error(bulk, admin):
    job = bulk.create_upsert_job("Contact", CUSTOMER_NO)
    admin.fault(match="GET /jobs/ingest/{id}", errorCode="REQUEST_LIMIT_EXCEEDED")

    with pytest.raises(TransientSalesforceError) as raised:
        bulk.job(job.id)

    assert raised.value.error_code == "REQUEST_LIMIT_EXCEEDED"
    assert admin.counters()["by_path"]["GET /jobs/ingest/{id}"] == 3


def test_a_transient_failure_of_an_upload_is_raised_for_the_queue_not_repeated(bulk, admin):
    job = bulk.create_upsert_job("Contact", CUSTOMER_NO)
    admin.fault(match="PUT /jobs/ingest/{id}/batches", status=503, count=1)

    with pytest.raises(TransientError):
        bulk.upload(job.id, [customer(1)])

    assert admin.counters()["by_path"]["PUT /jobs/ingest/{id}/batches"] == 1
    assert bulk.job(job.id).state == "Open"


def test_a_refused_state_change_is_a_permanent_error_with_the_real_code_and_message(bulk):
    job, _ = run_job(bulk, [customer(1)])

    with pytest.raises(PermanentSalesforceError) as raised:
        bulk.abort(job.id)

    assert raised.value.error_code == "INVALIDJOBSTATE"
    assert raised.value.details[0].message == "Aborting already Completed Job not allowed"


def test_an_expired_session_is_renewed_once_and_the_bulk_call_succeeds(bulk, admin):
    job = bulk.create_upsert_job("Contact", CUSTOMER_NO)
    admin.expire_sessions()

    bulk.upload(job.id, [customer(1)])

    assert admin.token_requests() == 2
    assert bulk.close(job.id).state == "UploadComplete"


def test_an_aborted_job_writes_nothing_and_returns_its_rows_as_unprocessed(bulk, admin):
    job = bulk.create_upsert_job("Contact", CUSTOMER_NO)
    bulk.upload(job.id, [customer(1), customer(2)])

    aborted = bulk.abort(job.id)

    assert aborted.state == "Aborted"
    assert [row[CUSTOMER_NO] for row in bulk.results(job.id).unprocessed] == ["C00001", "C00002"]
    assert admin.records("Contact") == []


def test_an_empty_upload_is_refused_before_any_call(bulk, admin):
    job = bulk.create_upsert_job("Contact", CUSTOMER_NO)

    with pytest.raises(ValueError, match="at least one row"):
        bulk.upload(job.id, [])

    assert admin.counters()["total"] == 1


def test_an_upload_over_the_guides_100_mb_is_refused_before_any_call(bulk, admin, monkeypatch):
    # given a limit scaled down so that the test need not build 100 MB of CSV
    monkeypatch.setattr(salesforce_bulk, "MAX_UPLOAD_BYTES", 100)
    job = bulk.create_upsert_job("Contact", CUSTOMER_NO)

    with pytest.raises(ValueError, match="at most 100 bytes"):
        bulk.upload(job.id, [customer(n) for n in range(5)])

    assert admin.counters()["total"] == 1
