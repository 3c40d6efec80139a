"""Real-org fidelity, through the local stack: the login host and the daily API allocation.

- Client credentials are refused on login.salesforce.com / test.salesforce.com
  (https://help.salesforce.com/s/articleView?id=000886201&type=1): the emulator answers as a real org
  does, and the connector refuses such a setting at cold start, saying what to set.
- The org's API allocation is a rolling 24 hours; once used, every call is refused until the window
  frees (https://help.salesforce.com/s/articleView?id=xcloud.setup_system_overview_api.htm&type=5).
  Past `salesforce.defer_at_api_usage` the connector keeps sync events waiting in the queue, none dead.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from salesforce_org import SalesforceOrg, wait_for
from test_pipeline import dead_lettered_event_ids, fresh_registration, sync_state

pytestmark = pytest.mark.e2e

ALLOCATION = 1000
DEFER_SECONDS = 2  # limits_stack's salesforce.defer_seconds
CLIENT_CREDENTIALS = {"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"}


# -- login host -----------------------------------------------------------------------------------------


def test_the_emulator_refuses_client_credentials_called_as_login_salesforce_com(stack: Any) -> None:
    # given the local stack's Salesforce, called as the generic login host
    token_url = f"{stack.salesforce}/services/oauth2/token"

    # when a client-credentials token is requested there
    refused = requests.post(token_url, data=CLIENT_CREDENTIALS, headers={"Host": "login.salesforce.com"}, timeout=10)
    # and on its own (My Domain) host
    accepted = requests.post(token_url, data=CLIENT_CREDENTIALS, timeout=10)

    # then the generic host answers as a real org, the My Domain issues the token
    assert refused.status_code == 400
    assert refused.json() == {"error": "invalid_grant", "error_description": "request not supported on this domain"}
    assert accepted.status_code == 200


def test_client_credentials_on_login_salesforce_com_are_refused_at_cold_start_with_the_advice(
    generic_host_stack: Any,
) -> None:
    # given the generic login host as the client-credentials token host
    body = fresh_registration()

    # when an event arrives
    resp = generic_host_stack.send(body)

    # then the configuration cannot load: 503 with Retry-After, and the function log says what to set
    assert resp.status_code == 503, resp.text
    assert "Retry-After" in resp.headers
    log = Path(generic_host_stack.function("RegistrationFunction")["log"])
    text = wait_for(lambda: (t := log.read_text(errors="replace")) and "SALESFORCE_MY_DOMAIN_URL" in t and t)
    assert "https://<MyDomainName>.my.salesforce.com" in text
    assert "SALESFORCE_AUTH_FLOW=jwt_bearer" in text
    assert "local-secret" not in text


# -- the daily API allocation ---------------------------------------------------------------------------


@pytest.fixture
def limited_org(limits_stack: Any) -> Iterator[SalesforceOrg]:
    org = SalesforceOrg(limits_stack.salesforce)
    org.clear_faults()
    yield org
    org.set_api_usage(allocation=100_000, used=0)  # the emulator's default: an Enterprise org's base
    org.clear_faults()


def contact_count(org: SalesforceOrg, customer_no: str) -> int:
    return len(org.contacts_with_customer_no(customer_no))


def test_past_80_percent_of_the_allocation_events_wait_queued_none_dead_then_sync_when_the_window_frees(
    limits_stack: Any, limited_org: SalesforceOrg
) -> None:
    # given an org at 85% of its daily allocation, which the connector has seen on an answer
    limited_org.set_api_usage(allocation=ALLOCATION, used=850)
    seen = limits_stack.send(fresh_registration())
    assert seen.status_code == 200, seen.text

    # when more events arrive
    bodies = [fresh_registration() for _ in range(4)]
    answers = [limits_stack.send(body) for body in bodies]

    # then each is accepted for later (202), waits QUEUED as deferred, writes nothing, and none dies
    assert [a.status_code for a in answers] == [202] * 4
    customer_nos = [b["data"]["customer"]["customer_no"] for b in bodies]
    time.sleep(3 * DEFER_SECONDS)  # several deferral rounds
    for customer_no in customer_nos:
        state = sync_state(limits_stack, customer_no)
        assert state is not None
        assert (state["status"], state["attempts"]) == ("QUEUED", 0)
        assert state["last_error"].startswith("deferred: API usage")
        assert contact_count(limited_org, customer_no) == 0
    assert not {b["event_id"] for b in bodies} & dead_lettered_event_ids(limits_stack, "RegistrationFunction")

    # when the window frees
    limited_org.set_api_usage(used=100)

    # then every one of them syncs, once
    for customer_no in customer_nos:
        wait_for(lambda c=customer_no: (s := sync_state(limits_stack, c)) and s["status"] == "SYNCED", timeout=60)
        assert contact_count(limited_org, customer_no) == 1


def test_request_limit_exceeded_defers_the_event_instead_of_retrying_it(
    limits_stack: Any, limited_org: SalesforceOrg
) -> None:
    # given an org whose allocation is used up, while the connector last saw plenty left
    limited_org.set_api_usage(allocation=ALLOCATION, used=100)
    assert limits_stack.send(fresh_registration()).status_code == 200
    limited_org.set_api_usage(used=ALLOCATION)
    body = fresh_registration()
    customer_no = body["data"]["customer"]["customer_no"]

    # when an event meets REQUEST_LIMIT_EXCEEDED
    resp = limits_stack.send(body)

    # then it waits deferred, no attempt used (a retry with backoff would have spent several by now)
    assert resp.status_code == 202
    time.sleep(3 * DEFER_SECONDS)
    state: dict[str, Any] | None = sync_state(limits_stack, customer_no)
    assert state is not None
    assert (state["status"], state["attempts"]) == ("QUEUED", 0)
    assert state["last_error"].startswith("deferred: ")

    # and syncs once the window frees
    limited_org.set_api_usage(used=0)
    wait_for(lambda: (s := sync_state(limits_stack, customer_no)) and s["status"] == "SYNCED", timeout=60)
    assert contact_count(limited_org, customer_no) == 1
