"""POST /composite on the Salesforce emulator: references, allOrNone and call counting."""

from __future__ import annotations

from typing import Any

from sf_client import Api

V = "/services/data/v62.0"


def _sub(method: str, url: str, reference_id: str, body: Any = None) -> dict[str, Any]:
    sub: dict[str, Any] = {"method": method, "url": f"{V}{url}", "referenceId": reference_id}
    if body is not None:
        sub["body"] = body
    return sub


def test_subrequests_chain_through_references(sf: Api) -> None:
    # given an account created first and a contact that refers to it
    request = {
        "allOrNone": True,
        "compositeRequest": [
            _sub("POST", "/sobjects/Account", "NewAccount", {"Name": "Acme"}),
            _sub("POST", "/sobjects/Contact", "NewContact", {"LastName": "Doe", "AccountId": "@{NewAccount.id}"}),
            _sub("GET", "/sobjects/Contact/@{NewContact.id}?fields=AccountId", "ReadBack"),
        ],
    }
    # when the composite request runs
    response = sf.post("/composite", request)
    # then every subrequest answers in order and the reference was substituted
    assert response.status_code == 200
    results = response.json()["compositeResponse"]
    assert [r["referenceId"] for r in results] == ["NewAccount", "NewContact", "ReadBack"]
    assert [r["httpStatusCode"] for r in results] == [201, 201, 200]
    assert results[2]["body"]["AccountId"] == results[0]["body"]["id"]
    assert results[0]["httpHeaders"]["Location"] == f"{V}/sobjects/Account/{results[0]['body']['id']}"


def test_query_results_can_be_referenced_by_index(sf: Api) -> None:
    # given a contact with a customer number
    contact_id = sf.create("Contact", {"LastName": "Doe", "Commerce_Customer_No__c": "1"})
    query = "SELECT Id FROM Contact WHERE Commerce_Customer_No__c = '1'"
    request = {
        "compositeRequest": [
            _sub("GET", f"/query?q={query.replace(' ', '+')}", "Found"),
            _sub("POST", "/sobjects/Case", "NewCase", {"Subject": "Help", "ContactId": "@{Found.records[0].Id}"}),
        ]
    }
    # when a case refers to the first query result
    results = sf.post("/composite", request).json()["compositeResponse"]
    # then the case points at the contact
    case_id = results[1]["body"]["id"]
    assert sf.get(f"/sobjects/Case/{case_id}").json()["ContactId"] == contact_id


def test_all_or_none_failure_rolls_back_earlier_writes(sf: Api) -> None:
    # given a valid account followed by an invalid contact
    request = {
        "allOrNone": True,
        "compositeRequest": [
            _sub("POST", "/sobjects/Account", "NewAccount", {"Name": "Acme"}),
            _sub("POST", "/sobjects/Contact", "BadContact", {"FirstName": "No last name"}),
            _sub("POST", "/sobjects/Case", "NewCase", {"Subject": "never runs"}),
        ],
    }
    # when the composite request runs
    results = sf.post("/composite", request).json()["compositeResponse"]
    # then the failure keeps its error, the others are halted, and nothing was written
    assert results[1]["httpStatusCode"] == 400
    assert results[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    for halted in (results[0], results[2]):
        assert halted["httpStatusCode"] == 400
        assert halted["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert sf.records("SELECT Id FROM Account") == []
    assert sf.records("SELECT Id FROM Case") == []


def test_without_all_or_none_other_subrequests_still_commit(sf: Api) -> None:
    # given one failing and one valid subrequest, independent of each other
    request = {
        "allOrNone": False,
        "compositeRequest": [
            _sub("POST", "/sobjects/Contact", "BadContact", {"FirstName": "No last name"}),
            _sub("POST", "/sobjects/Account", "NewAccount", {"Name": "Acme"}),
        ],
    }
    # when the composite request runs
    results = sf.post("/composite", request).json()["compositeResponse"]
    # then the valid one is committed
    assert [r["httpStatusCode"] for r in results] == [400, 201]
    assert len(sf.records("SELECT Id FROM Account")) == 1


def test_reference_to_a_failed_subrequest_is_processing_halted(sf: Api) -> None:
    # given a contact referring to an account that fails
    request = {
        "allOrNone": False,
        "compositeRequest": [
            _sub("POST", "/sobjects/Account", "BadAccount", {}),
            _sub("POST", "/sobjects/Contact", "NewContact", {"LastName": "Doe", "AccountId": "@{BadAccount.id}"}),
        ],
    }
    # when the composite request runs
    results = sf.post("/composite", request).json()["compositeResponse"]
    # then the dependent subrequest cannot resolve its reference
    assert results[1]["httpStatusCode"] == 400
    assert results[1]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert "Invalid reference specified" in results[1]["body"][0]["message"]


def test_upsert_and_delete_subrequests_use_the_same_routes(sf: Api) -> None:
    # given an upsert, then a patch and a delete of the same record
    request = {
        "compositeRequest": [
            _sub("PATCH", "/sobjects/Contact/Commerce_Customer_No__c/7", "Up", {"LastName": "Doe"}),
            _sub("PATCH", "/sobjects/Contact/@{Up.id}", "Patch", {"FirstName": "Jane"}),
            _sub("DELETE", "/sobjects/Contact/@{Up.id}", "Del"),
        ]
    }
    # when the composite request runs
    results = sf.post("/composite", request).json()["compositeResponse"]
    # then each answers as its direct call would
    assert [r["httpStatusCode"] for r in results] == [201, 204, 204]
    assert results[0]["body"]["created"] is True
    assert results[1]["body"] is None


def test_composite_counts_as_one_api_call(sf: Api) -> None:
    # given zeroed counters
    sf.admin("POST", "/counters/reset")
    request = {
        "compositeRequest": [_sub("POST", "/sobjects/Account", f"A{n}", {"Name": f"Acme {n}"}) for n in range(5)]
    }
    # when a composite request of five subrequests runs
    sf.post("/composite", request)
    # then one API call was counted
    counters = sf.counters()
    assert counters["total"] == 1
    assert counters["by_operation"]["composite"] == 1
    assert counters["by_path"] == {"POST /composite": 1}


def test_more_than_25_subrequests_is_rejected(sf: Api) -> None:
    # given 26 subrequests
    request = {"compositeRequest": [_sub("GET", "/limits", f"L{n}") for n in range(26)]}
    # when the composite request runs
    response = sf.post("/composite", request)
    # then it is refused as a whole
    assert response.status_code == 400
    assert sf.error_of(response)["errorCode"] == "LIMIT_EXCEEDED"


def test_encoded_external_id_in_a_subrequest_url(sf: Api) -> None:
    # given an order number with a slash, URL-encoded in the subrequest
    account_id = sf.create("Account", {"Name": "A"})
    body = {"AccountId": account_id, "EffectiveDate": "2026-11-23", "Status": "Draft"}
    request = {"compositeRequest": [_sub("PATCH", "/sobjects/Order/Commerce_Order_No__c/A%2F1", "Up", body)]}
    # when it runs
    results = sf.post("/composite", request).json()["compositeResponse"]
    # then the key is decoded like on a direct call
    assert results[0]["httpStatusCode"] == 201
    assert sf.get("/sobjects/Order/Commerce_Order_No__c/A%2F1").json()["Commerce_Order_No__c"] == "A/1"
