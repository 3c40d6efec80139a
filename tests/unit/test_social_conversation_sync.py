"""`connector.social`: the examples as models, eligibility, and the one-Opened-per-user rule, on a
fake Salesforce (what each event reads and writes, in how many calls)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from connector.config import ConnectorConfig
from connector.errors import EntityBusy, IneligibleEvent
from connector.social.conversations import match_user, sync_conversation
from connector.social.models import ConversationChanged, UserMatched
from connector.state import UserLink


class FakeSalesforce:
    def __init__(self, conversations: list[dict[str, Any]] | None = None) -> None:
        self.conversations = conversations or []
        self.calls: list[tuple[str, Any]] = []

    def query_many(self, queries: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
        self.calls.append(("query", queries))
        return {"conversations": self.conversations, "case": [], "cases": []}

    def composite(self, subrequests: list[dict[str, Any]]) -> list[Any]:
        self.calls.append(("composite", subrequests))
        return [SimpleNamespace(reference_id=s["referenceId"], status=200, body={"id": "a0X1"}) for s in subrequests]

    def upsert(self, sobject: str, field: str, key: str, body: dict[str, Any]) -> Any:
        self.calls.append(("upsert", (sobject, key, body)))
        return SimpleNamespace(id="a0X1", created=True)

    def update_many(self, sobject: str, records: list[dict[str, Any]], all_or_none: bool = False) -> list[Any]:
        self.calls.append(("update_many", records))
        return [SimpleNamespace(success=True) for _ in records]

    def data_path(self, path: str) -> str:
        return f"/services/data/v62.0/{path}"


class FakeLinks:
    def __init__(self, link: UserLink | None = None) -> None:
        self.kept = link

    def get(self, user_id: str) -> UserLink | None:
        return self.kept

    def link(self, link: UserLink) -> bool:
        self.kept = link
        return True


class FreeClaims:
    """No other event holds the user's claim (the race is tested against the emulators)."""

    def acquire(self, kind: str, key: str, owner: str) -> bool:
        return True

    def release(self, kind: str, key: str, owner: str) -> None:
        pass


def services(sf: FakeSalesforce, links: FakeLinks | None = None, **config: Any) -> Any:
    settings = SimpleNamespace(config=ConnectorConfig.model_validate(config))
    sync_state = SimpleNamespace(get=lambda ref: None)
    return SimpleNamespace(
        salesforce=sf, social_links=links or FakeLinks(), settings=settings, sync_state=sync_state, claims=FreeClaims()
    )


def example(name: str, **data: Any) -> dict[str, Any]:
    with open(f"events/{name}.json") as f:
        body = json.load(f)
    body["data"].update(data)
    return dict(body)


def test_the_examples_are_accepted_as_they_stand() -> None:
    assert ConversationChanged.model_validate(example("conversation.routed")).entity().key == "conv-501"
    assert ConversationChanged.model_validate(example("conversation.replied")).entity().key == "conv-502"
    matched = UserMatched.model_validate(example("user.matched"))
    assert (matched.entity().entity, matched.entity().key) == ("social_user", "u-88")
    with pytest.raises(ValidationError):
        UserMatched.model_validate(example("user.matched", salesforce_contact_id=None))


def test_routed_to_no_team_and_an_unmatched_reply_are_ineligible_without_a_call() -> None:
    sf = FakeSalesforce()
    with pytest.raises(IneligibleEvent):
        sync_conversation(ConversationChanged.model_validate(example("conversation.routed", team=None)), services(sf))
    reply = ConversationChanged.model_validate(example("conversation.replied", salesforce_contact_id=None))
    with pytest.raises(IneligibleEvent):
        sync_conversation(reply, services(sf))
    assert sf.calls == []
    # the same reply for a user matched before is pushed, linked to the kept Contact
    links = FakeLinks(UserLink("u-91", "Contact", "003000000000002AAA", "v"))
    sync_conversation(reply, services(sf, links))
    kind, (_, key, body) = sf.calls[-1]
    assert (kind, key, body["Contact__c"]) == ("upsert", "conv-502", "003000000000002AAA")


def test_a_first_push_writes_the_earlier_ones_closed_in_the_same_composite() -> None:
    sf = FakeSalesforce()
    outcome = sync_conversation(ConversationChanged.model_validate(example("conversation.routed")), services(sf))
    assert [kind for kind, _ in sf.calls] == ["query", "composite"]
    subrequests = sf.calls[1][1]
    assert [(s["url"].rsplit("/", 1)[-1], s["body"]["Status__c"]) for s in subrequests] == [
        ("conv-480", "Closed"),
        ("conv-501", "Opened"),
    ]
    assert outcome.detail["earlier_created"] == 1


def test_opening_a_conversation_closes_the_users_opened_one_unless_it_is_newer() -> None:
    opened = [{"Id": "a0X9", "Conversation_Id__c": "conv-400", "Status__c": "Opened", "Last_Message_At__c": None}]
    sf = FakeSalesforce(opened)
    sync_conversation(ConversationChanged.model_validate(example("conversation.routed")), services(sf))
    subrequests = sf.calls[1][1]
    assert [(s["method"], s["body"]["Status__c"]) for s in subrequests] == [("PATCH", "Closed"), ("PATCH", "Opened")]
    assert subrequests[0]["url"].endswith("/Social_Conversation__c/a0X9")
    # an Opened conversation with a newer message stays Opened; this older one is written Closed
    newer = [{**opened[0], "Last_Message_At__c": "2026-11-24T00:00:00.000+0000"}]
    sf = FakeSalesforce(newer)
    sync_conversation(ConversationChanged.model_validate(example("conversation.routed")), services(sf))
    kind, (_, key, body) = sf.calls[1]
    assert (kind, key, body["Status__c"]) == ("upsert", "conv-501", "Closed")


def test_a_user_match_is_kept_and_links_every_conversation_in_one_collection_call() -> None:
    sf = FakeSalesforce([{"Id": "a0X1"}, {"Id": "a0X2"}])
    links = FakeLinks()
    match_user(UserMatched.model_validate(example("user.matched")), services(sf, links, social={}))
    assert links.kept is not None and links.kept.salesforce_id == "003000000000003AAA"
    assert sf.calls[-1] == (
        "update_many",
        [{"Id": "a0X1", "Contact__c": "003000000000003AAA"}, {"Id": "a0X2", "Contact__c": "003000000000003AAA"}],
    )
    # person-account mode: the Person_Account__c lookup
    sf = FakeSalesforce([{"Id": "a0X1"}])
    match_user(
        UserMatched.model_validate(example("user.matched", salesforce_contact_id="001000000000003AAA")),
        services(sf, FakeLinks(), social={"customer_parent": "person_account"}),
    )
    assert sf.calls[-1][1] == [{"Id": "a0X1", "Person_Account__c": "001000000000003AAA"}]


def test_in_person_account_mode_a_contact_id_still_links_the_contact() -> None:
    sf = FakeSalesforce([{"Id": "a0X1"}])
    links = FakeLinks()
    match_user(
        UserMatched.model_validate(example("user.matched")),
        services(sf, links, social={"customer_parent": "person_account"}),
    )
    assert sf.calls[-1][1] == [{"Id": "a0X1", "Contact__c": "003000000000003AAA"}]
    assert links.kept is not None and links.kept.sobject == "Contact"


class ClaimsGrantedAfterAMatch:
    """The user's claim is granted just after a user match (holding it) kept the user's Contact."""

    def __init__(self, links: FakeLinks, link: UserLink) -> None:
        self.links, self.link = links, link

    def acquire(self, kind: str, key: str, owner: str) -> bool:
        self.links.kept = self.link
        return True

    def release(self, kind: str, key: str, owner: str) -> None:
        pass


class HeldClaims:
    """Another event holds the user's claim."""

    def acquire(self, kind: str, key: str, owner: str) -> bool:
        return False

    def release(self, kind: str, key: str, owner: str) -> None:
        raise AssertionError("never acquired")


def test_a_conversation_is_linked_to_a_match_kept_while_it_waited_for_the_users_claim() -> None:
    # given a routed conversation of an unmatched user, whose user match is kept while it waits for
    # the user's claim (the match holding it)
    sf, links = FakeSalesforce(), FakeLinks()
    s = services(sf, links)
    s.claims = ClaimsGrantedAfterAMatch(links, UserLink("u-88", "Contact", "003000000000002AAA", "v"))
    event = ConversationChanged.model_validate(example("conversation.routed", previous_conversations=[]))
    # when it is synced
    sync_conversation(event, s)
    # then it is linked to that Contact (the match's own query did not see it yet)
    kind, (_, key, body) = sf.calls[-1]
    assert (kind, key, body.get("Contact__c")) == ("upsert", "conv-501", "003000000000002AAA")


def test_a_user_match_waits_while_a_conversation_of_the_user_is_synced() -> None:
    # given a conversation of the user being synced (it holds the user's claim)
    sf, links = FakeSalesforce(), FakeLinks()
    s = services(sf, links)
    s.claims = HeldClaims()
    # when the user's match arrives
    with pytest.raises(EntityBusy):
        match_user(UserMatched.model_validate(example("user.matched")), s)
    # then it is retried later, nothing kept nor written (the conversation would miss the link)
    assert (links.kept, sf.calls) == (None, [])
