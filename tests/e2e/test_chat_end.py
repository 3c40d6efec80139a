"""Chat end through the local stack: each option, each update rule, identification, the transcript
cap, the agent's choice, offline messages, replays and the 10-second budget (HTTP only)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import ROOT, LocalStack
from example_events import body_of, unique
from salesforce_org import SalesforceOrg, wait_for

from connector.salesforce.soql import soql_quote

pytestmark = pytest.mark.e2e

# The functions that read the chat section (the others need no cold start for it).
CHAT_FUNCTIONS = ("ChatEndFunction", "ConversationRoutingFunction")
LOCAL_CONFIG = json.loads((ROOT / "local" / "connector-config.json").read_text())
CASE_FIELDS = (
    "Id, Subject, Origin, Status, ContactId, AccountId, SuppliedName, SuppliedEmail, SuppliedCompany, "
    "SuppliedPhone, Description, Chat_Id__c"
)
TASK_FIELDS = "Id, Subject, Status, WhoId, WhatId, ActivityDate, Description, Chat_Id__c"
PERSON_FIELDS = "Id, LastName, Email, Phone, Department"
TRANSCRIPT = (
    "Chat {chat_id}\nAgent: Alex Kim\nStarted: 2026-11-23 09:40:00 UTC\nEnded: 2026-11-23 09:52:00 UTC\n"
    "Requesting page: https://shop.example.com/cart\n\n"
    "[2026-11-23 09:40:05 UTC] Sam Lee (visitor): Hi, my coupon fails.\n"
    "[2026-11-23 09:41:10 UTC] Alex Kim (agent): Let me check that for you."
)


class ChatStack:
    """The shared stack, with the chat section of the config document switched only when it changes."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.org = SalesforceOrg(stack.salesforce or "")
        self._current: dict[str, Any] | None = None

    def use(self, **chat: Any) -> None:
        if chat != self._current:
            self.stack.replace_config({**LOCAL_CONFIG, "chat": chat}, CHAT_FUNCTIONS)
            self._current = chat

    def send(self, body: dict[str, Any]) -> requests.Response:
        return self.stack.send(body)

    def synced(self, body: dict[str, Any]) -> dict[str, Any]:
        resp = self.send(body)
        assert resp.status_code == 200, resp.text
        answer = dict(resp.json())
        assert answer["status"] == "synced", answer
        return answer

    def one(self, soql: str) -> dict[str, Any]:
        rows = self.org.query(soql)
        assert len(rows) == 1, rows
        return rows[0]


@pytest.fixture(scope="module")
def chat(stack: LocalStack) -> Iterator[ChatStack]:
    helper = ChatStack(stack)
    try:
        yield helper
    finally:
        stack.replace_config(LOCAL_CONFIG, CHAT_FUNCTIONS)


def visitor_email() -> str:
    return f"{unique('sam')}@example.com"


def chat_end(email: str | None, **data: Any) -> dict[str, Any]:
    """events/chat.ended.json for a new chat of this visitor."""
    visitor = {"name": "Sam Lee", "email": email, "visit_times": 3, "chat_times": 1}
    return body_of("chat.ended", chat_id=unique("chat-"), visitor=visitor, **data)


def transcript_of(body: dict[str, Any]) -> str:
    return TRANSCRIPT.format(chat_id=body["data"]["chat_id"])


def case_of(chat: ChatStack, chat_id: str) -> dict[str, Any]:
    return chat.one(f"SELECT {CASE_FIELDS} FROM Case WHERE Chat_Id__c = {soql_quote(chat_id)}")


def task_of(chat: ChatStack, chat_id: str) -> dict[str, Any]:
    return chat.one(f"SELECT {TASK_FIELDS} FROM Task WHERE Chat_Id__c = {soql_quote(chat_id)}")


def person(chat: ChatStack, sobject: str, email: str) -> list[dict[str, Any]]:
    fields = PERSON_FIELDS if sobject == "Contact" else "Id, LastName, Email, Phone, Company"
    return chat.org.query(f"SELECT {fields} FROM {sobject} WHERE Email = {soql_quote(email)}")


def known_as(chat: ChatStack, visitor: str, email: str) -> str | None:
    """The visitor as the org already knows them: nobody, a Contact (blank Phone and Department), a Lead."""
    if visitor == "contact":
        return chat.org.create("Contact", {"LastName": "Lee-Known", "Email": email})
    if visitor == "lead":
        return chat.org.create("Lead", {"LastName": "Lee-Lead", "Email": email, "Company": "Lead Co"})
    return None


def expected_case(body: dict[str, Any], contact_id: str | None, account_id: str | None = None) -> dict[str, Any]:
    chat_id = body["data"]["chat_id"]
    return {
        "Subject": f"Live chat {chat_id}",
        "Origin": "Chat",
        "Status": "New",
        "ContactId": contact_id,
        "AccountId": account_id,
        "SuppliedName": "Sam Lee",
        "SuppliedEmail": body["data"]["visitor"]["email"],
        "SuppliedCompany": "Acme Corp",
        "SuppliedPhone": "+1 555 0111",
        "Description": transcript_of(body),
        "Chat_Id__c": chat_id,
    }


def expected_task(body: dict[str, Any], who_id: str) -> dict[str, Any]:
    chat_id = body["data"]["chat_id"]
    return {
        "Subject": f"Live chat {chat_id}",
        "Status": "Completed",
        "WhoId": who_id,
        "WhatId": None,
        "ActivityDate": "2026-11-23",
        "Description": transcript_of(body),
        "Chat_Id__c": chat_id,
    }


def without_id(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("Id", "attributes")}


# -- the automatic options, by who the visitor is ------------------------------------------------


@pytest.mark.parametrize("visitor", ["unknown", "lead"])
def test_contact_and_case_creates_the_contact_from_the_mapping_when_no_contact_matches(
    chat: ChatStack, visitor: str
) -> None:
    # given option 1 and a visitor who is no Contact (unknown, or only a Lead)
    chat.use(chat_end_option="create_or_update_contact_attach_case")
    email = visitor_email()
    known_as(chat, visitor, email)
    body = chat_end(email)
    # when the chat ends
    answer = chat.synced(body)
    # then a Contact from the default mapping, and the Case under it with the transcript
    (contact,) = person(chat, "Contact", email)
    assert without_id(contact) == {"LastName": "Sam Lee", "Email": email, "Phone": "+1 555 0111", "Department": "Sales"}
    assert without_id(case_of(chat, body["data"]["chat_id"])) == expected_case(body, contact["Id"])
    assert (answer["contact_id"], answer["parent_created"]) == (contact["Id"], True)


def test_contact_and_case_attaches_the_case_to_the_matching_contact(chat: ChatStack) -> None:
    # given option 1 and a visitor known as a Contact of an Account
    chat.use(chat_end_option="create_or_update_contact_attach_case")
    email = visitor_email()
    account_id = chat.org.create("Account", {"Name": unique("Acct ")})
    contact_id = chat.org.create("Contact", {"LastName": "Lee-Known", "Email": email, "AccountId": account_id})
    body = chat_end(email)
    # when the chat ends
    chat.synced(body)
    # then no new Contact, and the Case goes to that Contact and its Account
    assert [c["Id"] for c in person(chat, "Contact", email)] == [contact_id]
    assert without_id(case_of(chat, body["data"]["chat_id"])) == expected_case(body, contact_id, account_id)


@pytest.mark.parametrize("visitor", ["unknown", "contact", "lead"])
def test_contact_and_task_attaches_a_completed_task_to_the_contact(chat: ChatStack, visitor: str) -> None:
    # given option 2 and a visitor unknown, known as a Contact, or only as a Lead
    chat.use(chat_end_option="create_or_update_contact_attach_task")
    email = visitor_email()
    known = known_as(chat, visitor, email)
    body = chat_end(email)
    # when the chat ends
    chat.synced(body)
    # then the Task is the Contact's (the known one, else a new one)
    (contact,) = person(chat, "Contact", email)
    if visitor == "contact":
        assert contact["Id"] == known
    assert without_id(task_of(chat, body["data"]["chat_id"])) == expected_task(body, contact["Id"])


@pytest.mark.parametrize("visitor", ["unknown", "contact", "lead"])
def test_case_only_belongs_to_no_contact(chat: ChatStack, visitor: str) -> None:
    # given option 3, whoever the visitor is
    chat.use(chat_end_option="create_case")
    email = visitor_email()
    known_as(chat, visitor, email)
    body = chat_end(email)
    # when the chat ends
    chat.synced(body)
    # then a Case with no Contact, and no Contact created
    assert without_id(case_of(chat, body["data"]["chat_id"])) == expected_case(body, None)
    assert len(person(chat, "Contact", email)) == (1 if visitor == "contact" else 0)


@pytest.mark.parametrize("visitor", ["unknown", "contact", "lead"])
def test_lead_and_task_attaches_the_task_to_the_matching_lead_or_a_new_one(chat: ChatStack, visitor: str) -> None:
    # given option 4 and a visitor unknown, known as a Contact only, or as a Lead
    chat.use(chat_end_option="create_lead_attach_task")
    email = visitor_email()
    known = known_as(chat, visitor, email)
    body = chat_end(email)
    # when the chat ends
    chat.synced(body)
    # then the Task is the Lead's: the known Lead, else one created from the mapping
    (lead,) = person(chat, "Lead", email)
    if visitor == "lead":
        assert lead["Id"] == known
    else:
        mapped = {"LastName": "Sam Lee", "Email": email, "Phone": "+1 555 0111", "Company": "Acme Corp"}
        assert without_id(lead) == mapped
    assert without_id(task_of(chat, body["data"]["chat_id"])) == expected_task(body, lead["Id"])


def test_do_nothing_writes_nothing_and_answers_ignored(chat: ChatStack) -> None:
    # given option 5
    chat.use(chat_end_option="do_nothing")
    # (a container's first event checks the configuration against the org: one describe call)
    assert chat.send(chat_end(visitor_email())).status_code == 200
    email = visitor_email()
    body = chat_end(email)
    calls = chat.org.api_calls()
    # when the chat ends
    resp = chat.send(body)
    # then ignored with the reason, and not one Salesforce call
    assert resp.status_code == 200
    assert resp.json()["status"] == "ignored"
    assert chat.org.api_calls() == calls
    assert chat.org.query(f"SELECT Id FROM Case WHERE Chat_Id__c = {soql_quote(body['data']['chat_id'])}") == []


# -- update rules on a known Contact with blank fields -----------------------------------------


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("do_not_update", {"LastName": "Lee-Known", "Phone": None, "Department": None}),
        ("overwrite", {"LastName": "Sam Lee", "Phone": "+1 555 0111", "Department": "Sales"}),
        ("fill_blank_fields", {"LastName": "Lee-Known", "Phone": "+1 555 0111", "Department": "Sales"}),
    ],
)
def test_update_rule_on_a_known_contact(chat: ChatStack, rule: str, expected: dict[str, Any]) -> None:
    # given a known Contact whose Phone and Department are blank
    chat.use(chat_end_option="create_or_update_contact_attach_case", update_rule=rule)
    email = visitor_email()
    contact_id = chat.org.create("Contact", {"LastName": "Lee-Known", "Email": email})
    # when one of its chats ends
    chat.synced(chat_end(email))
    # then the Contact is updated as the rule says
    (contact,) = person(chat, "Contact", email)
    assert contact == {**contact, "Id": contact_id, "Email": email, **expected}


# -- identification ------------------------------------------------------------------------------


def test_identification_on_three_conditions_needs_all_of_them(chat: ChatStack) -> None:
    # given Contacts matched on email, phone and a custom variable (the account number in Title: a
    # condition field must exist on Contact and Lead alike, the cold-start check makes sure of it)
    conditions = [
        {"chat_field": "visitor.email", "salesforce_field": "Email"},
        {"chat_field": "prechat.phone", "salesforce_field": "Phone"},
        {"chat_field": "custom_variables.account_number", "salesforce_field": "Title"},
    ]
    chat.use(chat_end_option="create_or_update_contact_attach_case", identification={"contact_conditions": conditions})
    email = visitor_email()
    same = {"Email": email, "Phone": "+1 555 0111"}
    chat.org.create("Contact", {"LastName": "Other", **same, "Title": "B-1"})
    match = chat.org.create("Contact", {"LastName": "Match", **same, "Title": "A-77"})
    body = chat_end(email)
    # when the chat ends
    chat.synced(body)
    # then the Case goes to the Contact that meets all three
    assert case_of(chat, body["data"]["chat_id"])["ContactId"] == match


def test_several_matching_contacts_give_the_oldest_every_time(chat: ChatStack) -> None:
    # given three Contacts with the visitor's email
    chat.use(chat_end_option="create_or_update_contact_attach_case")
    email = visitor_email()
    first = chat.org.create("Contact", {"LastName": "First", "Email": email})
    for name in ("Second", "Third"):
        chat.org.create("Contact", {"LastName": name, "Email": email})
    # when two of the visitor's chats end
    bodies = [chat_end(email), chat_end(email)]
    for body in bodies:
        chat.synced(body)
    # then both Cases go to the first Contact
    assert [case_of(chat, b["data"]["chat_id"])["ContactId"] for b in bodies] == [first, first]


def test_a_contact_is_found_before_a_lead(chat: ChatStack) -> None:
    # given a visitor who is both a Lead and a Contact (option 2 looks for Contacts)
    chat.use(chat_end_option="create_or_update_contact_attach_task")
    email = visitor_email()
    known_as(chat, "lead", email)
    contact_id = known_as(chat, "contact", email)
    body = chat_end(email)
    # when the chat ends
    chat.synced(body)
    # then the Task is the Contact's
    assert task_of(chat, body["data"]["chat_id"])["WhoId"] == contact_id


# -- the transcript cap --------------------------------------------------------------------------


def test_a_transcript_over_32000_characters_is_cut_and_attached_whole_as_a_file(chat: ChatStack) -> None:
    # given a chat of 40 messages of 1,000 characters
    chat.use(chat_end_option="create_or_update_contact_attach_case")
    messages = [
        {"time": "2026-11-23T09:45:00Z", "sender": "visitor", "name": "Sam Lee", "text": f"{i:03d}" + "x" * 997}
        for i in range(40)
    ]
    base = body_of("chat.ended")["data"]["chat"]
    body = chat_end(visitor_email(), chat={**base, "transcript": messages})
    # when it ends
    answer = chat.synced(body)
    # then the description is cut to 32,000 characters with the marker
    case = case_of(chat, body["data"]["chat_id"])
    assert len(case["Description"]) == 32_000
    assert case["Description"].endswith("the full transcript is attached as a file]")
    # and the Case's file holds every message
    (link,) = chat.org.query(f"SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId = '{case['Id']}'")
    document = soql_quote(link["ContentDocumentId"])
    (version,) = chat.org.query(
        f"SELECT Id, PathOnClient, VersionData FROM ContentVersion WHERE ContentDocumentId = {document}"
    )
    text = requests.get(chat.org.base + version["VersionData"], headers=chat.org._auth(), timeout=10).text
    assert len(text) > 40_000
    assert all(f"{i:03d}" + "x" * 997 in text for i in range(40))
    assert version["PathOnClient"] == f"chat-{body['data']['chat_id']}-transcript.txt"
    assert answer["file_id"] == version["Id"]


# -- the agent's choice --------------------------------------------------------------------------


def later(stamp: str, *, seconds: int) -> str:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def action(chat_id: str, name: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body = body_of("chat.action_selected", chat_id=chat_id, action=name, fields=fields or {})
    return body


def test_the_agents_choice_replaces_the_automatic_option(chat: ChatStack) -> None:
    # given option 1, and an agent who chose "create lead and attach task" with a typed company
    chat.use(chat_end_option="create_or_update_contact_attach_case")
    email = visitor_email()
    body = chat_end(email)
    chat.synced(action(body["data"]["chat_id"], "create_lead_attach_task", {"Lead": {"Company": "Typed Co"}}))
    # when the chat ends
    answer = chat.synced(body)
    # then a Lead with the typed company and a Task, no Contact and no Case
    (lead,) = person(chat, "Lead", email)
    assert lead["Company"] == "Typed Co"
    assert task_of(chat, body["data"]["chat_id"])["WhoId"] == lead["Id"]
    assert person(chat, "Contact", email) == []
    assert (answer["option"], answer["chosen_by"]) == ("create_lead_attach_task", "agent")


def test_a_second_choice_replaces_the_first(chat: ChatStack) -> None:
    # given an agent who chose a Task for a new Contact, then a Case only
    chat.use(chat_end_option="create_or_update_contact_attach_case")
    email = visitor_email()
    body = chat_end(email)
    chat_id = body["data"]["chat_id"]
    first = action(chat_id, "create_contact_attach_task")
    second = action(chat_id, "create_case")
    # a second later: two choices of one second are ordered by event_id (issue 11's tie-break)
    second["occurred_at"] = later(first["occurred_at"], seconds=1)
    chat.synced(first)
    chat.synced(second)
    # when the chat ends
    chat.synced(body)
    # then only the second choice ran
    assert case_of(chat, chat_id)["ContactId"] is None
    assert chat.org.query(f"SELECT Id FROM Task WHERE Chat_Id__c = {soql_quote(chat_id)}") == []


def test_a_choice_after_the_end_is_409(chat: ChatStack) -> None:
    # given a chat that has ended
    chat.use(chat_end_option="create_or_update_contact_attach_case")
    body = chat_end(visitor_email())
    chat.synced(body)
    # when the agent chooses an option
    resp = chat.send(action(body["data"]["chat_id"], "create_case"))
    # then 409
    assert resp.status_code == 409, resp.text


# -- offline messages, replays, the 10-second budget ------------------------------------------


def test_an_offline_message_runs_the_option_with_its_content_as_description(chat: ChatStack) -> None:
    # given option 2 and an offline message
    chat.use(chat_end_option="create_or_update_contact_attach_task")
    email = visitor_email()
    body = body_of("offline_message.received", message_id=unique("off-"), visitor={"name": "Ana Ruiz", "email": email})
    # when it arrives
    chat.synced(body)
    # then a Contact and its Task, the subject and content as subject and description
    (contact,) = person(chat, "Contact", email)
    task = task_of(chat, f"offline:{body['data']['message_id']}")
    assert (task["WhoId"], task["Subject"]) == (contact["Id"], "Return label")
    assert task["Description"] == (
        f"Offline message {body['data']['message_id']}\nSubject: Return label\n\n"
        "Please send me a return label for order 00002001."
    )


def test_replaying_a_chat_end_changes_nothing(chat: ChatStack) -> None:
    # given a chat end that was synced
    chat.use(chat_end_option="create_or_update_contact_attach_case", update_rule="overwrite")
    email = visitor_email()
    body = chat_end(email)
    first = chat.synced(body)
    before = (person(chat, "Contact", email), case_of(chat, body["data"]["chat_id"]))
    # when it is delivered again, and then once more as a new event of the same chat
    again = chat.send(body)
    redelivered = chat.synced({**body, "event_id": unique("evt-")})
    # then the same answer, the same records, nothing more
    assert again.json() == first
    assert (redelivered["case_id"], redelivered["contact_id"]) == (first["case_id"], first["contact_id"])
    assert (person(chat, "Contact", email), case_of(chat, body["data"]["chat_id"])) == before


def test_a_slow_salesforce_answers_202_within_10_seconds_then_syncs_from_the_queue(
    chat: ChatStack, stack: LocalStack
) -> None:
    # given option 3 and an org that takes 6 s to answer the next call
    chat.use(chat_end_option="create_case")
    body = chat_end(visitor_email())
    chat.org.inject_fault(latency_ms=6000, count=1, match="/sobjects/Case")
    # when the chat ends
    started = time.monotonic()
    resp = chat.send(body)
    # then it is queued in time, and synced from the queue
    assert resp.status_code == 202, resp.text
    assert time.monotonic() - started < 10
    path = f"/v1/sync/chat/chat/{body['data']['chat_id']}"
    wait_for(lambda: stack.get(path).json().get("status") == "SYNCED", timeout=60)
    assert case_of(chat, body["data"]["chat_id"])["Description"] == transcript_of(body)


# -- personal data --------------------------------------------------------------------------------


def test_no_visitor_field_or_transcript_text_reaches_a_log_line(chat: ChatStack, stack: LocalStack) -> None:
    # given a visitor whose name, email, phone and words are each unique
    chat.use(chat_end_option="create_or_update_contact_attach_case")
    marker = unique("pii")
    email = f"{marker}@example.com"
    visitor = {"name": f"Name{marker}", "email": email, "visit_times": 1, "chat_times": 1}
    prechat = {"phone": f"+1 555 {marker[-6:]}", "company": f"Co{marker}", "department": "Sales"}
    said = {"time": "2026-11-23T09:40:05Z", "sender": "visitor", "name": visitor["name"], "text": f"Words{marker}"}
    ended = body_of("chat.ended", chat_id=unique("chat-"), visitor=visitor, prechat=prechat)
    ended["data"]["chat"]["transcript"] = [said]
    refused = body_of("chat.ended", chat_id=unique("chat-"), visitor=visitor, prechat=prechat)
    refused["data"]["chat"]["transcript"] = [said]
    routed = body_of("chat.requested", chat_id=unique("chat-"), visitor=visitor, prechat=prechat)
    # when the chat syncs, another is refused by the org (dead-lettered), and a chat is routed
    chat.synced(ended)
    chat.org.inject_fault(status=400, errorCode="FIELD_CUSTOM_VALIDATION_EXCEPTION", message=f"bad {email}", count=1)
    assert chat.send(refused).status_code in (200, 202)
    chat.org.clear_faults()
    assert stack.send(routed).status_code == 200
    # then no log line of either chat function holds any of it
    for function in ("ChatEndFunction", "ConversationRoutingFunction"):
        text = Path(stack.function(function)["log"]).read_text(errors="replace")
        assert marker not in text, f"{function} logged personal data"
