"""`conversation.contact_linked` (connector.social.salesforce_events): the match reaches the inbox
before it is kept, so an inbox that refuses it leaves no match behind. The real inbox client against
the social emulator over HTTP, the real match store on moto; Salesforce is a stand-in that knows the
Conversation."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from connector.clients.social import SocialClient
from connector.errors import EntityBusy, NotFoundError
from connector.settings import PlatformApi
from connector.social.salesforce_events import ConversationContactLinked, link_conversation_contact
from connector.social.user_claim import USER_CLAIM
from connector.state.claims import ClaimStore
from connector.state.social_links import SocialLinkStore
from emulators._base import running
from emulators.social import create_app
from emulators.social.app import DEFAULT_API_KEY

CONTACT = "003000000000002AAA"
USER = {"id": "u-88", "handle": "+33612345678", "name": "Camille Martin"}


@pytest.fixture(scope="module")
def inbox_server() -> Iterator[tuple[Any, str]]:
    app = create_app()
    with running(app) as url:
        yield app.test_client(), url


class Salesforce:
    """The org holds the Conversation (of user u-88) and no other."""

    def __init__(self) -> None:
        self.updated: list[dict[str, Any]] = []

    def query(self, soql: str) -> list[dict[str, Any]]:
        return [{"Id": "a0A000000000001AAA", "Social_User_Id__c": USER["id"], "Contact__c": None}]

    def update_many(self, sobject: str, records: list[dict[str, Any]], all_or_none: bool = False) -> list[Any]:
        self.updated += records
        return [SimpleNamespace(success=True) for _ in records]


@pytest.fixture
def services(inbox_server: tuple[Any, str], sync_table: str, dynamodb: Any) -> Any:
    admin, url = inbox_server
    admin.post("/_admin/reset")
    seed = {"conversations": [{"id": "conv-501", "channel": "whatsapp", "status": "open", "user": USER}]}
    assert admin.post("/_admin/seed", json=seed).status_code == 200
    return SimpleNamespace(
        salesforce=Salesforce(),
        social=SocialClient(PlatformApi(url=url), DEFAULT_API_KEY),
        social_links=SocialLinkStore(sync_table, dynamodb),
        claims=ClaimStore(sync_table, dynamodb),
    )


def linked(conversation_id: str) -> ConversationContactLinked:
    return ConversationContactLinked.model_validate(
        {
            "event_id": f"evt-link-{conversation_id}",
            "event_type": "conversation.contact_linked",
            "occurred_at": "2026-11-23T10:00:00Z",
            "source": "social",
            "data": {"conversation_id": conversation_id, "salesforce_object": "Contact", "salesforce_id": CONTACT},
        }
    )


def test_a_link_the_inbox_takes_is_kept_as_the_users_match(services: Any) -> None:
    link_conversation_contact(linked("conv-501"), services)
    kept = services.social_links.get(USER["id"])
    assert kept is not None and kept.salesforce_id == CONTACT


def test_a_link_the_inbox_refuses_leaves_no_match_behind(services: Any) -> None:
    # given a Conversation Salesforce has and the inbox does not (404)
    # when an agent links its Contact
    with pytest.raises(NotFoundError):
        link_conversation_contact(linked("conv-unknown-to-the-inbox"), services)
    # then no match is kept for the user: their later conversations are not linked to it
    assert services.social_links.get(USER["id"]) is None
    assert services.salesforce.updated == []


def test_a_link_waits_while_a_conversation_of_the_user_is_synced(services: Any) -> None:
    # given a conversation of the user being synced (it holds the user's claim)
    assert services.claims.acquire(USER_CLAIM, USER["id"], "evt-conversation")
    # when an agent links the Contact of another of the user's conversations
    with pytest.raises(EntityBusy):
        link_conversation_contact(linked("conv-501"), services)
    # then it is retried later: no match kept, no conversation linked (the one being synced read no match)
    assert services.social_links.get(USER["id"]) is None
    assert services.salesforce.updated == []
