"""`connector.state.ChatChoiceStore`: one agent choice per chat, replaced until the chat ends."""

from typing import Any

import pytest

from connector.state import AgentChoice, ChatChoiceStore, ChoiceAfterEnd

ENDED = "2026-11-23T09:52:00+00:00"


@pytest.fixture
def store(dynamodb: Any, sync_table: str) -> ChatChoiceStore:
    return ChatChoiceStore(sync_table, dynamodb)


def test_a_chat_without_a_choice_ends_with_none(store: ChatChoiceStore) -> None:
    # given a chat nobody chose anything for
    # when it ends
    chat = store.end("chat-1", ENDED)
    # then no choice, and the end is kept
    assert (chat.choice, chat.ended_at) == (None, ENDED)


def test_the_end_reads_the_choice_with_its_typed_values(store: ChatChoiceStore) -> None:
    # given a choice with values of several types
    typed = {"Lead": {"Company": "Acme", "NumberOfEmployees": 2.5, "HasOptedOutOfEmail": True}}
    choice = AgentChoice("create_lead_attach_task", None, typed, "a-7")
    store.choose("chat-1", choice)
    # when the chat ends
    # then the choice comes back as it was made
    assert store.end("chat-1", ENDED).choice == choice


def test_a_second_choice_replaces_the_first(store: ChatChoiceStore) -> None:
    # given two choices for one chat
    store.choose("chat-1", AgentChoice("create_contact_attach_task"))
    store.choose("chat-1", AgentChoice("create_case"))
    # when the chat ends
    # then the second is the one
    choice = store.end("chat-1", ENDED).choice
    assert choice is not None and choice.action == "create_case"


def test_a_choice_after_the_end_is_refused(store: ChatChoiceStore) -> None:
    # given a chat that ended with a choice
    store.choose("chat-1", AgentChoice("create_case"))
    store.end("chat-1", ENDED)
    # when another choice comes
    # then it is refused, and the choice the end ran with stays
    with pytest.raises(ChoiceAfterEnd):
        store.choose("chat-1", AgentChoice("create_contact_attach_task"))
    choice = store.end("chat-1", "2026-11-23T10:00:00+00:00").choice
    assert choice is not None and choice.action == "create_case"


def test_a_second_end_keeps_the_first_end_time(store: ChatChoiceStore) -> None:
    # given an ended chat
    store.end("chat-1", ENDED)
    # when its end is delivered again later
    # then the first end time stays
    assert store.end("chat-1", "2026-11-23T11:00:00+00:00").ended_at == ENDED
