"""`connector.chat.soql_guard`: the bot's SOQL runs only if it is one read the allow-list permits.

Each refusal says why; a template's variables enter the query as escaped literals, never as text.
"""

import pytest

from connector.chat.soql_guard import CheckedQuery, RefusedQuery, check_query, checked_query
from connector.config.chat import DEFAULT_BOT_OBJECTS

OBJECTS = {**DEFAULT_BOT_OBJECTS, "Contact": (*DEFAULT_BOT_OBJECTS["Contact"], "Account.Owner.Email")}
EXAMPLE = (
    "SELECT Id, Subject, Status FROM Case WHERE ContactId = '003000000000001AAA' ORDER BY CreatedDate DESC LIMIT 5"
)


def check(soql: str, max_rows: int = 200) -> CheckedQuery:
    return check_query(soql, OBJECTS, max_rows)


def refusal(soql: str, max_rows: int = 200) -> str:
    with pytest.raises(RefusedQuery) as refused:
        check(soql, max_rows)
    return str(refused.value)


def test_the_example_query_passes_with_its_object_fields_and_limit() -> None:
    # Given the query of events/bot.query.json, when it is checked
    query = check(EXAMPLE)
    # Then it passes unchanged, and the checker knows what it reads
    assert (query.soql, query.sobject, query.fields, query.limit) == (EXAMPLE, "Case", ("Id", "Subject", "Status"), 5)


def test_names_compare_case_insensitively_as_soql_does() -> None:
    assert check("select id, account.name from contact where email = 'a@b.c' limit 1").sobject == "Contact"


def test_a_listed_relationship_path_may_be_selected_and_filtered() -> None:
    query = check("SELECT Id, Account.Owner.Email FROM Contact WHERE Account.Owner.Email != null LIMIT 3")
    assert query.fields == ("Id", "Account.Owner.Email")


def test_where_with_and_or_not_parentheses_in_like_and_date_literals_passes() -> None:
    check(
        "SELECT Id FROM Case WHERE (Status IN ('New', 'Working') OR NOT Priority = 'Low') AND Subject LIKE 'Re%' "
        "AND CreatedDate > LAST_N_DAYS:30 AND CreatedDate < 2030-01-01T00:00:00Z AND Status NOT IN ('Closed') "
        "ORDER BY CreatedDate DESC NULLS LAST, Id LIMIT 10 OFFSET 10"
    )


@pytest.mark.parametrize(
    ("soql", "why"),
    [
        ("DELETE FROM Case WHERE Id = '500000000000001AAA'", "only read: DELETE"),
        ("UPDATE Case SET Status = 'Closed'", "only read: UPDATE"),
        ("INSERT INTO Case (Subject) VALUES ('x')", "only read: INSERT"),
        ("UPSERT Case", "only read: UPSERT"),
        ("MERGE Case", "only read: MERGE"),
        ("UNDELETE Case", "only read: UNDELETE"),
        ("SELECT Id FROM Case LIMIT 1 FOR UPDATE", "FOR UPDATE"),
        ("SELECT Id FROM Case LIMIT 1 FOR VIEW", "FOR UPDATE, FOR VIEW"),
    ],
)
def test_soql_that_writes_or_locks_is_refused(soql: str, why: str) -> None:
    assert why in refusal(soql)


def test_two_statements_are_refused() -> None:
    assert "one statement" in refusal("SELECT Id FROM Case LIMIT 1; SELECT Id FROM Contact LIMIT 1")


def test_a_semicolon_inside_a_string_literal_is_only_text() -> None:
    check("SELECT Id FROM Case WHERE Subject = 'a; DELETE FROM Case' LIMIT 1")


def test_a_query_without_limit_is_refused() -> None:
    assert "LIMIT of at most 200 is required" in refusal("SELECT Id FROM Case WHERE Status = 'New'")


@pytest.mark.parametrize("limit", ["0", "201", "1.5", "-1", "ALL"])
def test_a_limit_outside_one_to_max_rows_is_refused(limit: str) -> None:
    assert "LIMIT" in refusal(f"SELECT Id FROM Case LIMIT {limit}")


def test_the_configured_max_rows_bounds_the_limit() -> None:
    assert "between 1 and 20" in refusal("SELECT Id FROM Case LIMIT 50", max_rows=20)


def test_an_object_outside_the_allow_list_is_refused() -> None:
    assert refusal("SELECT Id FROM User LIMIT 1") == "the bot may not read the object User"


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT Id, SSN__c FROM Contact LIMIT 1",
        "SELECT Id FROM Contact WHERE Birthdate = 2000-01-01 LIMIT 1",
        "SELECT Id FROM Contact ORDER BY Birthdate LIMIT 1",
        "SELECT Id, Account.Phone FROM Contact LIMIT 1",  # a relationship path must be listed itself
    ],
)
def test_a_field_outside_the_allow_list_is_refused_wherever_it_appears(soql: str) -> None:
    assert "the bot may not read the field" in refusal(soql)


@pytest.mark.parametrize(
    ("soql", "why"),
    [
        ("SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account) LIMIT 1", "subqueries"),
        ("SELECT Id, (SELECT Id FROM Cases) FROM Contact LIMIT 1", "subqueries"),
        ("SELECT COUNT() FROM Contact LIMIT 1", "functions are not allowed"),
        ("SELECT toLabel(Status) FROM Case LIMIT 1", "functions are not allowed"),
        ("SELECT Status FROM Case GROUP BY Status LIMIT 1", "GROUP"),
        ("SELECT TYPEOF What WHEN Account THEN Name END FROM Task LIMIT 1", "TYPEOF"),
        ("SELECT Id FROM Case WITH SECURITY_ENFORCED LIMIT 1", "WITH"),
        ("SELECT Id FROM Case USING SCOPE mine LIMIT 1", "USING"),
        ("SELECT Id FROM Case c LIMIT 1", "aliases"),
        ("SELECT Id FROM Case WHERE Subject = Description LIMIT 1", "expected a value"),
        ("FIND {Acme} RETURNING Account", "only a SELECT"),
        ("", "only a SELECT"),
        ("SELECT Id FROM Case WHERE Subject = 'open LIMIT 1", "not closed"),
    ],
)
def test_what_the_checker_cannot_judge_is_refused(soql: str, why: str) -> None:
    assert why in refusal(soql)


def test_a_template_variable_enters_as_an_escaped_literal() -> None:
    # Given a template and a value holding a quote
    query = checked_query(
        "SELECT Id FROM Contact WHERE LastName = {last_name} LIMIT 1", {"last_name": "O'Brien"}, OBJECTS, 200
    )
    # Then the value is one literal, its quote escaped
    assert query.soql == "SELECT Id FROM Contact WHERE LastName = 'O\\'Brien' LIMIT 1"


def test_a_colon_placeholder_is_filled_too() -> None:
    query = checked_query("SELECT Id FROM Contact WHERE Email = :email LIMIT 1", {"email": "a@b.c"}, OBJECTS, 200)
    assert query.soql == "SELECT Id FROM Contact WHERE Email = 'a@b.c' LIMIT 1"


def test_a_hostile_variable_stays_a_value_and_cannot_widen_the_query() -> None:
    # Given a value that would close the literal and add a condition, were it pasted as text
    hostile = "x' OR Email != '"
    query = checked_query("SELECT Id FROM Contact WHERE Email = {email} LIMIT 1", {"email": hostile}, OBJECTS, 200)
    # Then the query still holds exactly one comparison, against one literal
    assert query.soql == "SELECT Id FROM Contact WHERE Email = 'x\\' OR Email != \\'' LIMIT 1"


def test_a_hostile_variable_cannot_smuggle_a_second_statement_or_a_write() -> None:
    query = checked_query(
        "SELECT Id FROM Case WHERE Subject = {s} LIMIT 1", {"s": "'; DELETE FROM Case; '"}, OBJECTS, 200
    )
    assert query.sobject == "Case"


def test_a_placeholder_without_its_variable_is_refused() -> None:
    with pytest.raises(RefusedQuery, match=r"placeholder \{email\} has no variable"):
        checked_query("SELECT Id FROM Contact WHERE Email = {email} LIMIT 1", {}, OBJECTS, 200)


def test_a_placeholder_inside_quotes_is_refused() -> None:
    with pytest.raises(RefusedQuery, match="whole value"):
        checked_query("SELECT Id FROM Contact WHERE Email = '{email}' LIMIT 1", {"email": "a@b.c"}, OBJECTS, 200)


def test_a_date_literal_with_n_is_not_a_placeholder() -> None:
    query = checked_query("SELECT Id FROM Case WHERE CreatedDate = LAST_N_DAYS:7 LIMIT 1", {}, OBJECTS, 200)
    assert query.limit == 1
