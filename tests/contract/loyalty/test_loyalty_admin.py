"""Admin API of the loyalty emulator: seed, reset, counters, faults, request log."""

import requests

USER = "/external/users/ACC_EXT_1"


def test_reset_forgets_seeded_users(api: str, loyalty: str, session: requests.Session) -> None:
    # given Ash seeded
    # when the emulator is reset
    requests.post(f"{loyalty}/_admin/reset", timeout=5).raise_for_status()
    # then he is gone
    assert session.get(f"{api}{USER}", timeout=5).status_code == 404


def test_seed_with_unknown_offer_for_user_offer_is_refused(loyalty: str) -> None:
    # given a user offer naming an offer that was not seeded
    body = {
        "users": [{"id": "u", "email": "u@example.com"}],
        "user_offers": [{"id": "x", "user_id": "u", "offer_id": "?"}],
    }
    # when it is seeded
    response = requests.post(f"{loyalty}/_admin/seed", json=body, timeout=5)
    # then the seed fails in SessionM's error shape
    assert response.status_code == 404
    assert response.json()["errors"]["code"] == "OFFER_NOT_FOUND"


def test_counters_key_routes_without_the_app_prefix(api: str, loyalty: str, session: requests.Session) -> None:
    # given a user read by external id twice and redeemed once
    session.get(f"{api}{USER}", timeout=5)
    session.get(f"{api}{USER}", timeout=5)
    session.post(f"{api}{USER}/offers/uo-1002/redeem", timeout=5)
    # when the counters are read
    counters = requests.get(f"{loyalty}/_admin/counters", timeout=5).json()
    # then each route is counted under its template
    assert counters == {
        "total": 3,
        "by_path": {
            "GET /external/users/{external_id}": 2,
            "POST /external/users/{external_id}/offers/{user_offer_id}/redeem": 1,
        },
    }


def test_fault_fails_matching_calls_in_sessionm_shape(api: str, loyalty: str, session: requests.Session) -> None:
    # given one injected 503 on redeem calls
    requests.post(f"{loyalty}/_admin/faults", json={"status": 503, "count": 1, "match": "/redeem"}, timeout=5)
    # when an offer is redeemed twice
    first = session.post(f"{api}{USER}/offers/uo-1002/redeem", timeout=5)
    second = session.post(f"{api}{USER}/offers/uo-1002/redeem", timeout=5)
    # then the first fails transiently and changes nothing, the second redeems
    assert (first.status_code, first.json()["errors"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert second.json()["user_offer"]["status"] == "redeemed"


def test_request_log_shows_what_was_sent(api: str, loyalty: str, session: requests.Session) -> None:
    # given a note sent for Ash
    session.post(f"{api}{USER}/notes", json={"reason": "Other", "text": "called"}, timeout=5)
    # when the request log is read
    [entry] = requests.get(f"{loyalty}/_admin/requests", timeout=5).json()
    # then the body is recorded
    assert (entry["method"], entry["json"]) == ("POST", {"reason": "Other", "text": "called"})
    assert entry["path"].endswith("/external/users/ACC_EXT_1/notes")
