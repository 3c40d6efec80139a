"""Loyalty from Service Cloud, end to end through the local stack over HTTP: an agent's offer,
reward, points and note actions applied on the loyalty emulator while the agent waits, their audit
Tasks arriving in the Salesforce emulator from the queue, and the activity timeline. A lean,
representative set: the whole offer state matrix runs in process (tests/integration/triggers/
test_loyalty_offer_matrix.py)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from conftest import LocalStack
from salesforce_org import SalesforceOrg, wait_for

from connector.salesforce.soql import soql_quote

pytestmark = pytest.mark.e2e

ACTIONS = "/v1/loyalty/actions"
AUTH = ("local-loyalty-key", "local-loyalty-secret")
AGENT = {"id": "agent-7", "name": "Alex Kim", "email": "alex.kim@brand.example"}


class Customer:
    """A loyalty customer of this test alone (own external id, user offers), with their Contact."""

    def __init__(self, stack: LocalStack, points: int) -> None:
        assert stack.loyalty and stack.salesforce
        self.stack = stack
        self.tag = uuid.uuid4().hex[:10]
        self.external_id = f"E2E_{self.tag}"
        self.user_id = f"user-{self.tag}"
        seed = {
            "users": [
                {
                    "id": self.user_id,
                    "external_id": self.external_id,
                    "email": f"{self.tag}@example.com",
                    "last_name": "E2E",
                    "point_accounts": {"Point Account": points},
                }
            ],
            "user_offers": [
                {"id": f"uo-{self.tag}-1", "user_id": self.user_id, "offer_id": "offer-5-off-check"},
                {"id": f"uo-{self.tag}-2", "user_id": self.user_id, "offer_id": "offer-free-shipping"},
            ],
        }
        requests.post(f"{stack.loyalty}/_admin/seed", json=seed, timeout=5).raise_for_status()
        self.org = SalesforceOrg(stack.salesforce)
        self.contact_id = self.org.create("Contact", {"LastName": "E2E", "Loyalty_External_Id__c": self.external_id})

    def act(self, event_type: str, event_id: str | None = None, **data: Any) -> requests.Response:
        body = {
            "event_id": event_id or f"evt-e2e-{uuid.uuid4().hex[:12]}",
            "event_type": event_type,
            "occurred_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "source": "loyalty",
            "data": {"customer": {"external_id": self.external_id}, "agent": AGENT, **data},
        }
        return self.stack.send(body, path=ACTIONS)

    def platform(self, path: str, **params: Any) -> Any:
        url = f"{self.stack.loyalty}/priv/v1/apps/{AUTH[0]}/users/{self.user_id}{path}"
        resp = requests.get(url, auth=AUTH, params=params or None, timeout=5)
        resp.raise_for_status()
        return resp.json()

    def balance(self) -> int:
        return int(self.platform("/points")["available_points"])

    def offer_state(self, number: int) -> str:
        return str(self.platform(f"/offers/uo-{self.tag}-{number}")["user_offer"]["status"])

    def tasks(self) -> list[dict[str, Any]]:
        return self.org.query(
            "SELECT Id, Subject, Status, Description, Loyalty_Event_Id__c FROM Task "
            f"WHERE WhoId = {soql_quote(self.contact_id)}"
        )


@pytest.fixture
def customer(stack: LocalStack) -> Iterator[Customer]:
    made = Customer(stack, points=1200)
    yield made
    made.org.clear_faults()
    requests.delete(f"{stack.loyalty}/_admin/faults", timeout=5).raise_for_status()


def test_redeem_of_an_issued_offer_redeems_it_and_a_second_redeem_is_409(customer: Customer) -> None:
    # when the agent redeems an issued offer, then again
    first = customer.act("offer.redeem", user_offer_id=f"uo-{customer.tag}-1")
    second = customer.act("offer.redeem", user_offer_id=f"uo-{customer.tag}-1")
    # then redeemed once; the second names the state and changes nothing
    assert first.status_code == 200, first.text
    assert first.json()["user_offer"]["status"] == "redeemed"
    assert second.status_code == 409, second.text
    assert second.json()["errors"][0]["msg"] == "the user offer is redeemed"
    assert customer.offer_state(1) == "redeemed"


def test_extend_with_the_end_before_the_start_is_422(customer: Customer) -> None:
    start = datetime.now(UTC) + timedelta(days=20)
    dates = {
        "redemption_start": f"{start:%Y-%m-%dT%H:%M:%SZ}",
        "redemption_end": f"{start - timedelta(days=5):%Y-%m-%dT%H:%M:%SZ}",
    }
    # when the agent extends an offer with them
    reply = customer.act("offer.extend", user_offer_id=f"uo-{customer.tag}-2", **dates)
    # then 422 naming the end
    assert reply.status_code == 422, reply.text
    assert reply.json()["errors"][0]["loc"] == ["data", "redemption_end"]


def test_a_reward_bought_lowers_the_balance_by_its_price_and_a_short_balance_is_409(customer: Customer) -> None:
    # when the agent buys a 500-point reward twice for a customer with 1200 points, then a third time
    bought = [customer.act("reward.purchase", offer_id="reward-travel-mug") for _ in range(2)]
    short = customer.act("reward.purchase", offer_id="reward-travel-mug")
    # then 200 points are left; the third is refused and spends nothing
    assert [r.status_code for r in bought] == [200, 200]
    assert short.status_code == 409, short.text
    assert customer.balance() == 200


def test_points_and_a_note_reach_the_platform_with_the_agent_and_each_leaves_an_audit_task(customer: Customer) -> None:
    # when the agent awards points and adds a note
    points = customer.act(
        "points.award", points=250, point_account="Point Account", point_source="Customer Service", reason="Goodwill"
    )
    note = customer.act("note.add", reason="Follow-up", text="Called back about the parcel")
    # then the balance and the note are on the platform, naming the agent
    assert points.status_code == 200, points.text
    assert note.status_code == 200, note.text
    assert customer.balance() == 1450
    [written] = customer.platform("/notes")["notes"]
    assert written["text"].endswith("[agent: Alex Kim (agent-7)]")
    # and each action's completed Task arrives on the Contact
    tasks = wait_for(lambda: len(found := customer.tasks()) == 2 and found)
    assert sorted(t["Subject"] for t in tasks) == ["Loyalty: note added", "Loyalty: points awarded"]
    assert all(t["Status"] == "Completed" and "Alex Kim" in t["Description"] for t in tasks)


def test_salesforce_down_the_action_answers_200_and_its_task_arrives_after(customer: Customer) -> None:
    # given Salesforce refusing every Task write
    customer.org.inject_fault(status=503, match="/sobjects/Task/")
    # when the agent redeems an offer
    reply = customer.act("offer.redeem", user_offer_id=f"uo-{customer.tag}-2")
    # then applied at once, without its Task while Salesforce is down
    assert reply.status_code == 200, reply.text
    time.sleep(1.0)
    assert customer.tasks() == []
    # and the Task arrives once Salesforce is back
    customer.org.clear_faults()
    [task] = wait_for(lambda: customer.tasks(), timeout=90)
    assert task["Subject"] == "Loyalty: offer redeemed"


def test_a_replayed_action_answers_the_same_and_is_applied_once(customer: Customer) -> None:
    event_id = f"evt-e2e-{uuid.uuid4().hex[:12]}"
    # when the same points award is sent twice
    first = customer.act(
        "points.award",
        event_id=event_id,
        points=100,
        point_account="Point Account",
        point_source="Customer Service",
        reason="Other",
    )
    again = customer.act(
        "points.award",
        event_id=event_id,
        points=100,
        point_account="Point Account",
        point_source="Customer Service",
        reason="Other",
    )
    # then one answer, one award, one Task
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert customer.balance() == 1300
    wait_for(lambda: len(customer.tasks()) == 1)


def test_loyalty_platform_down_is_503_with_retry_after_nothing_applied_no_task(customer: Customer) -> None:
    # given the loyalty platform failing
    assert customer.stack.loyalty
    requests.post(f"{customer.stack.loyalty}/_admin/faults", json={"status": 503}, timeout=5).raise_for_status()
    # when the agent revokes an offer
    reply = customer.act("offer.revoke", user_offer_id=f"uo-{customer.tag}-1")
    # then 503 with Retry-After; nothing changed, no Task
    assert reply.status_code == 503, reply.text
    assert reply.headers.get("Retry-After")
    requests.delete(f"{customer.stack.loyalty}/_admin/faults", timeout=5).raise_for_status()
    assert customer.offer_state(1) == "issued"
    time.sleep(1.0)
    assert customer.tasks() == []


def test_137_activity_entries_in_pages_of_5_are_28_pages_newest_first(customer: Customer) -> None:
    # given a customer whose log holds 137 entries (created, then 136 notes)
    url = f"{customer.stack.loyalty}/priv/v1/apps/{AUTH[0]}/users/{customer.user_id}/notes"
    with requests.Session() as http:
        for n in range(136):
            http.post(url, json={"reason": "Other", "text": f"n{n}"}, auth=AUTH, timeout=5).raise_for_status()
    # when the first and the last page of 5 are read
    first = customer.stack.get(f"/v1/loyalty/customers/{customer.external_id}/activity?page=1&page_size=5")
    last = customer.stack.get(f"/v1/loyalty/customers/{customer.external_id}/activity?page=28&page_size=5")
    # then 137 in 28 pages, newest first
    assert first.status_code == 200, first.text
    assert (first.json()["total"], first.json()["pages"]) == (137, 28)
    assert [a["details"] for a in first.json()["activities"]] == [f"Other: n{n}" for n in (135, 134, 133, 132, 131)]
    assert [a["type"] for a in last.json()["activities"]] == ["NOTE_ADDED", "USER_CREATED"]
