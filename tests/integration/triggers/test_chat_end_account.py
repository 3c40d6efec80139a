"""The Account mapping (chat.field_mapping.Account): the visitor's Account, found by its own
conditions or as the matched Contact's, follows the update rule in the chat end's one write call."""

from __future__ import annotations

from conftest import Connector
from trigger_events import event_body

CHAT_EVENTS = "/v1/chat/events"
ACCOUNT_MAPPING = {"Phone": "prechat.phone", "AccountNumber": "custom_variables.account_number"}


def known_visitor(connector: Connector, email: str, **account: str) -> str:
    """A Contact with this email under an Account with these fields; the Account's Id."""
    account_id = str(connector.salesforce.seed({"Account": [{"Name": "Acme", **account}]})["Account"][0])
    connector.salesforce.seed({"Contact": [{"LastName": "Lee", "Email": email, "AccountId": account_id}]})
    return account_id


def ended(email: str) -> dict[str, object]:
    body = event_body("chat.ended")
    body["data"]["visitor"]["email"] = email  # type: ignore[index]
    return body


def test_fill_blank_fields_fills_the_contacts_accounts_blank_mapped_fields(connector: Connector) -> None:
    # given an Account mapping, fill_blank_fields, and a known visitor whose Account has no phone
    connector.configure({"chat": {"update_rule": "fill_blank_fields", "field_mapping": {"Account": ACCOUNT_MAPPING}}})
    account_id = known_visitor(connector, "acct-fill@example.com", AccountNumber="KEEP-1")
    calls = connector.salesforce.calls()
    # when the chat ends
    reply = connector.trigger("chat_end").post(ended("acct-fill@example.com"), path=CHAT_EVENTS)
    # then the blank phone is filled, the account number kept, within the usual two calls (the first
    # event of a container also checks the schema: one describe call)
    assert reply.status == 200, reply.body
    account = connector.salesforce.one("Account", Id=account_id)
    assert (account["Phone"], account["AccountNumber"]) == ("+1 555 0111", "KEEP-1")
    assert connector.salesforce.calls() - calls <= 3


def test_overwrite_rewrites_the_accounts_mapped_fields(connector: Connector) -> None:
    # given the overwrite rule
    connector.configure({"chat": {"update_rule": "overwrite", "field_mapping": {"Account": ACCOUNT_MAPPING}}})
    account_id = known_visitor(connector, "acct-over@example.com", AccountNumber="OLD-1", Phone="+1 000")
    # when the chat ends
    reply = connector.trigger("chat_end").post(ended("acct-over@example.com"), path=CHAT_EVENTS)
    # then both mapped fields hold the chat's values
    assert reply.status == 200, reply.body
    account = connector.salesforce.one("Account", Id=account_id)
    assert (account["Phone"], account["AccountNumber"]) == ("+1 555 0111", "A-77")


def test_do_not_update_leaves_the_account_alone(connector: Connector) -> None:
    # given the do_not_update rule
    connector.configure({"chat": {"update_rule": "do_not_update", "field_mapping": {"Account": ACCOUNT_MAPPING}}})
    account_id = known_visitor(connector, "acct-keep@example.com")
    # when the chat ends
    reply = connector.trigger("chat_end").post(ended("acct-keep@example.com"), path=CHAT_EVENTS)
    # then nothing on the Account changed
    assert reply.status == 200, reply.body
    account = connector.salesforce.one("Account", Id=account_id)
    assert (account["Phone"], account["AccountNumber"]) == (None, None)
