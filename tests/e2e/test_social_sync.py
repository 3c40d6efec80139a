"""Social conversations to Salesforce through the local stack (HTTP only): the first push with the
user's earlier conversations, one Opened conversation per user, replies for matched users only,
user matches, a Case per conversation, the 360° view and Person Account mode."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import PERSON_ACCOUNT_CONFIG, ROOT, LocalStack
from example_events import body_of, unique
from salesforce_org import SalesforceOrg

from connector.salesforce.soql import soql_quote

pytestmark = pytest.mark.e2e

FUNCTIONS = ("ConversationRoutingFunction",)
LOCAL_CONFIG = json.loads((ROOT / "local" / "connector-config.json").read_text())
FIELDS = "Conversation_Id__c, Status__c, Contact__c, Person_Account__c, Team__c, Channel__c, Last_Message__c"


def routed(user: str, conversation: str, at: str, previous: list[str] | None = None) -> dict[str, Any]:
    body = body_of(
        "conversation.routed",
        conversation_id=conversation,
        previous_conversations=[
            {"conversation_id": p, "channel": "whatsapp", "status": "closed"} for p in previous or []
        ],
        last_message={"time": at, "text": f"message in {conversation}"},
    )
    body["data"]["user"]["id"] = user
    body["occurred_at"] = at
    return body


def replied(user: str, conversation: str, contact_id: str | None, at: str) -> dict[str, Any]:
    body = body_of(
        "conversation.replied",
        conversation_id=conversation,
        salesforce_contact_id=contact_id,
        last_message={"time": at, "text": "Thanks!"},
    )
    body["data"]["user"]["id"] = user
    body["occurred_at"] = at
    return body


def matched(user: str, record_id: str, at: str) -> dict[str, Any]:
    body = body_of("user.matched", salesforce_contact_id=record_id)
    body["data"]["user"]["id"] = user
    body["occurred_at"] = at
    return body


def synced(stack: LocalStack, body: dict[str, Any]) -> dict[str, Any]:
    resp = stack.send(body)
    assert resp.status_code == 200, resp.text
    answer = dict(resp.json())
    assert answer["status"] == "synced", answer
    return answer


def conversations(org: SalesforceOrg, user: str) -> dict[str, dict[str, Any]]:
    rows = org.query(f"SELECT {FIELDS} FROM Social_Conversation__c WHERE Social_User_Id__c = {soql_quote(user)}")
    return {row["Conversation_Id__c"]: row for row in rows}


def test_first_push_and_one_opened_conversation_per_user(stack: LocalStack) -> None:
    org = SalesforceOrg(stack.salesforce or "")
    user, new, later = unique("u-"), unique("conv-"), unique("conv-")
    old = [unique("conv-"), unique("conv-")]
    calls = org.api_calls()
    synced(stack, routed(user, new, "2026-11-23T10:00:00Z", old))
    # (the function's first event also describes the org at its cold start)
    assert org.api_calls() - calls <= 3
    rows = conversations(org, user)
    assert {k: r["Status__c"] for k, r in rows.items()} == {old[0]: "Closed", old[1]: "Closed", new: "Opened"}
    assert rows[new]["Team__c"] == "Support FR" and rows[new]["Channel__c"] == "whatsapp"
    calls = org.api_calls()
    synced(stack, routed(user, later, "2026-11-24T10:00:00Z", old))
    assert org.api_calls() - calls == 2
    statuses = {k: r["Status__c"] for k, r in conversations(org, user).items()}
    assert statuses == {old[0]: "Closed", old[1]: "Closed", new: "Closed", later: "Opened"}


def test_replies_user_match_and_linking_on_arrival(stack: LocalStack) -> None:
    org = SalesforceOrg(stack.salesforce or "")
    user, first, second, third = unique("u-"), unique("conv-"), unique("conv-"), unique("conv-")
    # a reply for an unmatched user: ignored, nothing written
    resp = stack.send(replied(user, first, None, "2026-11-23T10:00:00Z"))
    assert resp.status_code == 200 and resp.json()["status"] == "ignored", resp.text
    assert conversations(org, user) == {}
    # routed: pushed, not linked; then the user is matched: linked
    synced(stack, routed(user, first, "2026-11-23T10:01:00Z", []))
    contact_id = org.create("Contact", {"LastName": "Martin"})
    synced(stack, matched(user, contact_id, "2026-11-23T10:02:00Z"))
    assert conversations(org, user)[first]["Contact__c"] == contact_id
    # the next conversation is linked on arrival; a reply naming the Contact is pushed and linked
    synced(stack, routed(user, second, "2026-11-23T10:03:00Z", []))
    synced(stack, replied(user, third, contact_id, "2026-11-23T10:04:00Z"))
    rows = conversations(org, user)
    assert rows[second]["Contact__c"] == contact_id and rows[third]["Contact__c"] == contact_id
    assert [k for k, r in rows.items() if r["Status__c"] == "Opened"] == [third]


def test_case_per_conversation_created_linked_and_reopened(stack: LocalStack) -> None:
    org = SalesforceOrg(stack.salesforce or "")
    user, conversation = unique("u-"), unique("conv-")
    contact_id = org.create("Contact", {"LastName": "Lee"})
    with stack.configured({**LOCAL_CONFIG, "social": {"case_per_conversation": True}}, FUNCTIONS):
        answer = synced(stack, replied(user, conversation, contact_id, "2026-11-23T10:00:00Z"))
        case = org.query(
            "SELECT Id, Status, ContactId, Origin, Social_Conversation__c FROM Case "
            f"WHERE Social_Conversation_Id__c = {soql_quote(conversation)}"
        )[0]
        row = org.query(f"SELECT Id FROM Social_Conversation__c WHERE Conversation_Id__c = {soql_quote(conversation)}")[
            0
        ]
        assert (case["Id"], case["ContactId"], case["Social_Conversation__c"]) == (
            answer["case_id"],
            contact_id,
            row["Id"],
        )
        # the agent closes the Case; a new message in the conversation re-opens it
        org.update("Case", case["Id"], {"Status": "Closed"})
        synced(stack, replied(user, conversation, contact_id, "2026-11-23T11:00:00Z"))
        assert org.query(f"SELECT Status FROM Case WHERE Id = {soql_quote(case['Id'])}")[0]["Status"] == "New"


def test_the_360_view_answers_tasks_and_events_newest_first(stack: LocalStack) -> None:
    org = SalesforceOrg(stack.salesforce or "")
    user = unique("u-")
    assert stack.get(f"/v1/social/users/{user}/activity").status_code == 404
    contact_id = org.create("Contact", {"LastName": "Martin"})
    synced(stack, matched(user, contact_id, "2026-11-23T10:00:00Z"))
    org.create("Task", {"WhoId": contact_id, "Subject": "Call"})
    org.create(
        "Event",
        {
            "WhoId": contact_id,
            "Subject": "Meeting",
            "StartDateTime": "2999-01-01T10:00:00Z",
            "EndDateTime": "2999-01-01T11:00:00Z",
        },
    )
    resp = stack.get(f"/v1/social/users/{user}/activity?page=1&page_size=1")
    assert resp.status_code == 200, resp.text
    assert [(i["type"], i["subject"]) for i in resp.json()["items"]] == [("Event", "Meeting")]
    assert resp.json()["has_more"] is True
    resp = stack.get(f"/v1/social/users/{user}/activity?page=2&page_size=1")
    assert [(i["type"], i["subject"]) for i in resp.json()["items"]] == [("Task", "Call")]


def test_person_account_mode_links_the_person_account(person_account_stack: LocalStack) -> None:
    # the person-account stack (person accounts enabled in its org), its inbox users kept as Accounts
    stack = person_account_stack
    org = SalesforceOrg(stack.salesforce or "")
    person_type = org.query("SELECT Id FROM RecordType WHERE SobjectType = 'Account' AND IsPersonType = true")[0]
    account_id = org.create("Account", {"LastName": "Martin", "RecordTypeId": person_type["Id"]})
    user, first, second = unique("u-"), unique("conv-"), unique("conv-")
    with stack.configured({**PERSON_ACCOUNT_CONFIG, "social": {"customer_parent": "person_account"}}, FUNCTIONS):
        synced(stack, routed(user, first, "2026-11-23T10:00:00Z", []))
        synced(stack, matched(user, account_id, "2026-11-23T10:01:00Z"))
        synced(stack, replied(user, second, None, "2026-11-23T10:02:00Z"))
        rows = conversations(org, user)
        assert {k: (r["Person_Account__c"], r["Contact__c"]) for k, r in rows.items()} == {
            first: (account_id, None),
            second: (account_id, None),
        }
        resp = stack.get(f"/v1/social/users/{user}/activity")
        assert resp.status_code == 200 and resp.json()["salesforce_id"] == account_id, resp.text
