"""What a Salesforce flow tells the social inbox (`/v1/social/salesforce-events`), end to end
through the local stack: signed events in, the inbox emulator's calls and the Salesforce emulator's
records read back."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from example_events import body_of, unique
from salesforce_org import SalesforceOrg, wait_for

from connector.salesforce.soql import soql_quote

pytestmark = pytest.mark.e2e

INBOX_KEY = {"Authorization": "Bearer local-social-key"}


class Inbox:
    """The social inbox emulator: seeded by tests, its API and request log read back."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")

    def seed_conversations(self, user_id: str, *conversation_ids: str) -> None:
        user = {"id": user_id, "handle": f"+3361{user_id[-6:]}", "name": "Camille Martin"}
        conversations = [{"id": c, "channel": "whatsapp", "status": "open", "user": user} for c in conversation_ids]
        requests.post(f"{self.base}/_admin/seed", json={"conversations": conversations}, timeout=10).raise_for_status()

    def conversation(self, conversation_id: str) -> dict[str, Any]:
        resp = requests.get(f"{self.base}/api/v1/conversations/{conversation_id}", headers=INBOX_KEY, timeout=10)
        resp.raise_for_status()
        return dict(resp.json()["conversation"])

    def engagements(self, recipient: str) -> list[dict[str, Any]]:
        resp = requests.get(f"{self.base}/api/v1/engagements", headers=INBOX_KEY, timeout=10)
        return [e for e in resp.json()["engagements"] if e["recipient"] == recipient]

    def received(self, match: str) -> list[dict[str, Any]]:
        resp = requests.get(f"{self.base}/_admin/requests", params={"match": match}, timeout=10)
        body = resp.json()
        return list(body if isinstance(body, list) else body.get("requests", []))

    def fault(self, **spec: Any) -> None:
        requests.post(f"{self.base}/_admin/faults", json=spec, timeout=10).raise_for_status()

    def clear_faults(self) -> None:
        requests.delete(f"{self.base}/_admin/faults", timeout=10).raise_for_status()


@pytest.fixture
def org(stack: Any) -> Any:
    org = SalesforceOrg(stack.salesforce)
    org.clear_faults()
    yield org
    org.clear_faults()


@pytest.fixture
def inbox(stack: Any) -> Any:
    inbox = Inbox(stack.social)
    inbox.clear_faults()
    yield inbox
    inbox.clear_faults()


def _conversations_of(org: SalesforceOrg, user_id: str) -> dict[str, Any]:
    where = f"Social_User_Id__c = {soql_quote(user_id)}"
    soql = f"SELECT Conversation_Id__c, Contact__c FROM Social_Conversation__c WHERE {where}"
    return {r["Conversation_Id__c"]: r["Contact__c"] for r in org.query(soql)}


def test_a_contact_linked_in_salesforce_matches_the_user_and_links_their_other_conversations(
    stack: Any, org: SalesforceOrg, inbox: Inbox
) -> None:
    # given a user with three conversations in Salesforce and two in the inbox, and an agent who
    # set a Contact on one of them
    user, linked, other, older = unique("u-"), unique("conv-"), unique("conv-"), unique("conv-")
    inbox.seed_conversations(user, linked, other)
    contact = org.create("Contact", {"LastName": "Martin"})
    for conversation in (linked, other, older):
        fields = {"Conversation_Id__c": conversation, "Social_User_Id__c": user, "Channel__c": "whatsapp"}
        org.create("Social_Conversation__c", fields | ({"Contact__c": contact} if conversation == linked else {}))
    # when Salesforce tells the connector
    body = body_of("conversation.contact_linked", conversation_id=linked, salesforce_id=contact)
    resp = stack.send(body)
    # then the inbox received the match, and every conversation of the user names the Contact
    assert resp.status_code == 200, resp.text
    assert (resp.json()["contact_id"], resp.json()["linked_conversations"]) == (contact, 2)
    assert [r["json"]["salesforce_contact_id"] for r in inbox.received(f"/conversations/{linked}/contact")] == [contact]
    assert inbox.conversation(other)["salesforce_contact_id"] == contact
    assert _conversations_of(org, user) == {linked: contact, other: contact, older: contact}


def test_a_reply_from_salesforce_is_in_the_inbox_under_the_agents_email(stack: Any, inbox: Inbox) -> None:
    # given an open conversation in the inbox
    user, conversation = unique("u-"), unique("conv-")
    inbox.seed_conversations(user, conversation)
    # when the agent replies from Salesforce
    resp = stack.send(body_of("conversation.reply", conversation_id=conversation, text="Votre commande part."))
    # then the inbox holds the reply, written as the agent's user
    assert resp.status_code == 200, resp.text
    sent = [m for m in inbox.conversation(conversation)["messages"] if m["direction"] == "outbound"]
    assert [(m["text"], m["author"]["email"]) for m in sent] == [("Votre commande part.", "alex.kim@brand.example")]


def test_a_reply_while_the_inbox_is_down_is_queued_then_delivered_once(stack: Any, inbox: Inbox) -> None:
    # given an open conversation and an inbox that refuses its next call
    user, conversation = unique("u-"), unique("conv-")
    inbox.seed_conversations(user, conversation)
    inbox.fault(status=503, count=1, match=f"/conversations/{conversation}/messages")
    # when the agent replies from Salesforce
    resp = stack.send(body_of("conversation.reply", conversation_id=conversation, text="Plus tard."))
    # then it is queued, and delivered once the inbox answers again, exactly once
    assert resp.status_code == 202, resp.text
    wait_for(lambda: any(m["direction"] == "outbound" for m in inbox.conversation(conversation)["messages"]), 45)
    sent = [m for m in inbox.conversation(conversation)["messages"] if m["direction"] == "outbound"]
    assert [m["text"] for m in sent] == ["Plus tard."]


@pytest.mark.parametrize(("change", "loc"), [({"consent": False}, "consent"), ({"channel": "instagram"}, "channel")])
def test_an_engagement_without_consent_or_off_its_channels_is_refused_and_writes_nothing(
    stack: Any, org: SalesforceOrg, inbox: Inbox, change: dict[str, Any], loc: str
) -> None:
    # given a recipient, and an engagement that is not consented or not on WhatsApp/KakaoTalk
    recipient = unique("+3370")
    body = body_of("engagement.send", recipient=recipient, salesforce_case_id=None, **change)
    # when it is sent
    resp = stack.send(body)
    # then it is refused naming the field, with no record and no inbox call
    assert resp.status_code == 422, resp.text
    assert [e["loc"] for e in resp.json()["errors"]] == [["data", loc]]
    assert org.query(f"SELECT Id FROM Social_Engagement__c WHERE Recipient__c = {soql_quote(recipient)}") == []
    assert inbox.engagements(recipient) == []


def test_a_consented_engagement_is_recorded_on_its_case_and_sent(stack: Any, org: SalesforceOrg, inbox: Inbox) -> None:
    # given a Case and a consenting recipient
    recipient, case = unique("+3371"), org.create("Case", {"Subject": "Colis"})
    # when the agent sends an engagement message
    resp = stack.send(body_of("engagement.send", recipient=recipient, salesforce_case_id=case))
    # then it is an Engagement on the Case in Salesforce, and the inbox sent it
    assert resp.status_code == 200, resp.text
    soql = f"SELECT Mode__c, Case__c, Channel__c FROM Social_Engagement__c WHERE Recipient__c = {soql_quote(recipient)}"
    assert [(r["Mode__c"], r["Case__c"], r["Channel__c"]) for r in org.query(soql)] == [
        ("Engagement", case, "whatsapp")
    ]
    assert [(e["channel"], e["salesforce_case_id"]) for e in inbox.engagements(recipient)] == [("whatsapp", case)]


def test_a_conversation_assigned_in_salesforce_is_handed_back_to_the_inbox(stack: Any, inbox: Inbox) -> None:
    # given an open conversation in the inbox
    user, conversation = unique("u-"), unique("conv-")
    inbox.seed_conversations(user, conversation)
    # when Salesforce hands it back to a team
    resp = stack.send(body_of("conversation.assigned", conversation_id=conversation, team="Support EN"))
    # then the inbox holds it again, for that team, by that agent
    assert resp.status_code == 200, resp.text
    handed = inbox.conversation(conversation)
    assert (handed["assigned_to"], handed["team"], handed["assigned_by"]) == (
        "alcmeon",
        "Support EN",
        "alex.kim@brand.example",
    )


def test_a_reply_to_a_conversation_the_inbox_does_not_hold_is_not_found(stack: Any) -> None:
    # given no such conversation in the inbox
    # when the agent replies to it
    resp = stack.send(body_of("conversation.reply", conversation_id=unique("conv-")))
    # then it is refused, naming the conversation
    assert resp.status_code == 404, resp.text
    assert [e["loc"] for e in resp.json()["errors"]] == [["data", "conversation_id"]]


def test_an_engagement_while_the_inbox_is_down_is_recorded_once_and_sent_once(
    stack: Any, org: SalesforceOrg, inbox: Inbox
) -> None:
    # given an inbox that refuses its next engagement
    recipient = unique("+3372")
    inbox.fault(status=503, count=1, match="/engagements")
    # when the agent sends an engagement
    resp = stack.send(body_of("engagement.send", recipient=recipient, salesforce_case_id=None))
    # then it is queued, then sent once, with one Engagement in Salesforce
    assert resp.status_code == 202, resp.text
    wait_for(lambda: inbox.engagements(recipient), 45)
    assert len(inbox.engagements(recipient)) == 1
    assert len(org.query(f"SELECT Id FROM Social_Engagement__c WHERE Recipient__c = {soql_quote(recipient)}")) == 1


def test_a_later_engagement_to_a_recipient_who_answered_is_a_new_one(
    stack: Any, org: SalesforceOrg, inbox: Inbox
) -> None:
    # given an engagement the recipient answered (what `engagement_answered` writes when their
    # conversation arrives: the inbound sync calls it)
    recipient = unique("+3373")
    assert stack.send(body_of("engagement.send", recipient=recipient, salesforce_case_id=None)).status_code == 200
    soql = f"SELECT Id, Mode__c, Conversation__c FROM Social_Engagement__c WHERE Recipient__c = {soql_quote(recipient)}"
    (answered,) = org.query(soql)
    conversation = org.create("Social_Conversation__c", {"Conversation_Id__c": unique("conv-")})
    org.update("Social_Engagement__c", answered["Id"], {"Mode__c": "Conversation", "Conversation__c": conversation})
    # when the agent sends another engagement
    resp = stack.send(body_of("engagement.send", recipient=recipient, salesforce_case_id=None))
    # then it is a new Engagement; the answered one stays the conversation
    assert resp.status_code == 200, resp.text
    modes = {r["Id"]: (r["Mode__c"], r["Conversation__c"]) for r in org.query(soql)}
    assert modes.pop(answered["Id"]) == ("Conversation", conversation)
    assert list(modes.values()) == [("Engagement", None)]


def test_a_person_account_linked_in_salesforce_matches_the_user_as_a_person_account(
    stack: Any, org: SalesforceOrg, inbox: Inbox
) -> None:
    # given a user with two conversations in Salesforce and the inbox
    user, linked, other = unique("u-"), unique("conv-"), unique("conv-")
    inbox.seed_conversations(user, linked, other)
    account = org.create("Account", {"Name": "Camille Martin"})
    for conversation in (linked, other):
        org.create("Social_Conversation__c", {"Conversation_Id__c": conversation, "Social_User_Id__c": user})
    # when an agent sets the (person) Account on one of them
    body = body_of("conversation.contact_linked", conversation_id=linked, salesforce_object="Account")
    body["data"]["salesforce_id"] = account
    resp = stack.send(body)
    # then the inbox matched a Person Account, and both conversations name it
    assert resp.status_code == 200, resp.text
    (sent,) = inbox.received(f"/conversations/{linked}/contact")
    assert sent["json"] == {"salesforce_contact_id": account, "salesforce_object": "PersonAccount"}
    where = f"Social_User_Id__c = {soql_quote(user)}"
    rows = org.query(f"SELECT Person_Account__c, Contact__c FROM Social_Conversation__c WHERE {where}")
    assert [(r["Person_Account__c"], r["Contact__c"]) for r in rows] == [(account, None), (account, None)]


def test_an_older_link_of_the_same_user_from_another_conversation_changes_nothing(
    stack: Any, org: SalesforceOrg, inbox: Inbox
) -> None:
    # given a user matched to a Contact at 10:05 through one conversation
    user, first, second = unique("u-"), unique("conv-"), unique("conv-")
    inbox.seed_conversations(user, first, second)
    newer, older = org.create("Contact", {"LastName": "Newer"}), org.create("Contact", {"LastName": "Older"})
    for conversation in (first, second):
        org.create("Social_Conversation__c", {"Conversation_Id__c": conversation, "Social_User_Id__c": user})
    assert stack.send(body_of("conversation.contact_linked", conversation_id=first, salesforce_id=newer)).ok
    # when a link made earlier (10:00) through the other conversation arrives late
    late = body_of("conversation.contact_linked", conversation_id=second, salesforce_id=older)
    late["occurred_at"] = "2026-11-23T10:00:00Z"
    resp = stack.send(late)
    # then the newer match stays, in the inbox and in Salesforce
    assert resp.status_code == 200, resp.text
    assert resp.json()["stale"] is True
    assert inbox.received(f"/conversations/{second}/contact") == []
    assert inbox.conversation(second)["salesforce_contact_id"] == newer
    assert set(_conversations_of(org, user).values()) == {newer}
