"""The Salesforce emulator's /_admin/ API: reset, seed, records, counters, faults, sessions."""

from __future__ import annotations

import time

import requests
from sf_client import Api


def test_reset_empties_the_org_but_keeps_seeded_users_and_tokens(sf: Api) -> None:
    # given a contact and the seeded record types
    sf.create("Contact", {"LastName": "Doe"})
    record_types = sf.records("SELECT Id FROM RecordType")
    # when the org is reset
    assert sf.admin("POST", "/reset").status_code == 200
    # then data is gone, seeded records keep their ids, and the token still works
    assert sf.records("SELECT Id FROM Contact") == []
    assert sf.records("SELECT Id FROM RecordType") == record_types
    assert len(sf.records("SELECT Id FROM User")) == 1


def test_reset_restarts_auto_numbers(sf: Api) -> None:
    # given a case created before a reset
    sf.create("Case", {"Subject": "x"})
    sf.admin("POST", "/reset")
    # when a case is created after it
    case_id = sf.create("Case", {"Subject": "y"})
    # then numbering starts again
    assert sf.get(f"/sobjects/Case/{case_id}").json()["CaseNumber"] == "00000001"


def test_seed_creates_records_through_validation_and_returns_ids(sf: Api) -> None:
    # given an account and a contact that refers to it by external id
    body = {
        "Account": [{"Name": "RefArch", "Commerce_Customer_List_Id__c": "RefArchGlobal"}],
        "Contact": [
            {"LastName": "Doe", "Account": {"Commerce_Customer_List_Id__c": "RefArchGlobal"}},
            {"LastName": "Roe"},
        ],
    }
    # when they are seeded
    response = sf.admin("POST", "/seed", body)
    # then ids come back per object in order and the records exist
    assert response.status_code == 200
    ids = response.json()
    assert len(ids["Account"]) == 1 and len(ids["Contact"]) == 2
    contact = sf.get(f"/sobjects/Contact/{ids['Contact'][0]}").json()
    assert contact["AccountId"] == ids["Account"][0]


def test_seed_is_all_or_nothing(sf: Api) -> None:
    # given a valid contact followed by an invalid one
    body = {"Contact": [{"LastName": "Doe"}, {"FirstName": "No last name"}]}
    # when they are seeded
    response = sf.admin("POST", "/seed", body)
    # then the error is reported with its position and nothing is kept
    assert response.status_code == 400
    assert response.json()["index"] == 1
    assert response.json()["errors"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert sf.records("SELECT Id FROM Contact") == []


def test_seed_may_set_audit_fields(sf: Api) -> None:
    # given a contact created in the past
    body = {"Contact": [{"LastName": "Old", "CreatedDate": "2020-01-01T00:00:00Z"}]}
    # when it is seeded
    contact_id = sf.admin("POST", "/seed", body).json()["Contact"][0]
    # then its audit fields say so
    record = sf.get(f"/sobjects/Contact/{contact_id}").json()
    assert record["CreatedDate"] == "2020-01-01T00:00:00.000+0000"
    assert record["LastModifiedDate"] == record["CreatedDate"]


def test_records_lists_every_record_of_a_type(sf: Api) -> None:
    # given two contacts
    for name in ("A", "B"):
        sf.create("Contact", {"LastName": name})
    # when they are listed through the admin API
    body = sf.admin("GET", "/records/Contact").json()
    # then both come back with all fields
    assert body["totalSize"] == 2
    assert [r["LastName"] for r in body["records"]] == ["A", "B"]


def test_counters_count_api_calls_by_operation_and_path(sf: Api) -> None:
    # given zeroed counters
    sf.admin("POST", "/counters/reset")
    contact_id = sf.create("Contact", {"LastName": "Doe"})
    # when a client reads, updates, upserts, queries, describes and deletes
    sf.get(f"/sobjects/Contact/{contact_id}")
    sf.patch(f"/sobjects/Contact/{contact_id}", {"FirstName": "Jane"})
    sf.patch("/sobjects/Contact/Commerce_Customer_No__c/1", {"LastName": "Roe"})
    sf.patch("/sobjects/contact/commerce_customer_no__c/2", {"LastName": "Poe"})
    sf.query("SELECT Id FROM Contact")
    sf.get("/sobjects/Contact/describe")
    sf.delete(f"/sobjects/Contact/{contact_id}")
    sf.new_token()
    # then each is counted once, token requests apart
    counters = sf.counters()
    assert counters["total"] == 8
    assert counters["by_operation"] == {
        "create": 1,
        "read": 1,
        "update": 1,
        "upsert": 2,
        "delete": 1,
        "query": 1,
        "query_more": 0,
        "composite": 0,
        "collections": 0,
        "describe": 1,
        "bulk": 0,
        "other": 0,
    }
    assert counters["by_path"]["PATCH /sobjects/Contact/Commerce_Customer_No__c"] == 2
    assert counters["by_path"]["GET /sobjects/Contact/{id}"] == 1
    assert counters["token_requests"] == 1


def test_limit_info_header_reports_api_usage(sf: Api) -> None:
    # given zeroed counters
    sf.admin("POST", "/counters/reset")
    # when two calls are made
    sf.get("/limits")
    response = sf.get("/limits")
    # then the second reports two calls used, as Salesforce's Sforce-Limit-Info does
    assert response.headers["Sforce-Limit-Info"] == "api-usage=2/100000"
    assert response.json()["DailyApiRequests"]["Remaining"] == 100000 - 2


def test_fault_with_count_fails_the_next_calls_then_clears(sf: Api) -> None:
    # given a fault for the next two calls
    sf.admin("POST", "/faults", {"status": 503, "errorCode": "SERVER_UNAVAILABLE", "count": 2})
    # when three calls are made
    statuses = [sf.get("/limits").status_code for _ in range(3)]
    # then two fail in the real shape and the third succeeds
    assert statuses == [503, 503, 200]
    assert sf.admin("GET", "/faults").json()["faults"] == []


def test_faulted_call_has_the_real_error_shape_and_counts(sf: Api) -> None:
    # given a lock error fault
    sf.admin("POST", "/counters/reset")
    sf.admin("POST", "/faults", {"errorCode": "UNABLE_TO_LOCK_ROW", "count": 1})
    # when a write is faulted
    response = sf.post("/sobjects/Contact", {"LastName": "Doe"})
    # then it fails with Salesforce's shape, counts as a call, and writes nothing
    assert response.status_code == 400
    body = response.json()
    assert body[0]["errorCode"] == "UNABLE_TO_LOCK_ROW" and body[0]["message"]
    assert sf.counters()["total"] == 1
    assert sf.records("SELECT Id FROM Contact") == []


def test_fault_match_limits_it_to_some_calls(sf: Api) -> None:
    # given a limit fault for contact upserts only
    sf.admin(
        "POST",
        "/faults",
        {
            "status": 403,
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
            "match": "PATCH /sobjects/Contact/Commerce_Customer_No__c",
        },
    )
    # when an upsert and a query are made
    upsert = sf.patch("/sobjects/Contact/Commerce_Customer_No__c/1", {"LastName": "Doe"})
    query = sf.query("SELECT Id FROM Contact")
    # then only the upsert fails
    assert upsert.status_code == 403 and upsert.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert query.status_code == 200


def test_fault_ratio_with_a_seed_is_reproducible(sf: Api) -> None:
    # given a seeded 50% fault
    def pattern() -> list[int]:
        sf.admin("DELETE", "/faults")
        sf.admin("POST", "/faults", {"status": 500, "ratio": 0.5, "seed": 7})
        return [sf.get("/limits").status_code for _ in range(20)]

    # when the same sequence of calls is made twice
    first, second = pattern(), pattern()
    # then some fail, some pass, and the pattern repeats
    assert first == second
    assert 0 < first.count(500) < 20


def test_latency_fault_delays_without_failing(sf: Api) -> None:
    # given a latency-only fault
    sf.admin("POST", "/faults", {"latency_ms": 150, "count": 1})
    # when a call is made
    started = time.monotonic()
    response = sf.get("/limits")
    # then it succeeds, late
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.15


def test_faults_are_listed_and_cleared(sf: Api) -> None:
    # given two faults
    sf.admin("POST", "/faults", [{"status": 503, "count": 5}, {"latency_ms": 10, "match": "/query"}])
    # when they are listed and then cleared
    listed = sf.admin("GET", "/faults").json()["faults"]
    sf.admin("DELETE", "/faults")
    # then both were active and none remain
    assert [f["status"] for f in listed] == [503, None]
    assert sf.admin("GET", "/faults").json()["faults"] == []


def test_invalid_fault_is_refused(sf: Api) -> None:
    # given a ratio out of range
    # when it is posted
    response = sf.admin("POST", "/faults", {"ratio": 2})
    # then it is refused
    assert response.status_code == 400


def test_expire_sessions_invalidates_every_token(sf: Api) -> None:
    # given a working token
    assert sf.get("/limits").status_code == 200
    # when sessions are expired
    sf.admin("POST", "/expire-sessions")
    # then the next call is a 401 and a new token works
    expired = sf.get("/limits")
    assert expired.status_code == 401
    assert expired.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    sf.token = sf.new_token()
    assert sf.get("/limits").status_code == 200


def test_admin_calls_need_no_token_and_are_not_counted(sf_server: str) -> None:
    # given zeroed counters
    requests.post(f"{sf_server}/_admin/counters/reset", timeout=5)
    # when admin calls are made without a token
    requests.get(f"{sf_server}/_admin/records/Contact", timeout=5)
    counters = requests.get(f"{sf_server}/_admin/counters", timeout=5).json()
    # then none is counted
    assert counters["total"] == 0


def test_request_log_shows_what_clients_sent(sf: Api) -> None:
    # given a cleared log
    sf.admin("DELETE", "/requests")
    # when a client upserts a contact and runs a query
    sf.patch("/sobjects/Contact/Commerce_Customer_No__c/1", {"LastName": "Doe"})
    sf.query("SELECT Id FROM Contact")
    # then the log holds both calls, filterable by substring
    entries = sf.admin("GET", "/requests").json()
    assert [e["key"] for e in entries] == ["PATCH /sobjects/Contact/Commerce_Customer_No__c", "GET /query"]
    upserts = requests.get(f"{sf.base}/_admin/requests", params={"match": "PATCH"}, timeout=5).json()
    assert upserts[0]["json"] == {"LastName": "Doe"} and upserts[0]["status"] == 201


def test_seed_adds_users_as_an_admin_does_while_the_rest_api_refuses_them(sf: Api) -> None:
    # given an agent the org's admin sets up
    body = {"User": [{"Username": "ann@example.com", "LastName": "Owner", "Email": "ann@example.com", "Alias": "ann"}]}
    # when it is seeded
    response = sf.admin("POST", "/seed", body)
    # then the user exists, can own records, and its fields read through a relationship path
    assert response.status_code == 200, response.text
    (user_id,) = response.json()["User"]
    account_id = sf.create("Account", {"Name": "Acme", "OwnerId": user_id})
    sf.create("Contact", {"LastName": "Lee", "AccountId": account_id})
    (row,) = sf.records("SELECT Account.Owner.Email FROM Contact")
    assert row["Account"]["Owner"]["Email"] == "ann@example.com"
    # and an integration cannot create one through the REST API
    refused = sf.post("/sobjects/User", {"Username": "x@example.com", "LastName": "X", "Email": "x@example.com"})
    assert refused.status_code == 400 and refused.json()[0]["errorCode"] == "INVALID_TYPE_FOR_OPERATION"


def test_seed_may_name_an_unused_id_of_the_objects_key_prefix(sf: Api) -> None:
    # when a contact is seeded with a fixed Id (a local-stack convenience: no real data load can)
    response = sf.admin("POST", "/seed", {"Contact": [{"Id": "003000000000002AAA", "LastName": "Lee"}]})
    # then it has that Id, in the API and in queries
    assert response.status_code == 200, response.text
    assert response.json()["Contact"] == ["003000000000002AAA"]
    assert sf.get("/sobjects/Contact/003000000000002").json()["LastName"] == "Lee"
    assert sf.records("SELECT Id FROM Contact WHERE Id = '003000000000002AAA'") != []


def test_seed_refuses_a_used_id_another_objects_id_and_the_emulators_own_range(sf: Api) -> None:
    sf.admin("POST", "/seed", {"Contact": [{"Id": "003000000000002AAA", "LastName": "Lee"}]})
    issued = sf.create("Contact", {"LastName": "Issued"})
    for row in (
        {"Id": "003000000000002AAA", "LastName": "Again"},
        {"Id": "001000000000002AAA", "LastName": "Account prefix"},
        {"Id": issued[:14] + "Z", "LastName": "Emulator range"},
        {"Id": "not-an-id", "LastName": "Malformed"},
    ):
        response = sf.admin("POST", "/seed", {"Contact": [row]})
        assert response.status_code == 400, row
