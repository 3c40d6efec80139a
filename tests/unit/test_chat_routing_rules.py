"""`connector.chat.routing`: configured rules, in order, decide where a requested chat goes.

Salesforce is stood in for by a look-up function: these tests are about the rules; the e2e suite
(tests/e2e/test_chat_routing.py) proves the same through the stack and the emulated org.
"""

import time
from typing import Any

import pytest

from connector.chat.identification import Identified
from connector.chat.models import ChatRequestedData
from connector.chat.routing import (
    SalesforceUnavailable,
    _within,
    decide,
    first_match,
    holds,
    salesforce_fields,
)
from connector.config.chat import ChatConfig, RoutingCondition, RoutingRule

OWNER_RULE = {
    "name": "account manager",
    "conditions": [{"field": "account.Owner.Email", "operator": "is_set"}],
    "agent_from": "account.Owner.Email",
    "department": "Key Accounts",
}
INDUSTRY_RULE = {
    "name": "banking",
    "conditions": [{"field": "account.Industry", "operator": "equals", "value": "Banking"}],
    "department": "Finance Desk",
}
VIP_RULE = {
    "name": "vip",
    "conditions": [{"field": "custom_variables.vip", "operator": "equals", "value": "yes"}],
    "department": "VIP",
}


def config(*rules: dict[str, Any], default: str = "General") -> ChatConfig:
    return ChatConfig.model_validate({"routing": {"rules": list(rules), "default_department": default}})


def chat(**data: Any) -> ChatRequestedData:
    return ChatRequestedData.model_validate({"chat_id": "chat-1", "visitor": {"email": "v@example.com"}, **data})


def found(account: dict[str, Any] | None = None, contact: dict[str, Any] | None = None) -> Identified:
    contact = contact if contact is not None else {"Id": "003000000000001AAA", "AccountId": "001000000000001AAA"}
    return Identified(contact=contact, account={"Id": "001000000000001AAA", **(account or {})})


def condition(operator: str, value: Any = None) -> RoutingCondition:
    return RoutingCondition.model_validate({"field": "prechat.department", "operator": operator, "value": value})


class Spy:
    """A Salesforce look-up that counts its calls."""

    def __init__(self, answer: Identified | Exception) -> None:
        self.answer = answer
        self.calls = 0

    def __call__(self) -> Identified:
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.mark.parametrize(
    ("operator", "value", "actual", "expected"),
    [
        ("equals", "sales", "Sales", True),
        ("equals", "sales", "Support", False),
        ("equals", "sales", None, False),
        ("not_equals", "sales", "Support", True),
        ("not_equals", "sales", "SALES", False),
        ("not_equals", "sales", None, True),
        ("contains", "ACME", "jo@acme.com", True),
        ("contains", "acme", None, False),
        ("starts_with", "vip", "VIP-gold", True),
        ("starts_with", "vip", "gold-vip", False),
        ("in", ["Sales", "Billing"], "billing", True),
        ("in", ["Sales", "Billing"], "Support", False),
        ("is_set", None, "x", True),
        ("is_set", None, "  ", False),
        ("is_set", None, None, False),
        ("is_not_set", None, None, True),
        ("is_not_set", None, "x", False),
    ],
)
def test_each_operator_compares_text_case_insensitively(operator: str, value: Any, actual: Any, expected: bool) -> None:
    assert holds(condition(operator, value), actual) is expected


def test_a_salesforce_boolean_compares_as_salesforce_writes_it() -> None:
    assert holds(condition("equals", "true"), True)


def test_rules_are_tried_in_order_and_the_first_whose_conditions_all_hold_wins() -> None:
    # Given two rules that both hold
    rules = config(INDUSTRY_RULE, {**INDUSTRY_RULE, "name": "second", "department": "Other"}).routing.rules
    # When they are evaluated
    matched = first_match(rules, lambda path: "Banking")
    # Then the first one wins
    assert matched is not None and matched[0].name == "banking"


def test_a_rule_holds_only_when_every_condition_holds() -> None:
    rule = RoutingRule.model_validate(
        {
            "name": "both",
            "conditions": [
                {"field": "prechat.department", "value": "Sales"},
                {"field": "custom_variables.vip", "value": "yes"},
            ],
            "department": "VIP Sales",
        }
    )
    values = {"prechat.department": "Sales", "custom_variables.vip": "no"}
    assert first_match((rule,), values.get) is None


def test_the_account_owner_becomes_the_agent() -> None:
    # Given a visitor whose Account is owned by an agent
    look_up = Spy(found(account={"Owner": {"attributes": {}, "Email": "Ann.Owner@example.com"}}))
    # When the chat is routed
    decision = decide(config(OWNER_RULE), chat(), look_up)
    # Then it goes to that agent, by the owner rule, with the visitor's ids
    assert (decision.agent, decision.department, decision.rule) == (
        "Ann.Owner@example.com",
        "Key Accounts",
        "account manager",
    )
    assert (decision.contact_id, decision.account_id, decision.fallback) == (
        "003000000000001AAA",
        "001000000000001AAA",
        None,
    )


def test_a_rule_whose_agent_field_is_empty_does_not_match_and_the_next_is_tried() -> None:
    owner_without_condition = {**OWNER_RULE, "conditions": [{"field": "account.Industry", "operator": "is_set"}]}
    look_up = Spy(found(account={"Industry": "Banking", "Owner": None}))
    decision = decide(config(owner_without_condition, INDUSTRY_RULE), chat(), look_up)
    assert (decision.rule, decision.agent, decision.department) == ("banking", None, "Finance Desk")


def test_an_account_field_routes_to_a_department() -> None:
    decision = decide(config(INDUSTRY_RULE), chat(), Spy(found(account={"Industry": "banking"})))
    assert (decision.department, decision.rule) == ("Finance Desk", "banking")


def test_no_rule_matching_answers_the_default_department_with_the_visitors_ids() -> None:
    decision = decide(config(INDUSTRY_RULE, default="Front Desk"), chat(), Spy(found(account={"Industry": "Retail"})))
    assert (decision.department, decision.rule, decision.fallback) == ("Front Desk", None, None)
    assert decision.contact_id == "003000000000001AAA"


def test_rules_on_chat_fields_only_never_ask_salesforce() -> None:
    # Given only a custom-variable rule
    look_up = Spy(found())
    # When a chat is routed
    decision = decide(config(VIP_RULE), chat(custom_variables={"vip": "YES"}), look_up)
    # Then it is routed without a Salesforce call
    assert (decision.department, look_up.calls) == ("VIP", 0)


def test_a_chat_rule_before_the_salesforce_rules_decides_without_a_salesforce_call() -> None:
    look_up = Spy(found())
    decision = decide(config(VIP_RULE, OWNER_RULE), chat(custom_variables={"vip": "yes"}), look_up)
    assert (decision.rule, look_up.calls) == ("vip", 0)


def test_salesforce_is_asked_once_for_all_the_rules() -> None:
    look_up = Spy(found(account={"Industry": "Retail"}))
    decide(config(OWNER_RULE, INDUSTRY_RULE), chat(), look_up)
    assert look_up.calls == 1


def test_salesforce_failing_answers_the_default_department_marked_as_a_fallback() -> None:
    look_up = Spy(SalesforceUnavailable("salesforce_unavailable", "the routing budget ran out"))
    decision = decide(config(INDUSTRY_RULE, default="Front Desk"), chat(), look_up)
    assert (decision.department, decision.fallback, decision.rule) == ("Front Desk", "salesforce_unavailable", None)


def test_the_rules_ask_salesforce_for_exactly_the_fields_they_read() -> None:
    rules = config(
        OWNER_RULE,
        INDUSTRY_RULE,
        VIP_RULE,
        {**VIP_RULE, "conditions": [{"field": "contact.Department", "value": "IT"}]},
    ).routing.rules
    assert salesforce_fields(rules) == (["Department"], ["Owner.Email", "Industry"])


def test_a_look_up_past_the_budget_gives_up_at_the_budget() -> None:
    # Given a look-up that takes a second
    def slow() -> Identified:
        time.sleep(1.0)
        return Identified()

    # When it runs within 100 ms
    started = time.monotonic()
    with pytest.raises(SalesforceUnavailable) as failure:
        _within(0.1, slow)
    # Then it gives up at the budget
    assert time.monotonic() - started < 0.5
    assert failure.value.fallback == "salesforce_unavailable"


def test_a_salesforce_field_configured_in_another_case_reads_the_field_the_org_answers() -> None:
    # Given rules naming `account.owner.email` and `account.industry` (Salesforce reads API names in
    # any case, so the cold-start check accepts them; the REST API answers `Owner`, `Email`, `Industry`)
    owner = {**OWNER_RULE, "conditions": [{"field": "account.industry", "value": "banking"}]}
    owner["agent_from"] = "account.owner.email"
    look_up = Spy(found(account={"Industry": "Banking", "Owner": {"attributes": {}, "Email": "ann@example.com"}}))
    # When the chat is routed
    decision = decide(config(owner), chat(), look_up)
    # Then the rule holds and routes to the owner
    assert (decision.rule, decision.agent) == ("account manager", "ann@example.com")


def test_a_field_the_query_already_selects_is_not_selected_twice_in_another_case() -> None:
    # Given rules reading `contact.accountid` and `account.id` (the queries always select Id and
    # AccountId; Salesforce refuses a query selecting one field twice: "duplicate field selected")
    from connector.chat.identification import identification_queries

    rules = config(
        {
            "name": "has account",
            "conditions": [
                {"field": "contact.accountid", "operator": "is_set"},
                {"field": "account.id", "operator": "is_set"},
            ],
            "department": "Accounts",
        }
    )
    contact_fields, account_fields = salesforce_fields(rules.routing.rules)
    ident = ChatConfig.model_validate(
        {"identification": {"account_conditions": [{"chat_field": "prechat.company", "salesforce_field": "Name"}]}}
    ).identification
    # When the identification queries are written
    queries = identification_queries(
        ident, chat(prechat={"company": "Acme"}), contact_fields=contact_fields, account_fields=account_fields
    )
    # Then each selects every field once, whatever its case
    for soql in queries.values():
        selected = [f.strip().lower() for f in soql.split(" FROM ")[0].removeprefix("SELECT ").split(",")]
        assert len(selected) == len(set(selected)), soql
