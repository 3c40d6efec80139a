"""The chatbot's Salesforce actions through the whole stack (`POST /v1/chat/bot`, the emulated org):
find a record by a field value, find records by SOQL, create a record; each within the default
allow-list of the connector config (`chat.bot`). Nothing found is a 404 `not_found`; a query or a
field the bot may not use is a 422 saying why.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from conftest import LocalStack
from example_events import body_of, unique
from salesforce_org import SalesforceOrg


@pytest.fixture
def org(stack: LocalStack) -> SalesforceOrg:
    return SalesforceOrg(stack.salesforce or "")


def find(stack: LocalStack, sobject: str, field: str, value: Any, *return_fields: str) -> requests.Response:
    return stack.send(
        body_of("bot.find_record", object=sobject, field=field, value=value, return_fields=list(return_fields))
    )


def query(stack: LocalStack, soql: str, **variables: str) -> requests.Response:
    return stack.send(body_of("bot.query", soql=soql, variables=variables))


def contact(org: SalesforceOrg, last_name: str = "Lee") -> dict[str, str]:
    email = f"{unique('sam.')}@example.com"
    account_name = unique("Acme ")
    account_id = org.create("Account", {"Name": account_name})
    contact_id = org.create(
        "Contact", {"FirstName": "Sam", "LastName": last_name, "Email": email, "AccountId": account_id}
    )
    return {"id": contact_id, "email": email, "account_name": account_name}


def errors_of(resp: requests.Response) -> list[dict[str, Any]]:
    return list(resp.json()["errors"])


def test_find_record_answers_the_fields_asked_for_flattened(stack: LocalStack, org: SalesforceOrg) -> None:
    # Given a Contact under an Account
    sam = contact(org)
    # When the bot finds a Contact by email, asking for its name and its Account's name
    resp = find(stack, "Contact", "Email", sam["email"], "Id", "FirstName", "LastName", "Account.Name")
    # Then it gets the record's values keyed as it asked
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "status": "found",
        "found": True,
        "object": "Contact",
        "record": {"Id": sam["id"], "FirstName": "Sam", "LastName": "Lee", "Account.Name": sam["account_name"]},
    }


def test_find_record_finding_nothing_is_a_clear_not_found(stack: LocalStack) -> None:
    resp = find(stack, "Contact", "Email", f"{unique('nobody-')}@example.com", "Id")
    assert resp.status_code == 404, resp.text
    assert errors_of(resp) == [{"loc": ["data", "value"], "msg": "no Contact has that Email", "type": "not_found"}]


def test_a_value_with_a_quote_finds_exactly_that_value(stack: LocalStack, org: SalesforceOrg) -> None:
    # Given a Contact named O'Brien
    last_name = unique("O'Brien-")
    obrien = contact(org, last_name=last_name)
    # When the bot looks for that last name
    resp = find(stack, "Contact", "LastName", last_name, "Id")
    # Then the quote was a character of the value
    assert resp.status_code == 200, resp.text
    assert resp.json()["record"] == {"Id": obrien["id"]}


def test_a_hostile_value_finds_nothing_and_breaks_nothing(stack: LocalStack, org: SalesforceOrg) -> None:
    # Given Contacts exist, and a value that would widen the filter if pasted into SOQL as text
    contact(org)
    # When the bot looks for it
    resp = find(stack, "Contact", "LastName", "x' OR LastName != '", "Id")
    # Then nothing matches: it was one literal
    assert resp.status_code == 404, resp.text


def test_find_record_refuses_a_field_outside_the_allow_list(stack: LocalStack) -> None:
    resp = find(stack, "Contact", "Email", "a@example.com", "Id", "Birthdate")
    assert resp.status_code == 422, resp.text
    assert errors_of(resp)[0]["loc"] == ["data", "return_fields", 1]
    assert errors_of(resp)[0]["msg"] == "the bot may not use the field Birthdate of Contact"


def test_query_answers_the_records_of_a_template_with_its_variables(stack: LocalStack, org: SalesforceOrg) -> None:
    # Given a Contact with two Cases
    sam = contact(org)
    for subject in ("Late parcel", "Refund"):
        org.create("Case", {"Subject": subject, "Status": "New", "ContactId": sam["id"]})
    # When the bot queries that Contact's Cases with a template
    resp = query(
        stack,
        "SELECT Id, Subject, Status FROM Case WHERE ContactId = {contact} ORDER BY Subject ASC LIMIT 5",
        contact=sam["id"],
    )
    # Then it gets both, with the selected fields
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert (answer["object"], answer["total_size"]) == ("Case", 2)
    assert [(r["Subject"], r["Status"]) for r in answer["records"]] == [("Late parcel", "New"), ("Refund", "New")]


def test_a_hostile_query_variable_finds_nothing_and_breaks_nothing(stack: LocalStack, org: SalesforceOrg) -> None:
    contact(org)
    resp = query(stack, "SELECT Id FROM Contact WHERE LastName = {name} LIMIT 5", name="x' OR LastName != '")
    assert resp.status_code == 404, resp.text
    assert errors_of(resp)[0]["type"] == "not_found"


@pytest.mark.parametrize(
    ("soql", "why"),
    [
        ("DELETE FROM Case WHERE Status = 'New'", "the bot may only read: DELETE is not allowed"),
        ("UPDATE Case SET Status = 'Closed'", "the bot may only read: UPDATE is not allowed"),
        ("SELECT Id FROM User LIMIT 5", "the bot may not read the object User"),
        ("SELECT Id, Birthdate FROM Contact LIMIT 5", "the bot may not read the field Birthdate of Contact"),
        ("SELECT Id FROM Case", "a LIMIT of at most 200 is required"),
        ("SELECT Id FROM Case LIMIT 500", "LIMIT must be between 1 and 200"),
        ("SELECT Id FROM Case LIMIT 1; SELECT Id FROM Lead LIMIT 1", "one statement only: ';' is not allowed"),
    ],
)
def test_a_query_the_bot_may_not_run_is_refused_saying_why(stack: LocalStack, soql: str, why: str) -> None:
    resp = query(stack, soql)
    assert resp.status_code == 422, resp.text
    assert errors_of(resp) == [{"loc": ["data", "soql"], "msg": why, "type": "mapping_error"}]


def test_create_record_creates_it_and_answers_its_id(stack: LocalStack, org: SalesforceOrg) -> None:
    # Given a Lead the bot collected
    email = f"{unique('lead-')}@example.com"
    # When the bot creates it
    resp = stack.send(
        body_of("bot.create_record", object="Lead", fields={"LastName": "Lee", "Company": "Acme", "Email": email})
    )
    # Then it exists in Salesforce, with the answered id
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert (answer["status"], answer["object"]) == ("created", "Lead")
    assert org.query(f"SELECT Id FROM Lead WHERE Email = '{email}'") == [
        {
            "attributes": {"type": "Lead", "url": f"/services/data/v62.0/sobjects/Lead/{answer['id']}"},
            "Id": answer["id"],
        }
    ]


def test_create_record_refused_by_salesforce_names_the_field(stack: LocalStack) -> None:
    # Given a Lead without its required Company
    resp = stack.send(body_of("bot.create_record", object="Lead", fields={"LastName": "Lee"}))
    # Then the answer names the field Salesforce requires
    assert resp.status_code == 422, resp.text
    (error,) = errors_of(resp)
    assert error["loc"] == ["data", "fields", "Company"]
    assert "REQUIRED_FIELD_MISSING" in error["msg"]


def test_create_record_refuses_an_object_the_bot_may_not_create(stack: LocalStack) -> None:
    resp = stack.send(body_of("bot.create_record", object="Account", fields={"Name": "Acme"}))
    assert resp.status_code == 422, resp.text
    assert errors_of(resp)[0] == {
        "loc": ["data", "object"],
        "msg": "the bot may not create Account records",
        "type": "mapping_error",
    }


def test_a_repeated_create_answers_the_first_answer_and_creates_once(stack: LocalStack, org: SalesforceOrg) -> None:
    # Given a create the bot sends twice (a retry after a timeout), same event_id
    email = f"{unique('twice-')}@example.com"
    body = body_of("bot.create_record", object="Lead", fields={"LastName": "Lee", "Company": "Acme", "Email": email})
    first = stack.send(body)
    # When it arrives again
    second = stack.send(body)
    # Then it answers the same record, and Salesforce holds one
    assert (first.status_code, second.status_code) == (200, 200), second.text
    assert second.json() == first.json()
    assert len(org.query(f"SELECT Id FROM Lead WHERE Email = '{email}'")) == 1
