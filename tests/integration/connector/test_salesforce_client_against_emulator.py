"""`connector.salesforce.SalesforceClient` against the Salesforce emulator over real HTTP.

The emulator implements Salesforce's REST API shape (OAuth token endpoint, sObjects, upsert by
external id, SOQL with cursors, composite, sObject collections) and counts what Salesforce counts.
"""

import threading

import pytest
import requests

from connector.errors import PermanentError, TransientError
from connector.salesforce import (
    PermanentSalesforceError,
    SalesforceClient,
    TransientSalesforceError,
    soql_quote,
)
from connector.salesforce.auth import ClientCredentials, TokenProvider

CUSTOMER_NO = "Commerce_Customer_No__c"


def jane(**extra):
    return {"FirstName": "Jane", "LastName": "Doe", "Email": "jane.doe@example.com", **extra}


def create_request(reference_id: str, sobject: str, body: dict) -> dict:
    """One composite subrequest creating a record."""
    return {
        "method": "POST",
        "url": f"/services/data/v62.0/sobjects/{sobject}",
        "referenceId": reference_id,
        "body": body,
    }


# -- OAuth: one token per container, renewed once when the session expires ---------------------------------------


def test_first_call_fetches_a_client_credentials_token(salesforce, admin):
    salesforce.query("SELECT Id FROM Contact")

    assert admin.token_requests() == 1


def test_token_is_cached_across_calls_and_client_instances(new_client, admin):
    first, second = new_client(), new_client()

    first.query("SELECT Id FROM Contact")
    first.create("Contact", jane())
    second.query("SELECT Id FROM Contact")

    assert admin.token_requests() == 1


def test_expired_session_is_renewed_exactly_once_and_the_call_succeeds(salesforce, admin):
    salesforce.create("Contact", jane())
    admin.expire_sessions()

    records = salesforce.query("SELECT Id, LastName FROM Contact")

    assert [r["LastName"] for r in records] == ["Doe"]
    assert admin.token_requests() == 2


def test_renewed_token_is_shared_with_other_client_instances(new_client, admin):
    first, second = new_client(), new_client()
    first.query("SELECT Id FROM Contact")
    admin.expire_sessions()

    first.query("SELECT Id FROM Contact")
    second.query("SELECT Id FROM Contact")

    assert admin.token_requests() == 2


def test_concurrent_calls_on_an_expired_session_renew_it_only_once(new_client, admin):
    clients = [new_client() for _ in range(8)]
    clients[0].query("SELECT Id FROM Contact")
    admin.expire_sessions()
    errors: list[BaseException] = []

    def call(client: SalesforceClient) -> None:
        try:
            client.query("SELECT Id FROM Contact")
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)

    assert errors == []
    assert admin.token_requests() == 2


def test_session_still_invalid_after_one_renewal_is_an_error_not_a_loop(salesforce, admin):
    salesforce.query("SELECT Id FROM Contact")
    admin.fault(errorCode="INVALID_SESSION_ID", count=2)

    with pytest.raises(PermanentSalesforceError) as raised:
        salesforce.query("SELECT Id FROM Contact")

    assert raised.value.error_code == "INVALID_SESSION_ID"
    assert admin.token_requests() == 2


def test_wrong_client_secret_is_a_permanent_error(emulator_url, admin):
    client = SalesforceClient(TokenProvider(ClientCredentials(emulator_url, "local-client", "wrong-secret")))

    with pytest.raises(PermanentError) as raised:
        client.query("SELECT Id FROM Contact")

    assert not isinstance(raised.value, TransientError)
    assert admin.api_calls() == 0


def test_unreachable_token_endpoint_is_a_transient_error(admin):
    client = SalesforceClient(TokenProvider(ClientCredentials("http://127.0.0.1:9", "local-client", "local-secret")))

    with pytest.raises(TransientError):
        client.query("SELECT Id FROM Contact")


# -- sObjects -----------------------------------------------------------------------------------------------


def test_created_record_reads_back(salesforce):
    contact_id = salesforce.create("Contact", jane())

    record = salesforce.get("Contact", contact_id)

    assert record["Id"] == contact_id
    assert (record["FirstName"], record["LastName"], record["Email"]) == ("Jane", "Doe", "jane.doe@example.com")


def test_get_returns_only_the_requested_fields(salesforce):
    contact_id = salesforce.create("Contact", jane())

    record = salesforce.get("Contact", contact_id, fields=["LastName"])

    assert record["LastName"] == "Doe"
    assert "Email" not in record


def test_updated_record_reads_back_changed(salesforce):
    contact_id = salesforce.create("Contact", jane())

    salesforce.update("Contact", contact_id, {"LastName": "Doe-Smith"})

    assert salesforce.get("Contact", contact_id)["LastName"] == "Doe-Smith"


def test_deleted_record_is_gone(salesforce):
    contact_id = salesforce.create("Contact", jane())

    salesforce.delete("Contact", contact_id)

    with pytest.raises(PermanentSalesforceError) as raised:
        salesforce.get("Contact", contact_id)
    assert (raised.value.status, raised.value.error_code) == (404, "NOT_FOUND")


def test_upsert_creates_then_updates_the_same_record(salesforce, admin):
    first = salesforce.upsert("Contact", CUSTOMER_NO, "00001001", jane())

    second = salesforce.upsert("Contact", CUSTOMER_NO, "00001001", jane(LastName="Doe-Smith"))

    assert first.created is True
    assert second.created is False
    assert second.id == first.id
    (stored,) = admin.records("Contact")
    assert (stored[CUSTOMER_NO], stored["LastName"]) == ("00001001", "Doe-Smith")


def test_upsert_value_is_escaped_into_the_path(salesforce, admin):
    result = salesforce.upsert("Contact", CUSTOMER_NO, "A 1#2?3", jane())

    assert result.created is True
    assert [r[CUSTOMER_NO] for r in admin.records("Contact")] == ["A 1#2?3"]


# -- SOQL -----------------------------------------------------------------------------------------------------


@pytest.fixture
def five_contacts(salesforce):
    results = salesforce.upsert_many(
        "Contact", CUSTOMER_NO, [{CUSTOMER_NO: f"0000100{n}", "LastName": f"Customer {n}"} for n in range(5)]
    )
    assert all(r.success for r in results)
    return results


def test_query_returns_every_matching_record(salesforce, five_contacts):
    records = salesforce.query("SELECT Id, LastName FROM Contact ORDER BY LastName")

    assert [r["LastName"] for r in records] == [f"Customer {n}" for n in range(5)]


def test_query_follows_next_records_url_page_by_page(admin, credentials, five_contacts):
    session = requests.Session()
    session.headers["Sforce-Query-Options"] = "batchSize=2"
    client = SalesforceClient(TokenProvider(credentials), session=session)
    before = admin.counters()["by_operation"]

    records = client.query("SELECT Id, LastName FROM Contact ORDER BY LastName")

    assert [r["LastName"] for r in records] == [f"Customer {n}" for n in range(5)]
    after = admin.counters()["by_operation"]
    assert after["query"] - before["query"] == 1
    assert after["query_more"] - before["query_more"] == 2
    assert client.calls.by_operation == {"query": 1, "query_more": 2}


def test_query_iter_fetches_later_pages_only_when_needed(credentials, five_contacts):
    session = requests.Session()
    session.headers["Sforce-Query-Options"] = "batchSize=2"
    client = SalesforceClient(TokenProvider(credentials), session=session)

    first = next(client.query_iter("SELECT Id FROM Contact"))

    assert first["Id"]
    assert client.calls.by_operation == {"query": 1}


def test_query_with_a_quoted_value_matches_it_literally(salesforce):
    salesforce.create("Contact", {"LastName": "O'Brien"})
    salesforce.create("Contact", {"LastName": "Doe"})

    records = salesforce.query(f"SELECT LastName FROM Contact WHERE LastName = {soql_quote("O'Brien")}")
    injected = salesforce.query(f"SELECT LastName FROM Contact WHERE LastName = {soql_quote("x' OR LastName != '")}")

    assert [r["LastName"] for r in records] == ["O'Brien"]
    assert injected == []


def test_malformed_query_is_a_permanent_error(salesforce):
    with pytest.raises(PermanentSalesforceError) as raised:
        salesforce.query("SELECT FROM Contact WHERE")

    assert raised.value.status == 400
    assert raised.value.error_code == "MALFORMED_QUERY"


# -- composite -----------------------------------------------------------------------------------------------


def test_composite_writes_dependent_records_in_one_call_using_references(salesforce, admin):
    results = salesforce.composite(
        [
            {
                "method": "PATCH",
                "url": "/services/data/v62.0/sobjects/Account/Commerce_Customer_List_Id__c/RefArchGlobal",
                "referenceId": "account",
                "body": {"Name": "RefArchGlobal"},
            },
            create_request("contact", "Contact", {"LastName": "Doe", "AccountId": "@{account.id}"}),
        ]
    )

    assert [(r.reference_id, r.status) for r in results] == [("account", 201), ("contact", 201)]
    account_id = results[0].body["id"]
    (contact,) = admin.records("Contact")
    assert contact["AccountId"] == account_id
    assert admin.api_calls() == 1


def test_failed_composite_raises_the_real_error_and_writes_nothing(salesforce, admin):
    with pytest.raises(PermanentSalesforceError) as raised:
        salesforce.composite(
            [
                create_request("a", "Account", {"Name": "A"}),
                create_request("c", "Contact", {"Email": "x@y.z"}),
            ]
        )

    assert raised.value.error_code == "REQUIRED_FIELD_MISSING"
    assert raised.value.operation == "composite:c"
    assert admin.records("Account") == [] and admin.records("Contact") == []


def test_composite_without_all_or_none_returns_each_outcome(salesforce):
    results = salesforce.composite(
        [
            create_request("a", "Account", {"Name": "A"}),
            create_request("c", "Contact", {"Email": "x@y.z"}),
        ],
        all_or_none=False,
    )

    assert [r.status for r in results] == [201, 400]


def upsert_request(reference_id: str, sobject: str, field: str, value: str, body: dict) -> dict:
    return {
        "method": "PATCH",
        "url": f"/services/data/v62.0/sobjects/{sobject}/{field}/{value}",
        "referenceId": reference_id,
        "body": body,
    }


def test_a_300_inside_a_composite_is_a_permanent_failure_not_a_success(salesforce, admin):
    # given an org where several Contacts carry the customer number the upsert names
    admin.fault(scope="subrequest", referenceId="contact", status=300, count=1)

    with pytest.raises(PermanentSalesforceError) as raised:
        salesforce.composite(
            [
                create_request("account", "Account", {"Name": "A"}),
                upsert_request("contact", "Contact", CUSTOMER_NO, "00009001", {"LastName": "Doe"}),
            ]
        )

    assert (raised.value.status, raised.value.error_code) == (300, "MULTIPLE_CHOICES")
    assert raised.value.operation == "composite:contact"


def test_a_300_inside_a_composite_without_all_or_none_is_reported_as_failed(salesforce, admin):
    admin.fault(scope="subrequest", referenceId="contact", status=300, count=1)

    results = salesforce.composite(
        [upsert_request("contact", "Contact", CUSTOMER_NO, "00009002", {"LastName": "Doe"})], all_or_none=False
    )

    assert [(r.status, r.succeeded) for r in results] == [(300, False)]


def test_a_subrequest_duplicate_on_the_upserted_key_is_transient(salesforce, admin):
    message = f"duplicate value found: {CUSTOMER_NO} duplicates value on record with id: 003000000000001AAA"
    admin.fault(scope="subrequest", referenceId="contact", errorCode="DUPLICATE_VALUE", message=message, count=1)

    with pytest.raises(TransientSalesforceError):
        salesforce.composite(
            [
                create_request("account", "Account", {"Name": "A"}),
                upsert_request("contact", "Contact", CUSTOMER_NO, "00009003", {"LastName": "Doe"}),
            ]
        )


def test_a_subrequest_duplicate_on_another_unique_field_is_permanent(salesforce, admin):
    message = "duplicate value found: Email_Key__c duplicates value on record with id: 003000000000001AAA"
    admin.fault(scope="subrequest", referenceId="contact", errorCode="DUPLICATE_VALUE", message=message, count=1)

    with pytest.raises(PermanentSalesforceError) as raised:
        salesforce.composite(
            [
                create_request("account", "Account", {"Name": "A"}),
                upsert_request("contact", "Contact", CUSTOMER_NO, "00009004", {"LastName": "Doe"}),
            ]
        )

    assert raised.value.error_code == "DUPLICATE_VALUE"


def test_an_upsert_duplicate_on_another_unique_field_fails_at_once_without_a_second_call(salesforce, admin):
    message = "duplicate value found: Email_Key__c duplicates value on record with id: 003000000000001AAA"
    admin.fault(errorCode="DUPLICATE_VALUE", message=message, count=1)

    with pytest.raises(PermanentSalesforceError):
        salesforce.upsert("Contact", CUSTOMER_NO, "00009005", {"LastName": "Doe"})

    assert admin.api_calls() == 1


def test_an_upsert_that_lost_the_race_for_its_key_is_retried_once_as_an_update(salesforce, admin):
    message = f"duplicate value found: {CUSTOMER_NO} duplicates value on record with id: 003000000000001AAA"
    admin.fault(errorCode="DUPLICATE_VALUE", message=message, count=1)

    result = salesforce.upsert("Contact", CUSTOMER_NO, "00009006", {"LastName": "Doe"})

    assert result.id
    assert admin.api_calls() == 2


# -- sObject collections --------------------------------------------------------------------------------------


def test_upsert_many_creates_then_updates_in_one_call_each(salesforce, admin):
    records = [{CUSTOMER_NO: f"0000200{n}", "LastName": f"Customer {n}"} for n in range(3)]

    created = salesforce.upsert_many("Contact", CUSTOMER_NO, records)
    updated = salesforce.upsert_many("Contact", CUSTOMER_NO, [{**r, "FirstName": "Updated"} for r in records])

    assert [(r.success, r.created) for r in created] == [(True, True)] * 3
    assert [(r.success, r.created) for r in updated] == [(True, False)] * 3
    assert [r.id for r in updated] == [r.id for r in created]
    assert admin.api_calls() == 2


def test_upsert_many_reports_a_failing_record_without_failing_the_others(salesforce):
    results = salesforce.upsert_many(
        "Contact", CUSTOMER_NO, [{CUSTOMER_NO: "00003001", "LastName": "Fine"}, {CUSTOMER_NO: "00003002"}]
    )

    assert [r.success for r in results] == [True, False]
    assert results[1].errors[0].error_code == "REQUIRED_FIELD_MISSING"
    assert isinstance(results[1].error(), PermanentSalesforceError)


def test_upsert_many_fails_only_the_record_the_org_refuses_and_says_if_a_retry_can_help(salesforce, admin):
    # given a lock on the second record and a duplicate on a non-raced unique field on the third
    message = "duplicate value found: Email_Key__c duplicates value on record with id: 003000000000001AAA"
    admin.fault(scope="record", index=1, errorCode="UNABLE_TO_LOCK_ROW", count=1)
    admin.fault(scope="record", index=2, errorCode="DUPLICATE_VALUE", message=message, count=1)
    records = [{CUSTOMER_NO: f"0000400{n}", "LastName": f"Customer {n}"} for n in range(3)]

    results = salesforce.upsert_many("Contact", CUSTOMER_NO, records)

    assert [r.success for r in results] == [True, False, False]
    assert isinstance(results[1].error(), TransientSalesforceError)
    assert isinstance(results[2].error(), PermanentSalesforceError)


def test_upsert_many_of_nothing_costs_no_call(salesforce, admin):
    assert salesforce.upsert_many("Contact", CUSTOMER_NO, []) == []
    assert salesforce.calls.total == 0


# -- errors: transient or permanent ---------------------------------------------------------------------------


def test_injected_503_is_a_transient_error(salesforce, admin):
    admin.fault(status=503, count=1)

    with pytest.raises(TransientSalesforceError) as raised:
        salesforce.create("Contact", jane())

    assert raised.value.status == 503


def test_unable_to_lock_row_is_a_transient_error(salesforce, admin):
    admin.fault(errorCode="UNABLE_TO_LOCK_ROW", count=1)

    with pytest.raises(TransientSalesforceError) as raised:
        salesforce.upsert("Contact", CUSTOMER_NO, "00001001", jane())

    assert raised.value.error_code == "UNABLE_TO_LOCK_ROW"


def test_request_limit_exceeded_is_a_transient_error(salesforce, admin):
    admin.fault(errorCode="REQUEST_LIMIT_EXCEEDED", count=1)

    with pytest.raises(TransientSalesforceError) as raised:
        salesforce.query("SELECT Id FROM Contact")

    assert raised.value.error_code == "REQUEST_LIMIT_EXCEEDED"


def test_fault_passes_and_the_next_call_succeeds(salesforce, admin):
    admin.fault(status=503, count=1)
    with pytest.raises(TransientSalesforceError):
        salesforce.create("Contact", jane())

    contact_id = salesforce.create("Contact", jane())

    assert contact_id


def test_missing_required_field_is_a_permanent_error_naming_it(salesforce):
    with pytest.raises(PermanentSalesforceError) as raised:
        salesforce.create("Contact", {"FirstName": "Jane"})

    assert raised.value.status == 400
    assert raised.value.error_code == "REQUIRED_FIELD_MISSING"
    assert "LastName" in raised.value.details[0].fields


def test_unknown_field_is_a_permanent_error(salesforce):
    with pytest.raises(PermanentSalesforceError) as raised:
        salesforce.upsert("Contact", CUSTOMER_NO, "00001001", jane(No_Such_Field__c="x"))

    assert raised.value.error_code == "INVALID_FIELD"


# -- API-call accounting ------------------------------------------------------------------------------------


def test_client_counts_the_api_calls_the_org_counts(salesforce, admin):
    contact_id = salesforce.create("Contact", jane())
    salesforce.get("Contact", contact_id)
    salesforce.update("Contact", contact_id, {"LastName": "Doe-Smith"})
    salesforce.upsert("Contact", CUSTOMER_NO, "00001001", jane())
    salesforce.query("SELECT Id FROM Contact")
    salesforce.upsert_many("Contact", CUSTOMER_NO, [{CUSTOMER_NO: "00001002", "LastName": "Wei"}])

    org = admin.counters()
    assert salesforce.calls.total == org["total"] == 6
    assert salesforce.calls.by_operation == {op: n for op, n in org["by_operation"].items() if n}


def test_failed_calls_count_like_the_org_counts_them(salesforce, admin):
    admin.fault(status=503, count=1)
    with pytest.raises(TransientSalesforceError):
        salesforce.create("Contact", jane())
    with pytest.raises(PermanentSalesforceError):
        salesforce.create("Contact", {"FirstName": "Jane"})

    assert salesforce.calls.total == admin.api_calls() == 2


def test_a_renewed_session_costs_what_the_org_counts(salesforce, admin):
    salesforce.query("SELECT Id FROM Contact")
    admin.expire_sessions()

    salesforce.query("SELECT Id FROM Contact")

    assert salesforce.calls.total == admin.api_calls()


# -- describe: several objects in one API call --------------------------------------------------------------------


def test_describe_many_reads_several_objects_in_one_call_and_leaves_out_unknown_ones(salesforce, admin):
    before = admin.api_calls()

    described = salesforce.describe_many(["Contact", "Case", "Invoice__c", "User"])

    assert admin.api_calls() - before == 1
    assert sorted(described) == ["Case", "Contact", "User"]
    assert {f["name"] for f in described["Contact"]["fields"]} >= {"Email", "LastName", "AccountId"}


def test_describe_many_splits_into_calls_of_25_objects(salesforce, admin):
    before = admin.api_calls()

    described = salesforce.describe_many(["Contact"] + [f"Missing{i}__c" for i in range(25)])

    assert admin.api_calls() - before == 2
    assert list(described) == ["Contact"]


def test_describe_many_when_salesforce_is_down_is_transient(salesforce, admin):
    admin.fault(status=503, match="/composite")

    with pytest.raises(TransientError):
        salesforce.describe_many(["Contact"])
