"""The chat commands in process, against the Salesforce emulator over HTTP: the chatbot's find,
query and create, and routing decisions (the e2e tests prove the same through the local stack)."""

from __future__ import annotations

from typing import Any

from conftest import Connector
from trigger_events import event_body

BOT = "/v1/chat/bot"
ROUTE = "/v1/chat/route"


def seeded_contact(connector: Connector, email: str, **fields: Any) -> str:
    created = connector.salesforce.seed({"Contact": [{"LastName": "Lee", "Email": email, **fields}]})
    return str(created["Contact"][0])


def test_find_record_answers_the_oldest_match_with_the_fields_asked(connector: Connector) -> None:
    # given two Contacts with the bot's value
    first = seeded_contact(connector, "bot-find@example.com", FirstName="First")
    seeded_contact(connector, "bot-find@example.com", FirstName="Second")
    body = event_body("bot.find_record", value="bot-find@example.com", return_fields=["Id", "FirstName"])
    # when the bot looks it up
    reply = connector.trigger("conversation_routing").post(body, path=BOT)
    # then the first created answers, keyed as asked
    assert reply.status == 200, reply.body
    assert reply.body["record"] == {"Id": first, "FirstName": "First"}


def test_find_record_of_nothing_is_404_not_found(connector: Connector) -> None:
    # given no Contact with the value
    body = event_body("bot.find_record", value="nobody@example.com")
    # when the bot looks it up
    reply = connector.trigger("conversation_routing").post(body, path=BOT)
    # then a clear not-found
    assert reply.status == 404, reply.body
    assert reply.body["errors"][0]["type"] == "not_found"


def test_a_query_answers_its_records(connector: Connector) -> None:
    # given a Contact with two Cases
    contact = seeded_contact(connector, "bot-query@example.com")
    connector.salesforce.seed(
        {"Case": [{"Subject": "one", "ContactId": contact}, {"Subject": "two", "ContactId": contact}]}
    )
    soql = f"SELECT Id, Subject FROM Case WHERE ContactId = '{contact}' ORDER BY Subject LIMIT 5"
    # when the bot queries them
    reply = connector.trigger("conversation_routing").post(event_body("bot.query", soql=soql), path=BOT)
    # then both, in order
    assert reply.status == 200, reply.body
    assert [r["Subject"] for r in reply.body["records"]] == ["one", "two"]
    assert reply.body["total_size"] == 2


def test_a_query_that_writes_is_refused_saying_why(connector: Connector) -> None:
    # given a statement that is no SELECT
    body = event_body("bot.query", soql="DELETE FROM Contact LIMIT 1")
    # when the bot sends it
    reply = connector.trigger("conversation_routing").post(body, path=BOT)
    # then 422 on the statement, and nothing reached Salesforce
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "soql"]


def test_create_record_creates_it_once_per_event(connector: Connector) -> None:
    # given a Lead the bot creates
    body = event_body("bot.create_record", fields={"LastName": "Bot", "Company": "Acme", "Email": "bot@example.com"})
    routing = connector.trigger("conversation_routing")
    # when the same command arrives twice
    first = routing.post(body, path=BOT)
    second = routing.post(body, path=BOT)
    # then one Lead, and the same answer
    assert first.status == 200, first.body
    assert second.body == first.body
    assert [lead["Id"] for lead in connector.salesforce.find("Lead", Email="bot@example.com")] == [first.body["id"]]


def test_a_chat_is_routed_to_its_account_owner(connector: Connector) -> None:
    # given a rule giving a key account's chats to its owner, and such a visitor
    rule = {"name": "owner", "conditions": [{"field": "account.Type", "value": "Customer - Direct"}]}
    rule["agent_from"] = "account.Owner.Email"
    connector.configure({"chat": {"routing": {"rules": [rule], "default_department": "General"}}})
    owner = connector.salesforce.seed(
        {
            "User": [
                {"Username": "owner@brand.example", "LastName": "Owner", "Email": "owner@brand.example", "Alias": "own"}
            ]
        }
    )["User"][0]
    account = connector.salesforce.seed({"Account": [{"Name": "Key", "Type": "Customer - Direct", "OwnerId": owner}]})
    seeded_contact(connector, "key-visitor@example.com", AccountId=account["Account"][0])
    body = event_body("chat.requested")
    body["data"]["visitor"]["email"] = "key-visitor@example.com"
    # when the chat is requested
    reply = connector.trigger("conversation_routing").post(body, path=ROUTE)
    # then the owner takes it, by the rule
    assert reply.status == 200, reply.body
    assert (reply.body["agent"], reply.body["rule"]) == ("owner@brand.example", "owner")


def test_no_matching_rule_routes_to_the_default_department(connector: Connector) -> None:
    # given a rule no visitor matches
    rule = {"name": "vip", "conditions": [{"field": "custom_variables.vip", "value": "yes"}], "department": "VIP"}
    connector.configure({"chat": {"routing": {"rules": [rule], "default_department": "General"}}})
    # when a chat is requested
    reply = connector.trigger("conversation_routing").post(event_body("chat.requested"), path=ROUTE)
    # then the default department, with no rule named
    assert reply.status == 200, reply.body
    assert (reply.body["department"], reply.body["rule"]) == ("General", None)
