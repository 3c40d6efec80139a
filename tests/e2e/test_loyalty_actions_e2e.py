"""Loyalty from Service Cloud, end to end through the local stack over HTTP: an agent's offer,
reward, points and note actions applied on the loyalty emulator while the agent waits, their audit
Tasks arriving in the Salesforce emulator from the queue, and the activity timeline. The offer
state matrix, the audit Task of every action and the replay of every action: test_loyalty_acceptance.py."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
from conftest import LocalStack
from loyalty_stack import AUTH, Customer
from salesforce_org import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def customer(stack: LocalStack) -> Iterator[Customer]:
    made = Customer(stack, points=1200)
    yield made
    made.org.clear_faults()
    requests.delete(f"{stack.loyalty}/_admin/faults", timeout=5).raise_for_status()


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
    reply = customer.act("offer.redeem", user_offer_id=customer.user_offer_id(2))
    # then applied at once, without its Task while Salesforce is down
    assert reply.status_code == 200, reply.text
    time.sleep(1.0)
    assert customer.tasks() == []
    # and the Task arrives once Salesforce is back
    customer.org.clear_faults()
    [task] = wait_for(lambda: customer.tasks(), timeout=90)
    assert task["Subject"] == "Loyalty: offer redeemed"


def test_loyalty_platform_down_is_503_with_retry_after_nothing_applied_no_task(customer: Customer) -> None:
    # given the loyalty platform failing
    assert customer.stack.loyalty
    requests.post(f"{customer.stack.loyalty}/_admin/faults", json={"status": 503}, timeout=5).raise_for_status()
    # when the agent revokes an offer
    reply = customer.act("offer.revoke", user_offer_id=customer.user_offer_id(1))
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
