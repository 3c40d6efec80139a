"""sObject collections (/composite/sobjects) on the Salesforce emulator."""

from __future__ import annotations

from sf_client import Api


def _contact(**fields: object) -> dict[str, object]:
    return {"attributes": {"type": "Contact"}, **fields}


def test_create_many_returns_a_result_per_record(sf: Api) -> None:
    # given two valid contacts and one without LastName
    body = {"allOrNone": False, "records": [_contact(LastName="A"), _contact(FirstName="x"), _contact(LastName="C")]}
    # when they are created in one call
    response = sf.post("/composite/sobjects", body)
    # then each has its own result, errors carrying statusCode like the real API
    assert response.status_code == 200
    results = response.json()
    assert [r["success"] for r in results] == [True, False, True]
    assert results[0]["id"].startswith("003") and results[0]["errors"] == []
    assert results[1]["errors"] == [
        {
            "statusCode": "REQUIRED_FIELD_MISSING",
            "message": "Required fields are missing: [LastName]",
            "fields": ["LastName"],
        }
    ]
    assert len(sf.records("SELECT Id FROM Contact")) == 2


def test_create_many_all_or_none_rolls_back_everything(sf: Api) -> None:
    # given a valid and an invalid contact
    body = {"allOrNone": True, "records": [_contact(LastName="A"), _contact(FirstName="x")]}
    # when they are created with allOrNone
    results = sf.post("/composite/sobjects", body).json()
    # then nothing is written and the valid one reports the rollback
    assert results[0]["success"] is False
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert sf.records("SELECT Id FROM Contact") == []


def test_create_many_refuses_ids(sf: Api) -> None:
    # given a record carrying an Id
    body = {"records": [_contact(LastName="A", Id="003000000000001AAA")]}
    # when it is created
    results = sf.post("/composite/sobjects", body).json()
    # then it is refused
    assert results[0]["errors"][0]["message"] == "cannot specify Id in an insert call"


def test_update_many_by_id(sf: Api) -> None:
    # given two contacts
    ids = [sf.create("Contact", {"LastName": n}) for n in ("A", "B")]
    body = {"records": [_contact(Id=ids[0], FirstName="Ann"), _contact(Id=ids[1], FirstName="Bob")]}
    # when both are updated in one call
    results = sf.patch("/composite/sobjects", body).json()
    # then both are changed
    assert [r["id"] for r in results] == ids and all(r["success"] for r in results)
    names = {r["Name"] for r in sf.records("SELECT Name FROM Contact")}
    assert names == {"Ann A", "Bob B"}


def test_upsert_many_reports_created_per_record(sf: Api) -> None:
    # given one existing customer number
    existing = sf.create("Contact", {"LastName": "Old", "Commerce_Customer_No__c": "1"})
    body = {
        "allOrNone": False,
        "records": [
            _contact(Commerce_Customer_No__c="1", LastName="Updated"),
            _contact(Commerce_Customer_No__c="2", LastName="New"),
        ],
    }
    # when both are upserted on the external id
    results = sf.patch("/composite/sobjects/Contact/Commerce_Customer_No__c", body).json()
    # then one update and one insert
    assert results[0] == {"id": existing, "success": True, "errors": [], "created": False}
    assert results[1]["created"] is True and results[1]["success"] is True


def test_upsert_many_with_the_same_key_twice_fails_both(sf: Api) -> None:
    # given one request naming a key twice
    body = {
        "records": [
            _contact(Commerce_Customer_No__c="1", LastName="A"),
            _contact(Commerce_Customer_No__c="1", LastName="B"),
        ]
    }
    # when it is upserted
    results = sf.patch("/composite/sobjects/Contact/Commerce_Customer_No__c", body).json()
    # then neither record is written
    assert [r["errors"][0]["statusCode"] for r in results] == ["DUPLICATE_EXTERNAL_ID"] * 2
    assert sf.records("SELECT Id FROM Contact") == []


def test_retrieve_many_returns_records_in_order_with_nulls(sf: Api) -> None:
    # given two contacts and a missing id
    ids = [sf.create("Contact", {"LastName": n}) for n in ("A", "B")]
    missing = "003000000000001AAA"
    # when they are retrieved with a field list
    response = sf.get(
        "/composite/sobjects/Contact", params={"ids": ",".join([ids[1], missing, ids[0]]), "fields": "LastName"}
    )
    # then the order is kept and the missing one is null
    results = response.json()
    assert [r and r["LastName"] for r in results] == ["B", None, "A"]


def test_delete_many(sf: Api) -> None:
    # given two contacts
    ids = [sf.create("Contact", {"LastName": n}) for n in ("A", "B")]
    # when both are deleted in one call
    results = sf.delete("/composite/sobjects", params={"ids": ",".join(ids)}).json()
    # then both are gone
    assert [r["success"] for r in results] == [True, True]
    assert sf.records("SELECT Id FROM Contact") == []


def test_more_than_200_records_is_rejected(sf: Api) -> None:
    # given 201 records
    body = {"records": [_contact(LastName=str(n)) for n in range(201)]}
    # when they are created in one call
    response = sf.post("/composite/sobjects", body)
    # then the whole request is refused
    assert response.status_code == 400
    assert sf.error_of(response)["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_a_collection_counts_as_one_api_call(sf: Api) -> None:
    # given zeroed counters
    sf.admin("POST", "/counters/reset")
    # when 50 records are upserted in one call
    body = {"records": [_contact(Commerce_Customer_No__c=str(n), LastName="x") for n in range(50)]}
    sf.patch("/composite/sobjects/Contact/Commerce_Customer_No__c", body)
    # then one call was counted
    counters = sf.counters()
    assert counters["total"] == 1
    assert counters["by_operation"]["collections"] == 1
    assert counters["by_path"] == {"PATCH /composite/sobjects/Contact/Commerce_Customer_No__c": 1}
