"""Offers and user offers of the loyalty emulator, with their state rules."""

import requests

USER = "/external/users/ACC_EXT_1"


def test_available_offers_list_only_active_offers(api: str, session: requests.Session) -> None:
    # given an active offer, an inactive one and a reward
    # when the catalog is listed
    offers = session.get(f"{api}/offers", timeout=5).json()["offers"]
    # then the inactive offer is left out
    assert {o["id"] for o in offers} == {"offer-5-off-check", "reward-travel-mug"}


def test_issue_puts_offer_in_wallet(api: str, session: requests.Session) -> None:
    # given an active offer
    # when it is issued to Ash
    response = session.post(f"{api}{USER}/offers", json={"offer_id": "offer-5-off-check"}, timeout=5)
    # then an issued user offer with a redemption window comes back
    user_offer = response.json()["user_offer"]
    assert (user_offer["status"], user_offer["offer_id"], user_offer["name"]) == (
        "issued",
        "offer-5-off-check",
        "$5 off Check",
    )
    assert user_offer["redemption_start"] < user_offer["redemption_end"]


def test_issue_unknown_offer_is_not_found(api: str, session: requests.Session) -> None:
    # given no such offer
    # when it is issued
    response = session.post(f"{api}{USER}/offers", json={"offer_id": "nope"}, timeout=5)
    # then it is not found
    assert response.status_code == 404
    assert response.json()["errors"]["code"] == "OFFER_NOT_FOUND"


def test_issue_inactive_offer_conflicts(api: str, session: requests.Session) -> None:
    # given an inactive offer
    # when it is issued
    response = session.post(f"{api}{USER}/offers", json={"offer_id": "offer-retired"}, timeout=5)
    # then it is not available
    assert response.status_code == 409
    assert response.json()["errors"]["code"] == "OFFER_NOT_AVAILABLE"


def test_redeem_issued_offer(api: str, session: requests.Session) -> None:
    # given uo-1002 issued
    # when it is redeemed
    response = session.post(f"{api}{USER}/offers/uo-1002/redeem", timeout=5)
    # then it is redeemed
    assert response.json()["user_offer"]["status"] == "redeemed"
    assert response.json()["user_offer"]["redeemed_at"]


def test_revoked_offer_cannot_be_redeemed(api: str, session: requests.Session) -> None:
    # given uo-1001 revoked
    assert session.post(f"{api}{USER}/offers/uo-1001/revoke", timeout=5).json()["user_offer"]["status"] == "revoked"
    # when it is redeemed
    response = session.post(f"{api}{USER}/offers/uo-1001/redeem", timeout=5)
    # then the state rule refuses it
    assert response.status_code == 409
    assert response.json() == {
        "status": "error",
        "errors": {"code": "OFFER_REVOKED", "message": "Cannot redeem a user offer that is revoked."},
    }


def test_unredeem_returns_offer_to_issued(api: str, session: requests.Session) -> None:
    # given uo-1002 redeemed
    session.post(f"{api}{USER}/offers/uo-1002/redeem", timeout=5)
    # when it is unredeemed
    response = session.post(f"{api}{USER}/offers/uo-1002/unredeem", timeout=5)
    # then it is issued again
    assert response.json()["user_offer"]["status"] == "issued"


def test_unredeem_of_issued_offer_conflicts(api: str, session: requests.Session) -> None:
    # given uo-1002 only issued
    # when it is unredeemed
    response = session.post(f"{api}{USER}/offers/uo-1002/unredeem", timeout=5)
    # then it conflicts
    assert response.status_code == 409
    assert response.json()["errors"]["code"] == "OFFER_NOT_REDEEMED"


def test_redeemed_offer_cannot_be_revoked(api: str, session: requests.Session) -> None:
    # given uo-1002 redeemed
    session.post(f"{api}{USER}/offers/uo-1002/redeem", timeout=5)
    # when it is revoked
    response = session.post(f"{api}{USER}/offers/uo-1002/revoke", timeout=5)
    # then it conflicts
    assert response.status_code == 409
    assert response.json()["errors"]["code"] == "OFFER_REDEEMED"


def test_extend_changes_redemption_dates(api: str, session: requests.Session) -> None:
    # given uo-1003 issued
    body = {"redemption_start": "2026-11-23T06:24:00Z", "redemption_end": "2099-12-23T06:24:00Z"}
    # when its dates are changed
    response = session.post(f"{api}{USER}/offers/uo-1003/extend", json=body, timeout=5)
    # then the new window is stored
    user_offer = response.json()["user_offer"]
    assert (user_offer["redemption_start"], user_offer["redemption_end"]) == (
        "2026-11-23T06:24:00.000Z",
        "2099-12-23T06:24:00.000Z",
    )


def test_extend_with_end_before_start_is_a_validation_error(api: str, session: requests.Session) -> None:
    # given an end before the start
    body = {"redemption_start": "2099-12-23T00:00:00Z", "redemption_end": "2099-01-01T00:00:00Z"}
    # when the dates are changed
    response = session.post(f"{api}{USER}/offers/uo-1003/extend", json=body, timeout=5)
    # then it is refused
    assert response.status_code == 400
    assert response.json()["errors"]["code"] == "VALIDATION"


def test_extend_brings_expired_offer_back(api: str, session: requests.Session) -> None:
    # given uo-0999 expired
    # when its end date is pushed into the future
    response = session.post(
        f"{api}{USER}/offers/uo-0999/extend", json={"redemption_end": "2099-01-01T00:00:00Z"}, timeout=5
    )
    # then it is issued again
    assert response.json()["user_offer"]["status"] == "issued"


def test_expired_offer_cannot_be_redeemed(api: str, session: requests.Session) -> None:
    # given uo-0999 expired
    # when it is redeemed
    response = session.post(f"{api}{USER}/offers/uo-0999/redeem", timeout=5)
    # then it conflicts
    assert response.status_code == 409
    assert response.json()["errors"]["code"] == "OFFER_EXPIRED"


def test_reissue_expired_offer_issues_a_new_one(api: str, session: requests.Session) -> None:
    # given uo-0999 expired
    # when it is reissued
    response = session.post(f"{api}{USER}/offers/uo-0999/reissue", timeout=5)
    # then a new issued user offer points back at it
    user_offer = response.json()["user_offer"]
    assert (user_offer["status"], user_offer["reissued_from"]) == ("issued", "uo-0999")
    assert user_offer["id"] != "uo-0999"


def test_reissue_of_issued_offer_conflicts(api: str, session: requests.Session) -> None:
    # given uo-1003 still issued
    # when it is reissued
    response = session.post(f"{api}{USER}/offers/uo-1003/reissue", timeout=5)
    # then it conflicts
    assert response.status_code == 409
    assert response.json()["errors"]["code"] == "OFFER_NOT_EXPIRED"


def test_user_offer_of_another_user_is_not_found(api: str, session: requests.Session) -> None:
    # given uo-2001 belongs to ACC_EXT_2
    # when it is redeemed through ACC_EXT_1
    response = session.post(f"{api}{USER}/offers/uo-2001/redeem", timeout=5)
    # then it is not found
    assert response.status_code == 404
    assert response.json()["errors"]["code"] == "USER_OFFER_NOT_FOUND"


def test_user_offers_filter_by_status(api: str, session: requests.Session) -> None:
    # given Ash with three issued offers and one expired
    # when his expired offers are listed
    response = session.get(f"{api}{USER}/offers", params={"status": "expired"}, timeout=5)
    # then only the expired one comes back
    assert [o["id"] for o in response.json()["user_offers"]] == ["uo-0999"]
