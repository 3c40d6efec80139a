"""Conversations, users and auth of the social inbox emulator."""

import requests

API = "/api/v1"


def test_conversation_is_read_by_id(social: str, inbox: requests.Session) -> None:
    # given conv-501 seeded on WhatsApp for team Support FR
    # when it is read
    response = inbox.get(f"{social}{API}/conversations/conv-501", timeout=5)
    # then the conversation comes back with its user and messages
    assert response.status_code == 200
    conversation = response.json()["conversation"]
    assert (conversation["channel"], conversation["status"], conversation["team"]) == ("whatsapp", "open", "Support FR")
    assert conversation["user"] == {"id": "u-88", "handle": "+33612345678", "name": "Camille Martin"}
    assert conversation["messages"][0]["text"] == "Bonjour, ma commande est en retard."
    assert conversation["salesforce_contact_id"] is None


def test_unknown_conversation_is_not_found(social: str, inbox: requests.Session) -> None:
    # given no conversation conv-0
    # when it is read
    response = inbox.get(f"{social}{API}/conversations/conv-0", timeout=5)
    # then the inbox's error shape says so
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "conversation_not_found"


def test_missing_api_key_is_unauthorized(social: str) -> None:
    # given no bearer key
    # when a conversation is read
    response = requests.get(f"{social}{API}/conversations/conv-501", timeout=5)
    # then it is refused
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_wrong_api_key_is_unauthorized(social: str) -> None:
    # given a wrong bearer key
    # when a conversation is read
    response = requests.get(
        f"{social}{API}/conversations/conv-501", headers={"Authorization": "Bearer wrong"}, timeout=5
    )
    # then it is refused
    assert response.status_code == 401


def test_conversations_filter_by_user(social: str, inbox: requests.Session) -> None:
    # given u-88 with an open and a closed conversation
    # when conversations are listed for u-88
    body = inbox.get(f"{social}{API}/conversations", params={"user_id": "u-88"}, timeout=5).json()
    # then both come back
    assert body["total"] == 2
    assert {c["id"] for c in body["conversations"]} == {"conv-501", "conv-480"}


def test_conversations_with_unknown_filter_is_a_bad_request(social: str, inbox: requests.Session) -> None:
    # given a filter the inbox does not know
    # when conversations are listed
    response = inbox.get(f"{social}{API}/conversations", params={"colour": "red"}, timeout=5)
    # then it is refused
    assert response.status_code == 400


def test_user_is_read_by_id(social: str, inbox: requests.Session) -> None:
    # given u-91 seeded with a Contact
    # when the user is read
    user = inbox.get(f"{social}{API}/users/u-91", timeout=5).json()["user"]
    # then handle, channel and Contact come back
    assert (user["handle"], user["channel"], user["salesforce_contact_id"]) == (
        "@lee.style",
        "instagram",
        "003000000000002AAA",
    )


def test_unknown_user_is_not_found(social: str, inbox: requests.Session) -> None:
    # given no user u-0
    # when it is read
    response = inbox.get(f"{social}{API}/users/u-0", timeout=5)
    # then it is not found
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "user_not_found"
