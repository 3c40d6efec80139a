"""Chat routing through the whole stack (gateway, RIE, the conversation_routing function, the
emulated org): `chat.requested` is answered at once with a department and/or an agent, by rules
in the connector config that read the visitor's Account in Salesforce; the default department
when no rule matches, and within the routing budget when Salesforce is slow.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import LocalStack
from example_events import body_of, unique
from salesforce_org import SalesforceOrg

ROOT = Path(__file__).resolve().parents[2]
BUDGET_MS = 300
ROUTING = {
    "rules": [
        {
            "name": "key account",
            "conditions": [{"field": "account.Type", "operator": "equals", "value": "Customer - Direct"}],
            "agent_from": "account.Owner.Email",
            "department": "Key Accounts",
        },
        {
            "name": "partners",
            "conditions": [
                {
                    "field": "account.Type",
                    "operator": "in",
                    "value": ["Customer - Channel", "Channel Partner / Reseller"],
                }
            ],
            "department": "Partner Desk",
        },
    ],
    "default_department": "Front Desk",
    "budget_ms": BUDGET_MS,
}


@pytest.fixture(scope="module")
def routed(stack: LocalStack) -> Iterator[LocalStack]:
    """The stack with the routing rules above in its connector config."""
    document = json.loads((ROOT / "local" / "connector-config.json").read_text())
    document["chat"] = {"routing": ROUTING}
    with stack.configured(document, ("ConversationRoutingFunction",)):
        yield stack


@pytest.fixture
def org(stack: LocalStack) -> Iterator[SalesforceOrg]:
    org = SalesforceOrg(stack.salesforce or "")
    yield org
    org.clear_faults()


def visitor(org: SalesforceOrg, account_type: str | None, owner_id: str | None = None) -> dict[str, str]:
    """A Contact under an Account of this type (owned by `owner_id`); its email and ids."""
    email = f"{unique('visitor-')}@example.com"
    account: dict[str, Any] = {"Name": unique("Acme "), "Type": account_type}
    if owner_id:
        account["OwnerId"] = owner_id
    account_id = org.create("Account", account)
    contact_id = org.create("Contact", {"LastName": "Lee", "Email": email, "AccountId": account_id})
    return {"email": email, "account_id": account_id, "contact_id": contact_id}


def request_chat(stack: LocalStack, email: str) -> tuple[int, dict[str, Any]]:
    body = body_of("chat.requested", chat_id=unique("chat-"))
    body["data"]["visitor"]["email"] = email
    resp = stack.send(body)
    return resp.status_code, resp.json()


def test_a_visitor_of_a_key_account_is_routed_to_the_account_owner(routed: LocalStack, org: SalesforceOrg) -> None:
    # Given an agent who owns a direct-customer Account, and a visitor who is a Contact of it
    agent_email = f"{unique('ann.')}@example.com"
    (agent_id,) = org.seed(
        {"User": [{"Username": agent_email, "LastName": "Owner", "Email": agent_email, "Alias": "aowner"}]}
    )["User"]
    known = visitor(org, "Customer - Direct", owner_id=agent_id)
    # When the visitor asks for a chat
    status, decision = request_chat(routed, known["email"].upper())
    # Then the chat goes to the Account owner, by the key-account rule, with the visitor's ids
    assert status == 200, decision
    assert decision == {
        "status": "routed",
        "department": "Key Accounts",
        "agent": agent_email,
        "rule": "key account",
        "contact_id": known["contact_id"],
        "lead_id": None,
        "account_id": known["account_id"],
        "fallback": None,
    }


def test_an_account_field_routes_the_chat_to_a_department(routed: LocalStack, org: SalesforceOrg) -> None:
    # Given a visitor whose Account is a channel customer
    known = visitor(org, "Customer - Channel")
    # When the visitor asks for a chat
    status, decision = request_chat(routed, known["email"])
    # Then the chat goes to the partner desk, no agent named
    assert status == 200, decision
    assert (decision["department"], decision["agent"], decision["rule"]) == ("Partner Desk", None, "partners")


def test_a_chat_no_rule_matches_goes_to_the_default_department(routed: LocalStack, org: SalesforceOrg) -> None:
    # Given a visitor unknown to Salesforce
    # When the visitor asks for a chat
    status, decision = request_chat(routed, f"{unique('stranger-')}@example.com")
    # Then the default department answers, no rule, no record
    assert status == 200, decision
    assert decision["department"] == "Front Desk"
    assert (decision["rule"], decision["contact_id"], decision["fallback"]) == (None, None, None)


def test_salesforce_answering_slowly_gives_the_default_department_within_the_budget(
    routed: LocalStack, org: SalesforceOrg
) -> None:
    # Given a key-account visitor, a warm function, and then Salesforce taking 3 s per call
    known = visitor(org, "Customer - Direct")
    assert request_chat(routed, known["email"])[1]["rule"] == "key account"
    org.inject_fault(latency_ms=3000)
    # When the visitor asks for a chat
    started = time.monotonic()
    status, decision = request_chat(routed, known["email"])
    elapsed = time.monotonic() - started
    # Then the default department answers, marked as a fallback, long before Salesforce would have
    assert status == 200, decision
    assert (decision["department"], decision["fallback"], decision["rule"]) == (
        "Front Desk",
        "salesforce_unavailable",
        None,
    )
    assert elapsed < BUDGET_MS / 1000 + 1.0, f"answered after {elapsed:.2f} s"


def test_salesforce_down_gives_the_default_department_never_an_error(routed: LocalStack, org: SalesforceOrg) -> None:
    # Given Salesforce answering 503 to every call
    known = visitor(org, "Customer - Channel")
    org.inject_fault(status=503, errorCode="SERVER_UNAVAILABLE")
    # When the visitor asks for a chat
    status, decision = request_chat(routed, known["email"])
    # Then the default department answers, marked as a fallback
    assert status == 200, decision
    assert (decision["department"], decision["fallback"]) == ("Front Desk", "salesforce_unavailable")
