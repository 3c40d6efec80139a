"""Points, reward store, notes and activity of the loyalty emulator."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

USER = "/external/users/ACC_EXT_1"


def test_points_balance_lists_point_accounts(api: str, session: requests.Session) -> None:
    # given Ash with 40 points in Point Account
    # when his balance is read
    body = session.get(f"{api}{USER}/points", timeout=5).json()
    # then the account shows its available balance and lifetime value
    assert body["point_accounts"] == [{"name": "Point Account", "available_balance": 40, "life_time_value": 40}]
    assert body["available_points"] == 40


def test_award_points_adds_to_balance(api: str, session: requests.Session) -> None:
    # given Ash with 40 points
    body = {"points": 250, "point_account": "Point Account", "point_source": "Customer Service", "reason": "Late"}
    # when 250 points are awarded
    response = session.post(f"{api}{USER}/points", json=body, timeout=5).json()
    # then balance and lifetime value grow
    assert response["available_points"] == 290
    assert response["transaction"]["points"] == 250


def test_deduct_more_than_balance_conflicts(api: str, session: requests.Session) -> None:
    # given Ash with 40 points
    # when 100 are deducted
    response = session.post(f"{api}{USER}/points", json={"points": -100}, timeout=5)
    # then it conflicts
    assert response.status_code == 409
    assert response.json()["errors"]["code"] == "INSUFFICIENT_POINTS"


def test_zero_points_is_a_validation_error(api: str, session: requests.Session) -> None:
    # given an award of zero points
    # when it is posted
    response = session.post(f"{api}{USER}/points", json={"points": 0}, timeout=5)
    # then it is refused
    assert response.status_code == 400


@pytest.mark.parametrize("page", ["\u00b2", "9" * 5000])
def test_activity_with_a_page_int_cannot_read_is_an_argument_error(
    api: str, session: requests.Session, page: str
) -> None:
    # given a superscript two (str.isdigit() says yes, int() says no), and 5,000 digits (past int()'s limit)
    # when the activity is read
    response = session.get(f"{api}{USER}/activity", params={"page": page}, timeout=5)
    # then it is refused as the platform refuses bad arguments, not a 500
    assert response.status_code == 400
    assert response.json()["errors"]["code"] == "ARGUMENT_ERROR"


def test_purchase_reward_spends_points_and_issues_offer(api: str, session: requests.Session) -> None:
    # given Ash with 290 points after an award, and a 100-point mug
    session.post(f"{api}{USER}/points", json={"points": 250}, timeout=5)
    # when he buys two mugs
    response = session.post(f"{api}{USER}/orders", json={"offer_id": "reward-travel-mug", "quantity": 2}, timeout=5)
    # then 200 points are spent and two user offers issued
    order = response.json()["order"]
    assert (order["points_spent"], order["quantity"], len(order["user_offer_ids"])) == (200, 2, 2)
    assert session.get(f"{api}{USER}/points", timeout=5).json()["available_points"] == 90


def test_purchase_without_enough_points_conflicts(api: str, session: requests.Session) -> None:
    # given Ash with 40 points and a 100-point mug
    # when he buys it
    response = session.post(f"{api}{USER}/orders", json={"offer_id": "reward-travel-mug"}, timeout=5)
    # then it conflicts
    assert response.status_code == 409
    assert response.json()["errors"]["code"] == "INSUFFICIENT_POINTS"


def test_purchase_of_non_reward_is_not_found(api: str, session: requests.Session) -> None:
    # given an offer with no points cost
    # when it is bought
    response = session.post(f"{api}{USER}/orders", json={"offer_id": "offer-5-off-check"}, timeout=5)
    # then no such reward exists
    assert response.status_code == 404
    assert response.json()["errors"]["code"] == "REWARD_NOT_FOUND"


def test_reward_store_lists_offers_with_a_points_cost(api: str, session: requests.Session) -> None:
    # given one reward in the catalog
    # when the reward store is listed
    rewards = session.get(f"{api}/rewards", timeout=5).json()["rewards"]
    # then only it is there
    assert [(r["id"], r["points_cost"]) for r in rewards] == [("reward-travel-mug", 100)]


def test_add_note_records_reason_and_text(api: str, session: requests.Session) -> None:
    # given a note for Ash
    body = {"reason": "Duplicate User", "text": "We have this user already, please merge"}
    # when it is added
    session.post(f"{api}{USER}/notes", json=body, timeout=5)
    # then it is listed, made by the integration user
    [note] = session.get(f"{api}{USER}/notes", timeout=5).json()["notes"]
    assert (note["reason"], note["text"]) == ("Duplicate User", "We have this user already, please merge")
    assert note["created_by"] == "SFSC Integration User"


def test_note_without_text_is_missing_data(api: str, session: requests.Session) -> None:
    # given a note without text
    # when it is added
    response = session.post(f"{api}{USER}/notes", json={"reason": "Other"}, timeout=5)
    # then it is refused
    assert response.status_code == 400
    assert response.json()["errors"]["code"] == "MISSING_DATA"


def test_activity_lists_newest_first_and_pages(api: str, session: requests.Session) -> None:
    # given Ash created, then awarded points, then given a note
    session.post(f"{api}{USER}/points", json={"points": 5}, timeout=5)
    session.post(f"{api}{USER}/notes", json={"text": "hello"}, timeout=5)
    # when the first page of two entries is read
    body = session.get(f"{api}{USER}/activity", params={"page": 1, "per_page": 2}, timeout=5).json()
    # then the newest two come first, and the total counts all three
    assert [a["type"] for a in body["activities"]] == ["NOTE_ADDED", "INCENTIVES_POINT_DEPOSIT"]
    assert (body["page"], body["per_page"], body["total"]) == (1, 2, 3)


def test_activity_with_bad_page_is_an_argument_error(api: str, session: requests.Session) -> None:
    # given page 0
    # when the activity is read
    response = session.get(f"{api}{USER}/activity", params={"page": 0}, timeout=5)
    # then it is refused
    assert response.status_code == 400


def test_concurrent_awards_all_count(api: str) -> None:
    # given Ash with 40 points and 20 clients awarding 5 points at once
    def award(_: int) -> int:
        auth = ("local-loyalty-key", "local-loyalty-secret")
        return requests.post(f"{api}{USER}/points", json={"points": 5}, auth=auth, timeout=5).status_code

    # when they all run
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(award, range(20)))
    # then every award landed
    assert statuses == [200] * 20
    balance = requests.get(f"{api}{USER}/points", auth=("local-loyalty-key", "local-loyalty-secret"), timeout=5)
    assert balance.json()["available_points"] == 140


def test_a_reward_out_of_stock_is_refused_and_spends_nothing(loyalty: str, session: requests.Session) -> None:
    # given a reward with one left and a customer with enough points for two
    seed = {
        "offers": [{"id": "reward-cap", "name": "Cap", "points_cost": 10, "stock": 1}],
        "users": [{"id": "u-cap", "email": "cap@example.com", "point_accounts": {"Point Account": 50}}],
    }
    requests.post(f"{loyalty}/_admin/seed", json=seed, timeout=5).raise_for_status()
    api = f"{loyalty}/priv/v1/apps/local-loyalty-key/users/u-cap"
    session.post(f"{api}/orders", json={"offer_id": "reward-cap"}, timeout=5).raise_for_status()
    # when a second one is bought
    response = session.post(f"{api}/orders", json={"offer_id": "reward-cap"}, timeout=5)
    # then the store is out of it, and only the first was paid for
    assert response.status_code == 409
    assert response.json()["errors"]["code"] == "OUT_OF_STOCK"
    assert session.get(f"{api}/points", timeout=5).json()["available_points"] == 40


def test_a_negative_stock_is_refused_at_seed(loyalty: str) -> None:
    # given a reward seeded with a negative stock
    seed = {"offers": [{"id": "reward-cap", "name": "Cap", "points_cost": 10, "stock": -1}]}
    # when it is seeded
    response = requests.post(f"{loyalty}/_admin/seed", json=seed, timeout=5)
    # then the seed is refused
    assert response.status_code == 400
