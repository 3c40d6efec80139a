"""The Salesforce emulator under concurrent clients (the server is threaded)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sf_client import Api


def test_concurrent_upserts_of_one_key_create_exactly_one_record(sf: Api) -> None:
    # given eight clients upserting the same new customer number at once
    def upsert(n: int) -> int:
        return sf.patch("/sobjects/Contact/Commerce_Customer_No__c/00001001", {"LastName": f"Doe {n}"}).status_code

    # when they all run
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(upsert, range(8)))
    # then one created it and the others updated it
    assert sorted(statuses) == [200] * 7 + [201]
    assert len(sf.records("SELECT Id FROM Contact")) == 1


def test_concurrent_creates_all_get_distinct_ids(sf: Api) -> None:
    # given eight clients creating contacts at once
    def create(n: int) -> str:
        return sf.create("Contact", {"LastName": f"C{n}"})

    # when they all run
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(create, range(40)))
    # then every id is distinct and every record is there
    assert len(set(ids)) == 40
    assert sf.query("SELECT COUNT() FROM Contact").json()["totalSize"] == 40
