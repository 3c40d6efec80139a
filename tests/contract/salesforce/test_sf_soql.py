"""SOQL on the Salesforce emulator: syntax, operators, literals, ordering, paging and errors."""

from __future__ import annotations

from typing import Any

import pytest
from sf_client import Api


@pytest.fixture
def people(sf: Api) -> dict[str, str]:
    """Three contacts (one with an account) and a few nulls to filter on."""
    account_id = sf.create("Account", {"Name": "Acme"})
    return {
        "jane": sf.create(
            "Contact",
            {
                "FirstName": "Jane",
                "LastName": "Doe",
                "Email": "jane@example.com",
                "AccountId": account_id,
                "Customer_Type__c": "Registered",
                "Email_Opt_In__c": True,
                "Birthdate": "1990-04-12",
            },
        ),
        "john": sf.create(
            "Contact",
            {
                "FirstName": "John",
                "LastName": "Smith",
                "Email": "john@example.com",
                "Customer_Type__c": "Guest",
                "Birthdate": "1985-01-30",
            },
        ),
        "ann": sf.create("Contact", {"LastName": "O'Brien", "Email": "100%_ann@example.com"}),
        "account": account_id,
    }


def _names(records: list[dict[str, Any]]) -> list[str]:
    return [r["LastName"] for r in records]


def test_select_returns_records_with_attributes(sf: Api, people: dict[str, str]) -> None:
    # given three contacts
    # when they are queried
    response = sf.query("SELECT Id, LastName FROM Contact")
    # then Salesforce's query body comes back
    assert response.status_code == 200
    body = response.json()
    assert body["totalSize"] == 3 and body["done"] is True and "nextRecordsUrl" not in body
    first = body["records"][0]
    assert first["attributes"] == {"type": "Contact", "url": f"/services/data/v62.0/sobjects/Contact/{first['Id']}"}
    assert list(first) == ["attributes", "Id", "LastName"]


def test_keywords_and_names_are_case_insensitive(sf: Api, people: dict[str, str]) -> None:
    # given a query in mixed case
    # when it runs
    records = sf.records("select id, lastname from contact where lastname = 'doe'")
    # then field names in the result are canonical
    assert records == [{"attributes": records[0]["attributes"], "Id": people["jane"], "LastName": "Doe"}]


def test_string_equality_is_case_insensitive(sf: Api, people: dict[str, str]) -> None:
    # given an email stored in lower case
    # when it is compared in upper case
    records = sf.records("SELECT LastName FROM Contact WHERE Email = 'JANE@EXAMPLE.COM'")
    # then it matches, as in Salesforce
    assert _names(records) == ["Doe"]


def test_not_equal_includes_nulls(sf: Api, people: dict[str, str]) -> None:
    # given two typed contacts and one without a type
    # when filtering on != Guest
    records = sf.records("SELECT LastName FROM Contact WHERE Customer_Type__c != 'Guest' ORDER BY LastName")
    # then the null one is included (SOQL treats null as a value)
    assert _names(records) == ["Doe", "O'Brien"]


def test_angle_brackets_mean_not_equal(sf: Api, people: dict[str, str]) -> None:
    # given contacts
    # when filtering with <>
    records = sf.records("SELECT LastName FROM Contact WHERE LastName <> 'Doe' ORDER BY LastName")
    # then it works like !=
    assert _names(records) == ["O'Brien", "Smith"]


def test_null_comparisons(sf: Api, people: dict[str, str]) -> None:
    # given one contact without a first name
    # when filtering on = null and != null
    nulls = sf.records("SELECT LastName FROM Contact WHERE FirstName = null")
    not_nulls = sf.records("SELECT LastName FROM Contact WHERE FirstName != null ORDER BY LastName")
    # then they split the contacts
    assert _names(nulls) == ["O'Brien"]
    assert _names(not_nulls) == ["Doe", "Smith"]


def test_in_and_not_in(sf: Api, people: dict[str, str]) -> None:
    # given contacts
    # when filtering with IN and NOT IN lists
    inside = sf.records("SELECT LastName FROM Contact WHERE LastName IN ('Doe', 'smith') ORDER BY LastName")
    outside = sf.records("SELECT LastName FROM Contact WHERE LastName NOT IN ('Doe', 'Smith')")
    # then membership is case-insensitive
    assert _names(inside) == ["Doe", "Smith"]
    assert _names(outside) == ["O'Brien"]


def test_in_with_ids_accepts_15_char_ids(sf: Api, people: dict[str, str]) -> None:
    # given Jane's 15-char id
    # when filtering by Id IN
    records = sf.records(f"SELECT LastName FROM Contact WHERE Id IN ('{people['jane'][:15]}')")
    # then she is found
    assert _names(records) == ["Doe"]


def test_like_with_percent_and_underscore(sf: Api, people: dict[str, str]) -> None:
    # given contacts
    # when filtering with LIKE wildcards, in any case
    starts = sf.records("SELECT LastName FROM Contact WHERE Email LIKE 'J%' ORDER BY LastName")
    single = sf.records("SELECT LastName FROM Contact WHERE LastName LIKE 'D_e'")
    # then % matches any run and _ one character
    assert _names(starts) == ["Doe", "Smith"]
    assert _names(single) == ["Doe"]


def test_like_with_escaped_wildcards_matches_them_literally(sf: Api, people: dict[str, str]) -> None:
    # given an email containing % and _
    # when LIKE escapes them
    records = sf.records(r"SELECT LastName FROM Contact WHERE Email LIKE '100\%\_%'")
    # then only the literal match is found
    assert _names(records) == ["O'Brien"]


def test_escaped_quote_in_a_string(sf: Api, people: dict[str, str]) -> None:
    # given a last name with an apostrophe
    # when it is compared with an escaped quote
    records = sf.records(r"SELECT LastName FROM Contact WHERE LastName = 'O\'Brien'")
    # then it matches
    assert _names(records) == ["O'Brien"]


def test_unknown_escape_is_malformed_query(sf: Api, people: dict[str, str]) -> None:
    # given \q, which SOQL does not define
    # when the query runs
    response = sf.query(r"SELECT Id FROM Contact WHERE LastName = 'a\q'")
    # then it is malformed
    assert sf.error_of(response)["errorCode"] == "MALFORMED_QUERY"


def test_and_or_not_and_parentheses(sf: Api, people: dict[str, str]) -> None:
    # given contacts
    # when combining conditions
    records = sf.records(
        "SELECT LastName FROM Contact WHERE (Customer_Type__c = 'Guest' OR Email_Opt_In__c = true) "
        "AND NOT LastName = 'Smith'"
    )
    # then boolean logic applies
    assert _names(records) == ["Doe"]


def test_mixing_and_or_without_parentheses_is_malformed(sf: Api, people: dict[str, str]) -> None:
    # given AND and OR at one level
    # when the query runs
    response = sf.query("SELECT Id FROM Contact WHERE LastName = 'a' AND FirstName = 'b' OR Email = 'c'")
    # then Salesforce's parser refuses it, naming the token
    error = sf.error_of(response)
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert "unexpected token: 'OR'" in error["message"]


def test_syntax_error_names_the_unexpected_token(sf: Api) -> None:
    # given a misspelled FROM
    # when the query runs
    response = sf.query("SELECT Id FORM Contact")
    # then the message points at it
    error = sf.error_of(response)
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert "unexpected token: 'FORM'" in error["message"]


def test_booleans_numbers_and_dates(sf: Api, people: dict[str, str]) -> None:
    # given contacts with birthdates and opt-ins
    # when filtering on them
    opted = sf.records("SELECT LastName FROM Contact WHERE Email_Opt_In__c = true")
    older = sf.records("SELECT LastName FROM Contact WHERE Birthdate < 1990-01-01")
    # then typed comparisons work
    assert _names(opted) == ["Doe"]
    assert _names(older) == ["Smith"]


def test_datetime_literal(sf: Api) -> None:
    # given contacts with source versions either side of a moment
    sf.create("Contact", {"LastName": "Old", "Commerce_Source_Version__c": "2026-11-23T09:00:00Z"})
    sf.create("Contact", {"LastName": "New", "Commerce_Source_Version__c": "2026-11-23T11:00:00Z"})
    # when filtering with a datetime literal
    records = sf.records("SELECT LastName FROM Contact WHERE Commerce_Source_Version__c > 2026-11-23T10:00:00Z")
    # then only the later one matches
    assert _names(records) == ["New"]


def test_date_functions_on_created_date(sf: Api) -> None:
    # given one contact created now and one seeded as created 40 days ago
    sf.create("Contact", {"LastName": "Recent"})
    seeded = sf.admin("POST", "/seed", {"Contact": [{"LastName": "Old", "CreatedDate": "2020-01-01T00:00:00Z"}]})
    assert seeded.status_code == 200
    # when filtering with TODAY, YESTERDAY and LAST_N_DAYS
    today = sf.records("SELECT LastName FROM Contact WHERE CreatedDate = TODAY")
    yesterday = sf.records("SELECT LastName FROM Contact WHERE CreatedDate = YESTERDAY")
    last_week = sf.records("SELECT LastName FROM Contact WHERE CreatedDate = LAST_N_DAYS:7")
    before = sf.records("SELECT LastName FROM Contact WHERE CreatedDate < LAST_N_DAYS:30")
    # then the ranges are applied
    assert _names(today) == ["Recent"]
    assert yesterday == []
    assert _names(last_week) == ["Recent"]
    assert _names(before) == ["Old"]


def test_date_literal_on_a_datetime_field_is_a_type_error(sf: Api) -> None:
    # given a date literal compared with a datetime field
    # when the query runs
    response = sf.query("SELECT Id FROM Contact WHERE CreatedDate > 2020-01-01")
    # then Salesforce's filter type error comes back
    error = sf.error_of(response)
    assert error["errorCode"] == "INVALID_FIELD"
    assert "must be of type dateTime and should not be enclosed in quotes" in error["message"]


def test_quoted_number_on_a_boolean_is_a_type_error(sf: Api) -> None:
    # given a quoted value for a checkbox
    # when the query runs
    response = sf.query("SELECT Id FROM Contact WHERE Email_Opt_In__c = 'true'")
    # then the value's type is refused
    assert "must be of type boolean" in sf.error_of(response)["message"]


def test_malformed_id_literal_is_invalid_query_filter_operator(sf: Api) -> None:
    # given an Id compared with a non-id string
    # when the query runs
    response = sf.query("SELECT Id FROM Contact WHERE Id = 'abc'")
    # then Salesforce's message comes back
    error = sf.error_of(response)
    assert error["errorCode"] == "INVALID_QUERY_FILTER_OPERATOR"
    assert "invalid ID field: abc" in error["message"]


def test_order_by_desc_nulls_last_and_several_keys(sf: Api, people: dict[str, str]) -> None:
    # given contacts, one without a first name
    # when ordering by FirstName DESC NULLS LAST then LastName
    records = sf.records("SELECT LastName FROM Contact ORDER BY FirstName DESC NULLS LAST, LastName ASC")
    # then John, Jane, then the null
    assert _names(records) == ["Smith", "Doe", "O'Brien"]


def test_order_by_asc_puts_nulls_first_by_default(sf: Api, people: dict[str, str]) -> None:
    # given contacts, one without a first name
    # when ordering by FirstName
    records = sf.records("SELECT LastName FROM Contact ORDER BY FirstName")
    # then the null comes first
    assert _names(records) == ["O'Brien", "Doe", "Smith"]


def test_limit_and_offset(sf: Api, people: dict[str, str]) -> None:
    # given three contacts
    # when skipping one and taking one
    response = sf.query("SELECT LastName FROM Contact ORDER BY LastName LIMIT 1 OFFSET 1")
    # then the middle one comes back and totalSize counts the returned rows
    body = response.json()
    assert _names(body["records"]) == ["O'Brien"]
    assert body["totalSize"] == 1


def test_count_returns_only_total_size(sf: Api, people: dict[str, str]) -> None:
    # given three contacts
    # when counting the guests and all
    guests = sf.query("SELECT COUNT() FROM Contact WHERE Customer_Type__c = 'Guest'").json()
    everyone = sf.query("SELECT COUNT() FROM Contact").json()
    # then only the size comes back
    assert guests == {"totalSize": 1, "done": True, "records": []}
    assert everyone["totalSize"] == 3


def test_parent_relationship_fields_are_nested(sf: Api, people: dict[str, str]) -> None:
    # given Jane with an account
    # when the account name is selected through the relationship
    records = sf.records("SELECT LastName, Account.Name, Account.Id FROM Contact WHERE LastName = 'Doe'")
    # then it is nested under the relationship with its own attributes
    account = records[0]["Account"]
    assert account["attributes"]["type"] == "Account"
    assert (account["Name"], account["Id"]) == ("Acme", people["account"])


def test_absent_parent_relationship_is_null(sf: Api, people: dict[str, str]) -> None:
    # given John without an account
    # when the account name is selected
    records = sf.records("SELECT LastName, Account.Name FROM Contact WHERE LastName = 'Smith'")
    # then the relationship key is null
    assert records[0]["Account"] is None


def test_custom_relationship_fields_and_filters(sf: Api, people: dict[str, str]) -> None:
    # given an order for Jane
    body = {
        "AccountId": people["account"],
        "EffectiveDate": "2026-11-23",
        "Status": "Draft",
        "Contact__c": people["jane"],
        "Commerce_Order_No__c": "00002001",
    }
    sf.create("Order", body)
    # when selecting and filtering through Contact__r
    records = sf.records("SELECT Commerce_Order_No__c, Contact__r.Email FROM Order WHERE Contact__r.LastName = 'Doe'")
    # then the parent's fields come through
    assert records[0]["Contact__r"]["Email"] == "jane@example.com"


def test_filter_on_a_parent_field(sf: Api, people: dict[str, str]) -> None:
    # given Jane's account named Acme
    # when filtering contacts by their account's name
    records = sf.records("SELECT LastName FROM Contact WHERE Account.Name = 'acme'")
    # then Jane matches
    assert _names(records) == ["Doe"]


def test_unknown_field_is_invalid_field(sf: Api) -> None:
    # given a field Contact does not have
    # when it is selected
    response = sf.query("SELECT Id, Nickname FROM Contact")
    # then Salesforce's message names it and the entity
    error = sf.error_of(response)
    assert error["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Nickname' on entity 'Contact'" in error["message"]


def test_unknown_relationship_is_invalid_field(sf: Api) -> None:
    # given a relationship Contact does not have
    # when it is selected
    response = sf.query("SELECT Boss.Name FROM Contact")
    # then it is not understood
    error = sf.error_of(response)
    assert error["errorCode"] == "INVALID_FIELD"
    assert "Didn't understand relationship 'Boss'" in error["message"]


def test_unknown_object_is_invalid_type(sf: Api) -> None:
    # given an object the org does not have
    # when it is queried
    response = sf.query("SELECT Id FROM Invoice")
    # then it is not supported
    error = sf.error_of(response)
    assert error["errorCode"] == "INVALID_TYPE"
    assert error["message"].startswith("sObject type 'Invoice' is not supported.")


def test_long_text_area_cannot_be_filtered(sf: Api) -> None:
    # given a long text area
    # when it is filtered on
    response = sf.query("SELECT Id FROM Case WHERE Connector_Note__c = 'x'")
    # then Salesforce refuses, as it does
    assert "can not be filtered" in sf.error_of(response)["message"]


def test_pagination_with_batch_size_and_next_records_url(sf: Api) -> None:
    # given five contacts
    for n in range(5):
        sf.create("Contact", {"LastName": f"P{n}"})
    # when they are queried two at a time and every page is followed
    first = sf.query("SELECT LastName FROM Contact ORDER BY LastName", headers={"Sforce-Query-Options": "batchSize=2"})
    pages = [first.json()]
    while not pages[-1]["done"]:
        pages.append(sf.get(pages[-1]["nextRecordsUrl"]).json())
    # then three pages carry all five, each reporting the total
    assert [len(p["records"]) for p in pages] == [2, 2, 1]
    assert all(p["totalSize"] == 5 for p in pages)
    assert pages[0]["nextRecordsUrl"].startswith("/services/data/v62.0/query/01g")
    assert [r["LastName"] for p in pages for r in p["records"]] == [f"P{n}" for n in range(5)]


def test_default_page_size_is_2000(sf: Api) -> None:
    # given 2001 contacts seeded at once
    seeded = sf.admin("POST", "/seed", {"Contact": [{"LastName": f"C{n}"} for n in range(2001)]})
    assert seeded.status_code == 200
    # when they are queried
    body = sf.query("SELECT Id FROM Contact").json()
    # then the first page holds 2000 and points to the rest
    assert len(body["records"]) == 2000 and body["done"] is False and body["totalSize"] == 2001
    rest = sf.get(body["nextRecordsUrl"]).json()
    assert len(rest["records"]) == 1 and rest["done"] is True


def test_unknown_query_locator_is_invalid(sf: Api) -> None:
    # given a locator the emulator never issued
    # when it is followed
    response = sf.get("/query/01gXXXXXXXXXXXXXXX-2000")
    # then it is refused
    assert sf.error_of(response)["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_query_all_includes_deleted_records(sf: Api) -> None:
    # given a deleted contact
    contact_id = sf.create("Contact", {"LastName": "Gone"})
    sf.delete(f"/sobjects/Contact/{contact_id}")
    # when queried with /query and /queryAll
    live = sf.records("SELECT Id FROM Contact")
    everything = sf.get("/queryAll", params={"q": "SELECT Id, IsDeleted FROM Contact"}).json()["records"]
    # then only queryAll sees it, flagged deleted
    assert live == []
    assert [(r["Id"], r["IsDeleted"]) for r in everything] == [(contact_id, True)]


def test_polymorphic_relationship_resolves_the_actual_type(sf: Api, people: dict[str, str]) -> None:
    # given a task about Jane
    sf.create("Task", {"Subject": "Call", "WhoId": people["jane"]})
    # when Who.Name is selected
    records = sf.records("SELECT Subject, Who.Name FROM Task")
    # then the parent's real type and name come back
    assert records[0]["Who"]["attributes"]["type"] == "Contact"
    assert records[0]["Who"]["Name"] == "Jane Doe"


def test_record_type_developer_name_through_the_relationship(sf: Api) -> None:
    # given the seeded record types
    # when accounts' record type names are queried
    sf.create("Account", {"Name": "Biz"})
    records = sf.records("SELECT Name, RecordType.DeveloperName FROM Account")
    # then the business record type is the default
    assert records[0]["RecordType"]["DeveloperName"] == "Business_Account"
