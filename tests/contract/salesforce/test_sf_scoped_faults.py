"""Fault rules that fail one part of a call: a subrequest of a composite call, or a record of an
sObject collection call, answered in the bodies the real API gives for those parts
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_subrequest_result.htm,
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm)."""

from __future__ import annotations

from typing import Any

from sf_client import Api

V = "/services/data/v62.0"


def _sub(method: str, url: str, reference_id: str, body: Any = None) -> dict[str, Any]:
    sub: dict[str, Any] = {"method": method, "url": f"{V}{url}", "referenceId": reference_id}
    if body is not None:
        sub["body"] = body
    return sub


def _account_then_contact(all_or_none: bool) -> dict[str, Any]:
    return {
        "allOrNone": all_or_none,
        "compositeRequest": [
            _sub("POST", "/sobjects/Account", "account", {"Name": "Acme"}),
            _sub("PATCH", "/sobjects/Contact/Commerce_Customer_No__c/42", "contact", {"LastName": "Doe"}),
        ],
    }


def _contacts(*numbers: str) -> dict[str, Any]:
    return {
        "allOrNone": False,
        "records": [{"attributes": {"type": "Contact"}, "LastName": n, "Commerce_Customer_No__c": n} for n in numbers],
    }


# -- composite subrequests --------------------------------------------------------------------------


def test_a_subrequest_fault_fails_that_subrequest_with_its_error_body(sf: Api) -> None:
    # given a rule failing the subrequest "contact" with ENTITY_IS_DELETED
    rule = {"scope": "subrequest", "referenceId": "contact", "errorCode": "ENTITY_IS_DELETED", "count": 1}
    assert sf.admin("POST", "/faults", rule).status_code == 201
    # when a composite call without allOrNone runs it
    results = sf.post("/composite", _account_then_contact(False)).json()["compositeResponse"]
    # then the account is written and the contact answers the real error body
    assert [r["httpStatusCode"] for r in results] == [201, 400]
    assert results[1]["body"] == [{"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED", "fields": []}]
    assert len(sf.records("SELECT Id FROM Account")) == 1


def test_a_subrequest_fault_with_all_or_none_halts_the_others_and_rolls_back(sf: Api) -> None:
    sf.admin("POST", "/faults", {"scope": "subrequest", "index": 1, "errorCode": "UNABLE_TO_LOCK_ROW", "count": 1})

    results = sf.post("/composite", _account_then_contact(True)).json()["compositeResponse"]

    assert [r["httpStatusCode"] for r in results] == [400, 400]
    assert results[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert results[1]["body"][0]["errorCode"] == "UNABLE_TO_LOCK_ROW"
    assert sf.records("SELECT Id FROM Account") == []


def test_a_subrequest_fault_leaves_a_whole_request_alone(sf: Api) -> None:
    sf.admin("POST", "/faults", {"scope": "subrequest", "errorCode": "UNABLE_TO_LOCK_ROW"})

    response = sf.patch("/sobjects/Contact/Commerce_Customer_No__c/42", {"LastName": "Doe"})

    assert response.status_code == 201


def test_a_subrequest_fault_of_status_300_answers_the_matching_record_urls(sf: Api) -> None:
    sf.admin("POST", "/faults", {"scope": "subrequest", "referenceId": "contact", "status": 300, "count": 1})

    results = sf.post("/composite", _account_then_contact(False)).json()["compositeResponse"]

    assert results[1]["httpStatusCode"] == 300
    assert [url.rsplit("/", 1)[0] for url in results[1]["body"]] == [f"{V}/sobjects/Contact"] * 2
    assert sf.records("SELECT Id FROM Contact") == []


def test_a_fault_rule_with_a_selector_of_another_scope_is_refused(sf: Api) -> None:
    response = sf.admin("POST", "/faults", {"scope": "record", "referenceId": "contact"})

    assert response.status_code == 400
    assert "referenceId" in response.json()["error"]


def test_status_300_is_refused_outside_a_subrequest(sf: Api) -> None:
    assert sf.admin("POST", "/faults", {"status": 300}).status_code == 400


# -- collection records -------------------------------------------------------------------------------


def test_a_record_fault_fails_that_record_only(sf: Api) -> None:
    # given a rule failing the record with external id "2"
    sf.admin("POST", "/faults", {"scope": "record", "externalId": "2", "errorCode": "UNABLE_TO_LOCK_ROW", "count": 1})
    # when three contacts are upserted without allOrNone
    results = sf.patch("/composite/sobjects/Contact/Commerce_Customer_No__c", _contacts("1", "2", "3")).json()
    # then the others are written and that one carries the collection-shaped error
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"
    assert sorted(r["LastName"] for r in sf.records("SELECT LastName FROM Contact")) == ["1", "3"]


def test_a_record_fault_with_all_or_none_rolls_back_every_record(sf: Api) -> None:
    sf.admin("POST", "/faults", {"scope": "record", "index": 0, "errorCode": "DUPLICATE_VALUE", "fields": ["Email"]})

    body = {**_contacts("1", "2"), "allOrNone": True}
    results = sf.patch("/composite/sobjects/Contact/Commerce_Customer_No__c", body).json()

    assert results[0]["errors"][0]["statusCode"] == "DUPLICATE_VALUE"
    assert results[0]["errors"][0]["fields"] == ["Email"]
    assert results[1]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert sf.records("SELECT Id FROM Contact") == []


def test_a_used_up_record_fault_vanishes(sf: Api) -> None:
    sf.admin("POST", "/faults", {"scope": "record", "index": 0, "errorCode": "UNABLE_TO_LOCK_ROW", "count": 1})
    sf.patch("/composite/sobjects/Contact/Commerce_Customer_No__c", _contacts("1"))

    again = sf.patch("/composite/sobjects/Contact/Commerce_Customer_No__c", _contacts("1")).json()

    assert again[0]["success"] is True
    assert sf.admin("GET", "/faults").json()["faults"] == []
