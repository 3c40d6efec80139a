"""The org's daily API allocation: the Sforce-Limit-Info header on every REST answer, and
403 REQUEST_LIMIT_EXCEEDED once usage over the rolling 24 hours reaches the allocation.

Real behaviour: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm
(the header on each REST answer) and
https://help.salesforce.com/s/articleView?id=xcloud.setup_system_overview_api.htm&type=5 (calls are
blocked until usage for the preceding 24 hours drops below the limit).
"""

from __future__ import annotations

import pytest
from sf_client import Api


def test_an_org_starts_with_the_enterprise_base_allocation(sf: Api) -> None:
    # given a reset org
    # when its limits are read
    limits = sf.admin("GET", "/limits").json()
    # then 100,000 calls a day, none used
    assert limits == {"allocation": 100_000, "used": 0, "window_seconds": 86_400}


def test_an_error_answer_carries_the_limit_info_header_too(sf: Api) -> None:
    # given a usage of 41 calls
    sf.admin("POST", "/limits", {"used": 41})
    # when a call fails (no such record)
    response = sf.get("/sobjects/Contact/003000000000000AAA")
    # then it counted, and says so
    assert response.status_code == 404
    assert response.headers["Sforce-Limit-Info"] == "api-usage=42/100000"


def test_a_call_past_the_allocation_is_refused_with_request_limit_exceeded(sf: Api) -> None:
    # given an org that has used its whole allocation
    sf.admin("POST", "/limits", {"allocation": 1000, "used": 1000})
    # when a call is made
    response = sf.get("/limits")
    # then Salesforce's refusal, with the usage, and nothing counted
    assert response.status_code == 403
    assert response.json() == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    assert response.headers["Sforce-Limit-Info"] == "api-usage=1000/1000"
    assert sf.admin("GET", "/limits").json()["used"] == 1000


def test_a_refused_org_answers_again_once_usage_drops_below_the_allocation(sf: Api) -> None:
    # given an org at its allocation
    sf.admin("POST", "/limits", {"allocation": 1000, "used": 1000})
    # when the window frees (usage lowered, as calls leave the 24 hours)
    sf.admin("POST", "/limits", {"used": 500})
    # then calls are served again and the limits resource agrees with the header
    response = sf.get("/limits")
    assert response.status_code == 200
    assert response.headers["Sforce-Limit-Info"] == "api-usage=501/1000"
    assert response.json()["DailyApiRequests"] == {"Max": 1000, "Remaining": 499}


def test_a_reset_restores_the_default_allocation(sf: Api) -> None:
    # given a small allocation, fully used
    sf.admin("POST", "/limits", {"allocation": 10, "used": 10})
    # when the org is reset
    sf.admin("POST", "/reset")
    # then the default allocation, none used
    assert sf.admin("GET", "/limits").json()["allocation"] == 100_000
    assert sf.get("/limits").status_code == 200


@pytest.mark.parametrize(
    "body",
    [{}, {"allocation": 0}, {"used": -1}, {"used": "5"}, {"allocation": True}, {"limit": 5}, [1]],
)
def test_a_malformed_limits_setting_is_a_400_and_changes_nothing(sf: Api, body: object) -> None:
    # given the default limits
    # when a malformed setting is posted
    response = sf.admin("POST", "/limits", body)
    # then 400, and the limits are unchanged
    assert response.status_code == 400
    assert sf.admin("GET", "/limits").json() == {"allocation": 100_000, "used": 0, "window_seconds": 86_400}


def test_calls_older_than_24_hours_leave_the_rolling_window() -> None:
    from emulators.salesforce.limits import ApiAllocation

    # given an allocation of 2, both calls spent a day ago
    allocation = ApiAllocation(2)
    day_ago = 1_000_000.0
    assert allocation.spend(day_ago)[0] and allocation.spend(day_ago + 1)[0]
    assert allocation.spend(day_ago + 2) == (False, 2, 2)
    # when 24 hours (and a minute) have passed
    later = day_ago + 86_400 + 60
    # then the window is free again
    assert allocation.spend(later) == (True, 1, 2)
