"""Admin API of the social inbox emulator: seed, reset, counters, faults, request log."""

import requests

API = "/api/v1"


def test_request_log_records_outbound_notifications(social: str, inbox: requests.Session) -> None:
    # given a Contact link sent to the inbox
    body = {"salesforce_contact_id": "003000000000003AAA"}
    inbox.post(f"{social}{API}/conversations/conv-501/contact", json=body, timeout=5)
    # when the request log is read
    log = requests.get(f"{social}/_admin/requests", timeout=5).json()
    # then the notification is there as sent
    [entry] = log
    assert (entry["method"], entry["path"], entry["json"]) == ("POST", f"{API}/conversations/conv-501/contact", body)
    assert entry["key"] == "POST /conversations/{conversation_id}/contact"


def test_request_log_can_be_cleared(social: str, inbox: requests.Session) -> None:
    # given one recorded call
    inbox.get(f"{social}{API}/conversations/conv-501", timeout=5)
    # when the log is cleared
    requests.delete(f"{social}/_admin/requests", timeout=5).raise_for_status()
    # then it is empty
    assert requests.get(f"{social}/_admin/requests", timeout=5).json() == []


def test_reset_forgets_seeded_conversations(social: str, inbox: requests.Session) -> None:
    # given conv-501 seeded
    # when the emulator is reset
    requests.post(f"{social}/_admin/reset", timeout=5).raise_for_status()
    # then it is gone
    assert inbox.get(f"{social}{API}/conversations/conv-501", timeout=5).status_code == 404


def test_seed_without_channel_is_refused(social: str) -> None:
    # given a conversation without a channel
    body = {"conversations": [{"id": "conv-9", "user": {"id": "u-9"}}]}
    # when it is seeded
    response = requests.post(f"{social}/_admin/seed", json=body, timeout=5)
    # then it is a bad request
    assert response.status_code == 400


def test_counters_count_calls_and_reset(social: str, inbox: requests.Session) -> None:
    # given two reads
    inbox.get(f"{social}{API}/conversations/conv-501", timeout=5)
    inbox.get(f"{social}{API}/conversations/conv-502", timeout=5)
    assert requests.get(f"{social}/_admin/counters", timeout=5).json() == {
        "total": 2,
        "by_path": {"GET /conversations/{conversation_id}": 2},
    }
    # when the counters are reset
    requests.post(f"{social}/_admin/counters/reset", timeout=5).raise_for_status()
    # then they are empty
    assert requests.get(f"{social}/_admin/counters", timeout=5).json() == {"total": 0, "by_path": {}}


def test_fault_fails_calls_in_the_inbox_shape(social: str, inbox: requests.Session) -> None:
    # given a standing 502 fault
    requests.post(f"{social}/_admin/faults", json={"status": 502}, timeout=5).raise_for_status()
    # when a conversation is closed
    response = inbox.post(f"{social}{API}/conversations/conv-501/close", timeout=5)
    # then it fails and the conversation stays open
    assert (response.status_code, response.json()["error"]["code"]) == (502, "bad_gateway")
    requests.delete(f"{social}/_admin/faults", timeout=5).raise_for_status()
    assert inbox.get(f"{social}{API}/conversations/conv-501", timeout=5).json()["conversation"]["status"] == "open"
