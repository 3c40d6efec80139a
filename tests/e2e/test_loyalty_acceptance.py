"""Issue 10's acceptance lines through the local stack, HTTP only: each offer action on an offer in
each state (the outcomes tests/integration/triggers/test_loyalty_offer_matrix.py specifies), the
audit Task in Salesforce for each action type, and the replay of each action type answered the same
and applied once. Each case has its own customer (unique keys) on the stack's emulators; the action
types' cases are all sent first (the `sent` fixture), so their audit Tasks arrive together."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from conftest import LocalStack
from example_events import unique
from loyalty_stack import (
    FUNCTIONS,
    Customer,
    action_body,
    platform_users,
    send_action,
    with_loyalty,
)
from salesforce_org import SalesforceOrg, wait_for

from connector.salesforce.soql import soql_quote

pytestmark = pytest.mark.e2e

STATES = ("issued", "redeemed", "revoked", "expired")
# One user offer in each state, named by its state: uo-<tag>-issued, ...
EACH_STATE = {state: ("offer-5-off-check", state) for state in STATES}


def future(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_dates() -> dict[str, str]:
    return {"redemption_start": future(1), "redemption_end": future(60)}


@pytest.fixture
def customer(stack: LocalStack) -> Customer:
    """A customer holding one user offer in each state."""
    return Customer(stack, user_offers=EACH_STATE)


# -- each offer action on an offer in each state ----------------------------------------------------
def test_issue_turns_an_available_catalog_offer_into_an_issued_user_offer(customer: Customer) -> None:
    # when the agent issues an available catalog offer
    reply = customer.act("offer.issue", offer_id="offer-free-shipping")
    # then the customer holds a new user offer of it, issued, on the platform
    assert reply.status_code == 200, reply.text
    issued = reply.json()["user_offer"]
    assert issued["id"] not in {customer.user_offer_id(s) for s in STATES}
    stored = customer.user_offers()[issued["id"]]
    assert (stored["offer_id"], stored["status"]) == ("offer-free-shipping", "issued")


def test_issue_of_an_inactive_catalog_offer_is_409_and_the_customer_holds_nothing_new(
    stack: LocalStack, customer: Customer
) -> None:
    # given an offer withdrawn from the catalog
    retired = unique("offer-retired-")
    seed = {"offers": [{"id": retired, "name": "Retired", "status": "inactive"}]}
    requests.post(f"{stack.loyalty}/_admin/seed", json=seed, timeout=5).raise_for_status()
    before = customer.user_offers()
    # when the agent issues it
    reply = customer.act("offer.issue", offer_id=retired)
    # then refused, saying it is not available; the customer's offers as they were
    assert reply.status_code == 409, reply.text
    assert reply.json()["errors"][0]["msg"] == "the offer is not available"
    assert customer.user_offers() == before


@pytest.mark.parametrize(
    ("event_type", "state", "after"),
    [
        ("offer.revoke", "issued", "revoked"),
        ("offer.redeem", "issued", "redeemed"),
        ("offer.unredeem", "redeemed", "issued"),
    ],
)
def test_an_allowed_change_moves_the_offer_to_its_new_state(
    customer: Customer, event_type: str, state: str, after: str
) -> None:
    # when the agent applies the action to the offer in a state that allows it
    reply = customer.act(event_type, user_offer_id=customer.user_offer_id(state))
    # then the offer is in its new state, in the answer and on the platform
    assert reply.status_code == 200, reply.text
    assert reply.json()["user_offer"]["status"] == after
    assert customer.offer_state(state) == after


def test_reissue_of_an_expired_offer_issues_it_again_as_a_new_offer(customer: Customer) -> None:
    # when the agent reissues the expired offer
    reply = customer.act("offer.reissue", user_offer_id=customer.user_offer_id("expired"))
    # then a new issued offer of the same catalog offer; the expired one left as it was
    assert reply.status_code == 200, reply.text
    reissued = reply.json()["user_offer"]
    assert reissued["reissued_from"] == customer.user_offer_id("expired")
    stored = customer.user_offers()[reissued["id"]]
    assert (stored["status"], stored["offer_id"]) == ("issued", "offer-5-off-check")
    assert customer.offer_state("expired") == "expired"


@pytest.mark.parametrize("state", ["issued", "expired"])
def test_extend_gives_an_issued_or_expired_offer_its_new_redemption_dates(customer: Customer, state: str) -> None:
    dates = new_dates()
    # when the agent extends the offer
    reply = customer.act("offer.extend", user_offer_id=customer.user_offer_id(state), **dates)
    # then its window is the new one, and it is issued (an expired offer is redeemable again)
    assert reply.status_code == 200, reply.text
    stored = customer.user_offer(state)
    window = [datetime.fromisoformat(stored[k]) for k in ("redemption_start", "redemption_end")]
    assert window == [datetime.fromisoformat(dates[k]) for k in ("redemption_start", "redemption_end")]
    assert stored["status"] == "issued"


FORBIDDEN = [
    ("offer.revoke", "redeemed"),
    ("offer.revoke", "revoked"),
    ("offer.revoke", "expired"),
    ("offer.redeem", "redeemed"),
    ("offer.redeem", "revoked"),
    ("offer.redeem", "expired"),
    ("offer.unredeem", "issued"),
    ("offer.unredeem", "revoked"),
    ("offer.unredeem", "expired"),
    ("offer.reissue", "issued"),
    ("offer.reissue", "redeemed"),
    ("offer.reissue", "revoked"),
    ("offer.extend", "redeemed"),
    ("offer.extend", "revoked"),
]


@pytest.mark.parametrize(("event_type", "state"), FORBIDDEN)
def test_a_forbidden_change_is_409_naming_the_state_and_changes_nothing(
    customer: Customer, event_type: str, state: str
) -> None:
    # given the customer's offers, one in a state the action is not allowed from
    before = customer.user_offers()
    extra = new_dates() if event_type == "offer.extend" else {}
    # when the agent applies the action to it
    reply = customer.act(event_type, user_offer_id=customer.user_offer_id(state), **extra)
    # then 409 naming the state; no offer changed, none added
    assert reply.status_code == 409, reply.text
    assert f"the user offer is {state}" in reply.json()["errors"][0]["msg"]
    assert customer.user_offers() == before


def test_extend_with_the_end_before_the_start_is_422_naming_the_end_with_no_platform_call(
    customer: Customer,
) -> None:
    calls_before = len(customer.platform_requests())
    # when the agent extends an offer with dates that end before they start
    reply = customer.act(
        "offer.extend",
        user_offer_id=customer.user_offer_id("issued"),
        redemption_start=future(30),
        redemption_end=future(10),
    )
    # then 422 at data.redemption_end, before any platform call about the customer
    assert reply.status_code == 422, reply.text
    assert reply.json()["errors"][0]["loc"] == ["data", "redemption_end"]
    assert len(customer.platform_requests()) == calls_before


# -- every action type: its audit Task, and its replay ------------------------------------------------
@dataclass
class Prepared:
    """An action ready to send for a fresh customer: its data, the Contact its audit Task goes on,
    and a reading of what it changes (over HTTP) that moves once when it is applied."""

    data: dict[str, Any]
    contact_id: str
    effect: Callable[[], object]


def _offer_action(offer_in: str | None = None, **data: Any) -> Callable[[LocalStack], Prepared]:
    """An offer, reward, points or note action for a customer with one user offer in each state
    (on their user offer in state `offer_in`, if given)."""

    def prepare(stack: LocalStack) -> Prepared:
        made = Customer(stack, user_offers=EACH_STATE)
        offer = {"user_offer_id": made.user_offer_id(offer_in)} if offer_in else {}
        return Prepared({"customer": made.key, **offer, **data}, made.contact_id, made.footprint)

    return prepare


def _enroll(stack: LocalStack) -> Prepared:
    # a Contact not yet on the platform, enrolled without external id (its Id becomes the key)
    org = SalesforceOrg(stack.salesforce or "")
    email = f"{unique('enrol-')}@example.com"
    contact_id = org.create("Contact", {"LastName": "E2E", "Email": email})
    data = {"customer": {"external_id": None, "salesforce_id": contact_id, "email": email}}
    return Prepared(data, contact_id, lambda: len(platform_users(stack, email=email)))


def _update(stack: LocalStack) -> Prepared:
    made = Customer(stack)
    data = {
        "customer": made.key,
        "changes": {"last_name": "Bianchi"},
        "salesforce_object": "Contact",
        "salesforce_id": made.contact_id,
    }
    return Prepared(data, made.contact_id, made.footprint)


def _sync_to_loyalty(stack: LocalStack) -> Prepared:
    # the Contact's first name changed in Salesforce (sent by a flow)
    made = Customer(stack)
    fields = {"FirstName": "Adele", "Loyalty_External_Id__c": made.external_id}
    data = {"direction": "to_loyalty", "salesforce_object": "Contact", "salesforce_id": made.contact_id}
    return Prepared({**data, "fields": fields}, made.contact_id, made.footprint)


def _sync_from_loyalty(stack: LocalStack) -> Prepared:
    # the Contact's last name differs from the platform's
    made = Customer(stack)
    made.org.update("Contact", made.contact_id, {"LastName": "Stale"})
    data = {"direction": "from_loyalty", "salesforce_object": "Contact", "salesforce_id": made.contact_id}

    def contact_writes() -> int:
        found = requests.get(f"{stack.salesforce}/_admin/requests", params={"match": made.contact_id}, timeout=5)
        return sum(1 for r in found.json() if r["method"] == "PATCH" and "/sobjects/Contact/" in r["path"])

    return Prepared({**data, "fields": {}}, made.contact_id, contact_writes)


def _merge(stack: LocalStack) -> Prepared:
    # the surviving Contact holds the survivor's key (the reference's ACC_EXT_1 / ACC_EXT_2)
    survivor, victim = Customer(stack, points=1200), Customer(stack, points=300)
    data = {"survivor": survivor.key, "victim": victim.key}
    return Prepared(data, survivor.contact_id, survivor.footprint)


@dataclass(frozen=True)
class Case:
    event_type: str
    subject: str
    prepare: Callable[[LocalStack], Prepared]


CASES = {
    "offer.issue": Case("offer.issue", "Loyalty: offer issued", _offer_action(offer_id="offer-free-shipping")),
    "offer.revoke": Case("offer.revoke", "Loyalty: offer revoked", _offer_action(offer_in="issued")),
    "offer.redeem": Case("offer.redeem", "Loyalty: offer redeemed", _offer_action(offer_in="issued")),
    "offer.unredeem": Case("offer.unredeem", "Loyalty: offer unredeemed", _offer_action(offer_in="redeemed")),
    "offer.extend": Case(
        "offer.extend",
        "Loyalty: offer extended",
        _offer_action(offer_in="expired", redemption_start=future(1), redemption_end=future(60)),
    ),
    "offer.reissue": Case("offer.reissue", "Loyalty: offer reissued", _offer_action(offer_in="expired")),
    "reward.purchase": Case(
        "reward.purchase", "Loyalty: reward purchased", _offer_action(offer_id="reward-travel-mug", quantity=1)
    ),
    "points.award": Case(
        "points.award",
        "Loyalty: points awarded",
        _offer_action(points=250, point_account="Point Account", point_source="Customer Service", reason="Goodwill"),
    ),
    "note.add": Case("note.add", "Loyalty: note added", _offer_action(reason="Follow-up", text="Called back")),
    "customer.enroll": Case("customer.enroll", "Loyalty: customer enrolled", _enroll),
    "customer.update": Case("customer.update", "Loyalty: customer updated", _update),
    "customer.sync to_loyalty": Case("customer.sync", "Loyalty: customer synced", _sync_to_loyalty),
    "customer.sync from_loyalty": Case("customer.sync", "Loyalty: customer synced", _sync_from_loyalty),
    "customer.merge": Case("customer.merge", "Loyalty: customers merged", _merge),
}


@dataclass
class Sent:
    """An action sent for its fresh customer: the body, each answer, and the effect read before it
    and after each sending."""

    prepared: Prepared
    body: dict[str, Any]
    replies: list[requests.Response]
    effects: list[object]


def send(stack: LocalStack, case: Case, times: int) -> Sent:
    prepared = case.prepare(stack)
    body = action_body(case.event_type, prepared.data)
    sent = Sent(prepared, body, [], [prepared.effect()])
    for _ in range(times):
        sent.replies.append(send_action(stack, body))
        sent.effects.append(prepared.effect())
    return sent


@pytest.fixture(scope="module")
def sent(stack: LocalStack) -> Iterator[dict[tuple[str, int], Sent]]:
    """Every action type sent once, and sent twice, each for its own fresh customer, with Sync
    Customer Changes on (customer.sync to_loyalty needs it; it changes no other action). All are
    sent before any Task is awaited: their audits, queued together, arrive in one or two batching
    windows of the queue rather than one per test."""
    with stack.configured(with_loyalty(sync_customer_changes=True), FUNCTIONS):
        yield {(name, times): send(stack, case, times) for name, case in CASES.items() for times in (1, 2)}


def audit_tasks(stack: LocalStack, event_id: str) -> list[dict[str, Any]]:
    org = SalesforceOrg(stack.salesforce or "")
    return org.query(f"SELECT Id, Subject, Status, WhoId FROM Task WHERE Loyalty_Event_Id__c = {soql_quote(event_id)}")


@pytest.mark.parametrize("name", list(CASES))
def test_each_action_leaves_a_completed_task_with_its_subject_on_the_customers_contact(
    stack: LocalStack, sent: dict[tuple[str, int], Sent], name: str
) -> None:
    # given a fresh customer the action applies to; when the agent's action is sent (by `sent`)
    action = sent[name, 1]
    [reply] = action.replies
    # then it answers 200, and its completed Task arrives on the Contact from the queue
    assert reply.status_code == 200, reply.text
    [task] = wait_for(lambda: audit_tasks(stack, action.body["event_id"]))
    assert (task["Subject"], task["Status"], task["WhoId"]) == (
        CASES[name].subject,
        "Completed",
        action.prepared.contact_id,
    )


@pytest.mark.parametrize("name", list(CASES))
def test_each_action_replayed_answers_the_same_and_is_applied_once(
    stack: LocalStack, sent: dict[tuple[str, int], Sent], name: str
) -> None:
    # given a fresh customer the action applies to; when the same action is sent twice (by `sent`)
    action = sent[name, 2]
    first, again = action.replies
    before, applied, after_replay = action.effects
    # then the same answer; its effect on the platform (or the record) once; one audit Task
    assert first.status_code == 200, first.text
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert applied != before
    assert after_replay == applied
    wait_for(lambda: audit_tasks(stack, action.body["event_id"]))
    assert len(audit_tasks(stack, action.body["event_id"])) == 1
