"""SocialClient against the social inbox emulator over HTTP: what the inbox's answers mean."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from connector.clients.social import SocialClient
from connector.errors import ConflictError, NotFoundError, TransientError
from connector.settings import PlatformApi
from emulators._base import running
from emulators.social import create_app

AGENT = {"email": "alex.kim@brand.example", "name": "Alex Kim"}
SEED = {
    "conversations": [
        {"id": "conv-501", "channel": "whatsapp", "user": {"id": "u-88", "handle": "+33612345678"}},
        {"id": "conv-480", "channel": "whatsapp", "status": "closed", "user": {"id": "u-88"}},
    ]
}


@pytest.fixture(scope="module")
def inbox_url() -> Iterator[str]:
    with running(create_app()) as base_url:
        yield base_url


@pytest.fixture
def inbox(inbox_url: str) -> str:
    requests.post(f"{inbox_url}/_admin/reset", timeout=5).raise_for_status()
    requests.post(f"{inbox_url}/_admin/seed", json=SEED, timeout=5).raise_for_status()
    return inbox_url


def _client(url: str) -> SocialClient:
    return SocialClient(PlatformApi(url=url, secret_arn="arn:local"), "local-social-key")


def _messages(url: str, conversation_id: str) -> list[dict[str, object]]:
    resp = requests.get(
        f"{url}/api/v1/conversations/{conversation_id}",
        headers={"Authorization": "Bearer local-social-key"},
        timeout=5,
    )
    return [m for m in resp.json()["conversation"]["messages"] if m["direction"] == "outbound"]


def test_a_reply_sent_again_with_its_event_id_reaches_the_inbox_once(inbox: str) -> None:
    # given a reply already sent
    client = _client(inbox)
    first = client.reply("conv-501", "Bonjour", AGENT, "evt-s-0012")
    # when it is sent again (a retry after a lost answer)
    again = client.reply("conv-501", "Bonjour", AGENT, "evt-s-0012")
    # then the inbox holds it once, and both calls were counted
    assert again["message"]["id"] == first["message"]["id"]
    assert len(_messages(inbox, "conv-501")) == 1
    assert client.calls.total == 2


def test_an_inbox_answering_503_is_transient(inbox: str) -> None:
    # given an inbox that fails its next call
    requests.post(f"{inbox}/_admin/faults", json={"status": 503, "count": 1}, timeout=5).raise_for_status()
    # when a hand-back is sent, then it is worth retrying
    with pytest.raises(TransientError):
        _client(inbox).assign_to_inbox("conv-501", "Support FR", None, None)


def test_an_unreachable_inbox_is_transient() -> None:
    with pytest.raises(TransientError):
        _client("http://127.0.0.1:9").match_user("conv-501", "Contact", "003000000000003AAA")


def test_a_conversation_the_inbox_does_not_hold_is_not_found(inbox: str) -> None:
    with pytest.raises(NotFoundError) as raised:
        _client(inbox).reply("conv-0", "Bonjour", AGENT, "evt-1")
    assert raised.value.loc == ["data", "conversation_id"]


def test_a_reply_to_a_closed_conversation_is_an_invalid_state_change(inbox: str) -> None:
    with pytest.raises(ConflictError):
        _client(inbox).reply("conv-480", "Bonjour", AGENT, "evt-2")
