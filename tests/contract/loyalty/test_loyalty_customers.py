"""Customer profile endpoints and auth of the loyalty emulator."""

import requests

USER = "/users/sm-user-1"
EXTERNAL = "/external/users/ACC_EXT_1"


def test_user_is_read_by_user_id(api: str, session: requests.Session) -> None:
    # given Ash seeded with 40 points
    # when he is read by SessionM user id
    response = session.get(f"{api}{USER}", timeout=5)
    # then the profile comes back in an ok envelope
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    user = body["user"]
    assert (user["id"], user["external_id"], user["email"]) == ("sm-user-1", "ACC_EXT_1", "ash.sm@example.com")
    assert (user["first_name"], user["last_name"], user["dob"]) == ("Ash", "Smith", "2001-08-29")
    assert user["available_points"] == 40
    assert user["opted_in"] is True


def test_user_is_read_by_external_id(api: str, session: requests.Session) -> None:
    # given Ash's external id
    # when he is read through the external route
    response = session.get(f"{api}{EXTERNAL}", timeout=5)
    # then the same user comes back
    assert response.json()["user"]["id"] == "sm-user-1"


def test_unknown_user_is_user_not_found(api: str, session: requests.Session) -> None:
    # given no such external id
    # when it is read
    response = session.get(f"{api}/external/users/NOPE", timeout=5)
    # then SessionM's error shape says USER_NOT_FOUND
    assert response.status_code == 404
    assert response.json()["status"] == "error"
    assert response.json()["errors"]["code"] == "USER_NOT_FOUND"


def test_missing_credentials_are_refused(api: str) -> None:
    # given no Basic auth
    # when a user is read
    response = requests.get(f"{api}{USER}", timeout=5)
    # then access is denied
    assert response.status_code == 401
    assert response.json()["errors"]["code"] == "ACCESS_DENIED"


def test_wrong_api_key_in_path_is_refused(loyalty: str, session: requests.Session) -> None:
    # given valid credentials but another app's key in the path
    # when a user is read
    response = session.get(f"{loyalty}/priv/v1/apps/other-key{USER}", timeout=5)
    # then the key is invalid
    assert response.status_code == 401
    assert response.json()["errors"]["code"] == "INVALID_API_KEY"


def test_search_by_email_is_case_insensitive(api: str, session: requests.Session) -> None:
    # given Ash's email stored in lower case
    # when users are searched with a mixed-case email
    response = session.get(f"{api}/users/search", params={"email": "Ash.SM@Example.com"}, timeout=5)
    # then he is found
    assert [u["id"] for u in response.json()["users"]] == ["sm-user-1"]


def test_search_without_match_returns_empty_list(api: str, session: requests.Session) -> None:
    # given no user with that email
    # when users are searched
    response = session.get(f"{api}/users/search", params={"email": "nobody@example.com"}, timeout=5)
    # then the list is empty
    assert (response.status_code, response.json()["users"]) == (200, [])


def test_search_without_criteria_is_missing_data(api: str, session: requests.Session) -> None:
    # given no email nor external id
    # when users are searched
    response = session.get(f"{api}/users/search", timeout=5)
    # then it is a bad request
    assert response.status_code == 400
    assert response.json()["errors"]["code"] == "MISSING_DATA"


def test_enrol_creates_a_user(api: str, session: requests.Session) -> None:
    # given a new customer with an email and a Salesforce id as external id
    body = {"user": {"email": "new@example.com", "external_id": "001J000002XWxUmIAL", "first_name": "New"}}
    # when the user is created
    created = session.post(f"{api}/users", json=body, timeout=5).json()["user"]
    # then it can be read back by external id, enrolled, with no points
    read = session.get(f"{api}/external/users/001J000002XWxUmIAL", timeout=5).json()["user"]
    assert read["id"] == created["id"]
    assert (read["enrolled"], read["available_points"]) == (True, 0)


def test_enrol_without_email_is_missing_data(api: str, session: requests.Session) -> None:
    # given a user body without email
    # when it is created
    response = session.post(f"{api}/users", json={"user": {"first_name": "X"}}, timeout=5)
    # then it is refused
    assert response.status_code == 400
    assert response.json()["errors"]["code"] == "MISSING_DATA"


def test_enrol_with_taken_external_id_conflicts(api: str, session: requests.Session) -> None:
    # given ACC_EXT_1 already in use
    body = {"user": {"email": "other@example.com", "external_id": "ACC_EXT_1"}}
    # when another user claims it
    response = session.post(f"{api}/users", json=body, timeout=5)
    # then it conflicts
    assert response.status_code == 409
    assert response.json()["errors"]["code"] == "EXTERNAL_ID_TAKEN"


def test_update_changes_only_given_fields(api: str, session: requests.Session) -> None:
    # given Ash
    # when his last name is updated by external id
    response = session.put(f"{api}{EXTERNAL}", json={"user": {"last_name": "Smith-Jones"}}, timeout=5)
    # then the new value is stored and the rest kept
    user = response.json()["user"]
    assert (user["last_name"], user["first_name"]) == ("Smith-Jones", "Ash")


def test_update_with_unknown_field_is_refused(api: str, session: requests.Session) -> None:
    # given a field the profile does not have
    # when it is sent
    response = session.put(f"{api}{USER}", json={"user": {"shoe_size": "44"}}, timeout=5)
    # then it is a validation error
    assert response.status_code == 400
    assert response.json()["errors"]["code"] == "VALIDATION"


def test_update_with_malformed_json_is_an_argument_error(api: str, session: requests.Session) -> None:
    # given a body that is not JSON
    # when it is sent
    response = session.put(f"{api}{USER}", data="{", headers={"Content-Type": "application/json"}, timeout=5)
    # then it is refused
    assert response.status_code == 400
    assert response.json()["errors"]["code"] == "ARGUMENT_ERROR"


def test_merge_moves_points_and_offers_to_survivor(api: str, session: requests.Session) -> None:
    # given ACC_EXT_2 with 10 points and a redeemed offer
    # when it is merged into ACC_EXT_1
    response = session.post(f"{api}{EXTERNAL}/merge", json={"victim_external_id": "ACC_EXT_2"}, timeout=5)
    # then the survivor has both balances and the victim's offer, and the victim is gone
    assert response.json()["user"]["available_points"] == 50
    redeemed = session.get(f"{api}{USER}/offers", params={"status": "redeemed"}, timeout=5).json()["user_offers"]
    assert [o["id"] for o in redeemed] == ["uo-2001"]
    assert session.get(f"{api}/external/users/ACC_EXT_2", timeout=5).status_code == 404


def test_merge_without_victim_is_missing_data(api: str, session: requests.Session) -> None:
    # given no victim
    # when a merge is asked for
    response = session.post(f"{api}{USER}/merge", json={}, timeout=5)
    # then it is refused
    assert response.status_code == 400
