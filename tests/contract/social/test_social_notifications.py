"""Notifications the connector sends to the social inbox: contact linked, assigned, closed,
replies and engagements."""

import requests

API = "/api/v1"


def test_linking_a_contact_matches_every_conversation_of_the_user(social: str, inbox: requests.Session) -> None:
    # given u-88 with conv-501 open and conv-480 closed, no Contact
    body = {"salesforce_contact_id": "003000000000003AAA"}
    # when a Contact is linked to conv-501
    response = inbox.post(f"{social}{API}/conversations/conv-501/contact", json=body, timeout=5)
    # then the user and both conversations carry it
    assert response.status_code == 200
    result = response.json()
    assert result["user"]["salesforce_contact_id"] == "003000000000003AAA"
    assert sorted(result["linked_conversations"]) == ["conv-480", "conv-501"]
    closed = inbox.get(f"{social}{API}/conversations/conv-480", timeout=5).json()["conversation"]
    assert closed["salesforce_contact_id"] == "003000000000003AAA"


def test_linking_a_person_account_needs_an_account_id(social: str, inbox: requests.Session) -> None:
    # given a Person Account link carrying a Contact id
    body = {"salesforce_contact_id": "003000000000003AAA", "salesforce_object": "PersonAccount"}
    # when it is sent
    response = inbox.post(f"{social}{API}/conversations/conv-501/contact", json=body, timeout=5)
    # then the id is refused
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_linking_without_contact_id_is_a_bad_request(social: str, inbox: requests.Session) -> None:
    # given no Contact id
    # when the link is sent
    response = inbox.post(f"{social}{API}/conversations/conv-501/contact", json={}, timeout=5)
    # then it is refused
    assert response.status_code == 400


def test_linking_to_unknown_conversation_is_not_found(social: str, inbox: requests.Session) -> None:
    # given no conversation conv-0
    # when a Contact is linked to it
    body = {"salesforce_contact_id": "003000000000003AAA"}
    response = inbox.post(f"{social}{API}/conversations/conv-0/contact", json=body, timeout=5)
    # then it is not found
    assert response.status_code == 404


def test_assign_hands_conversation_to_a_team(social: str, inbox: requests.Session) -> None:
    # given conv-502 open without a team
    body = {"team": "Support EN", "salesforce_user_email": "alex.kim@brand.example"}
    # when it is assigned
    response = inbox.post(f"{social}{API}/conversations/conv-502/assign", json=body, timeout=5)
    # then the inbox owns it, with that team
    conversation = response.json()["conversation"]
    assert (conversation["team"], conversation["assigned_to"]) == ("Support EN", "alcmeon")
    assert conversation["assigned_by"] == "alex.kim@brand.example"


def test_assign_without_team_is_a_bad_request(social: str, inbox: requests.Session) -> None:
    # given no team
    # when the assignment is sent
    response = inbox.post(f"{social}{API}/conversations/conv-502/assign", json={}, timeout=5)
    # then it is refused
    assert response.status_code == 400


def test_assign_closed_conversation_conflicts(social: str, inbox: requests.Session) -> None:
    # given conv-480 closed
    # when it is assigned
    response = inbox.post(f"{social}{API}/conversations/conv-480/assign", json={"team": "Support FR"}, timeout=5)
    # then it conflicts
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conversation_closed"


def test_close_marks_conversation_closed(social: str, inbox: requests.Session) -> None:
    # given conv-501 open
    # when it is closed with no body
    response = inbox.post(f"{social}{API}/conversations/conv-501/close", timeout=5)
    # then it is closed with a timestamp
    conversation = response.json()["conversation"]
    assert conversation["status"] == "closed"
    assert conversation["closed_at"]


def test_reply_appends_an_outbound_message(social: str, inbox: requests.Session) -> None:
    # given conv-501 open
    body = {"text": "Votre colis arrive demain.", "agent": {"email": "alex.kim@brand.example", "name": "Alex Kim"}}
    # when an agent replies
    response = inbox.post(f"{social}{API}/conversations/conv-501/messages", json=body, timeout=5)
    # then the message is added as outbound
    assert response.status_code == 201
    messages = inbox.get(f"{social}{API}/conversations/conv-501", timeout=5).json()["conversation"]["messages"]
    assert (messages[-1]["direction"], messages[-1]["text"]) == ("outbound", "Votre colis arrive demain.")


def test_reply_without_agent_email_is_a_bad_request(social: str, inbox: requests.Session) -> None:
    # given a reply without the agent
    # when it is sent
    response = inbox.post(f"{social}{API}/conversations/conv-501/messages", json={"text": "Hi"}, timeout=5)
    # then it is refused
    assert response.status_code == 400


def test_engagement_on_whatsapp_with_consent_is_accepted(social: str, inbox: requests.Session) -> None:
    # given a consenting WhatsApp recipient
    body = {"recipient": "+33612345678", "channel": "whatsapp", "consent": True, "text": "Bonjour"}
    # when an engagement message is sent
    response = inbox.post(f"{social}{API}/engagements", json=body, timeout=5)
    # then it is created in engagement mode
    assert response.status_code == 201
    assert response.json()["engagement"]["mode"] == "engagement"


def test_engagement_without_consent_conflicts(social: str, inbox: requests.Session) -> None:
    # given a recipient without consent
    body = {"recipient": "+33612345678", "channel": "whatsapp", "consent": False, "text": "Bonjour"}
    # when an engagement message is sent
    response = inbox.post(f"{social}{API}/engagements", json=body, timeout=5)
    # then it is refused
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "consent_required"


def test_engagement_on_instagram_is_a_bad_request(social: str, inbox: requests.Session) -> None:
    # given a channel engagement does not support
    body = {"recipient": "@lee.style", "channel": "instagram", "consent": True, "text": "Hi"}
    # when an engagement message is sent
    response = inbox.post(f"{social}{API}/engagements", json=body, timeout=5)
    # then it is refused
    assert response.status_code == 400


def test_malformed_json_is_a_bad_request(social: str, inbox: requests.Session) -> None:
    # given a body that is not JSON
    headers = {"Content-Type": "application/json"}
    # when it is sent as a link notification
    response = inbox.post(f"{social}{API}/conversations/conv-501/contact", data="{", headers=headers, timeout=5)
    # then it is refused in the inbox's shape
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_a_reply_repeated_with_its_idempotency_key_is_sent_once(social: str, inbox: requests.Session) -> None:
    # given a reply already sent with an Idempotency-Key
    body = {"text": "Bonjour", "agent": {"email": "alex.kim@brand.example"}}
    headers = {"Idempotency-Key": "evt-s-0012"}
    first = inbox.post(f"{social}{API}/conversations/conv-501/messages", json=body, headers=headers, timeout=5)
    # when it is sent again with the same key
    again = inbox.post(f"{social}{API}/conversations/conv-501/messages", json=body, headers=headers, timeout=5)
    # then the first message answers, and the conversation holds it once
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    messages = inbox.get(f"{social}{API}/conversations/conv-501", timeout=5).json()["conversation"]["messages"]
    assert [m["text"] for m in messages].count("Bonjour") == 1


def test_an_engagement_repeated_with_its_idempotency_key_is_sent_once(social: str, inbox: requests.Session) -> None:
    # given an engagement already sent with an Idempotency-Key
    body = {"recipient": "+33612345678", "channel": "whatsapp", "consent": True, "text": "Prêt"}
    headers = {"Idempotency-Key": "evt-s-0013"}
    first = inbox.post(f"{social}{API}/engagements", json=body, headers=headers, timeout=5)
    # when it is sent again with the same key
    again = inbox.post(f"{social}{API}/engagements", json=body, headers=headers, timeout=5)
    # then one engagement exists, the one the first call made
    assert again.json()["engagement"]["id"] == first.json()["engagement"]["id"]
    assert inbox.get(f"{social}{API}/engagements", timeout=5).json()["total"] == 1
