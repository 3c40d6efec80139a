"""Rewards, points, notes, the audit Tasks and the activity timeline, in process against the loyalty
and Salesforce emulators over HTTP (the offer state matrix: test_loyalty_offer_matrix.py)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Connector, Reply
from loyalty_world import balance, platform_get, platform_post_note, seed_customer, user_offer_states
from trigger_events import event_body

ACTIONS = "/v1/loyalty/actions"
AGENT = {"id": "agent-7", "name": "Alex Kim", "email": "alex.kim@brand.example"}


def act(connector: Connector, name: str, **data: Any) -> Reply:
    return connector.trigger("offer_actions").post(event_body(name, **data), path=ACTIONS)


def seed_contact(connector: Connector, external_id: str = "ACC_EXT_1") -> str:
    created = connector.salesforce.seed(
        {"Contact": [{"LastName": "Rossi", "Email": "sabina@example.com", "Loyalty_External_Id__c": external_id}]}
    )
    return str(created["Contact"][0])


def audit_tasks(connector: Connector) -> list[dict[str, Any]]:
    return [t for t in connector.salesforce.records("Task") if t.get("Loyalty_Event_Id__c")]


# -- rewards -----------------------------------------------------------------------------------
def test_a_reward_purchase_with_enough_points_lowers_the_balance_by_its_price(loyalty_connector: Connector) -> None:
    # given a customer with 1200 points and a reward of 500
    seed_customer(loyalty_connector.loyalty_platform, points=1200)
    # when the agent buys it for them
    reply = act(loyalty_connector, "reward.purchase", offer_id="reward-travel-mug", quantity=1)
    # then 700 points are left, and the reward is the customer's
    assert reply.status == 200, reply.body
    assert reply.body["available_points"] == 700
    assert reply.body["order"]["points_spent"] == 500
    assert balance(loyalty_connector.loyalty_platform) == 700


def test_a_reward_purchase_with_a_short_balance_is_409_and_spends_nothing(loyalty_connector: Connector) -> None:
    # given a customer with 300 points and a reward of 500
    seed_customer(loyalty_connector.loyalty_platform, points=300)
    # when the agent buys it for them
    reply = act(loyalty_connector, "reward.purchase", offer_id="reward-travel-mug", quantity=1)
    # then refused, naming the balance; still 300 points
    assert reply.status == 409, reply.body
    assert reply.body["errors"][0]["msg"] == "the customer's point balance is too low"
    assert balance(loyalty_connector.loyalty_platform) == 300


def test_a_reward_out_of_stock_is_409_and_spends_nothing(loyalty_connector: Connector) -> None:
    # given a reward the store has none left of
    seed_customer(loyalty_connector.loyalty_platform, points=1200, stock=0)
    # when the agent buys it
    reply = act(loyalty_connector, "reward.purchase", offer_id="reward-travel-mug", quantity=1)
    # then refused, naming the stock; no point spent
    assert reply.status == 409, reply.body
    assert reply.body["errors"][0]["msg"] == "the reward is out of stock"
    assert balance(loyalty_connector.loyalty_platform) == 1200


# -- points and notes --------------------------------------------------------------------------
def test_awarded_points_reach_the_balance_with_the_agent_in_their_reason(loyalty_connector: Connector) -> None:
    # given a customer with 1200 points
    seed_customer(loyalty_connector.loyalty_platform, points=1200)
    # when the agent awards 250 for a late delivery
    reply = act(loyalty_connector, "points.award", points=250, reason="Late delivery", agent=AGENT)
    # then 1450 points, the transaction's reason names the agent, and so does the answer
    assert reply.status == 200, reply.body
    assert reply.body["available_points"] == 1450
    assert reply.body["awarded_by"] == {"id": "agent-7", "name": "Alex Kim"}
    assert balance(loyalty_connector.loyalty_platform) == 1450
    [deposit] = platform_get(loyalty_connector.loyalty_platform, "/users/user-1/activity")["activities"][:1]
    assert deposit["data"]["reason"] == "Late delivery [agent: Alex Kim (agent-7)]"


def test_a_point_account_source_or_reason_outside_the_configured_lists_is_422_naming_it(
    loyalty_connector: Connector,
) -> None:
    seed_customer(loyalty_connector.loyalty_platform, points=1200)
    for field, value in (("point_account", "Bonus"), ("point_source", "Store"), ("reason", "Because")):
        # when the agent awards points with a value outside the list
        reply = act(loyalty_connector, "points.award", points=10, **{field: value})
        # then 422 naming that field, and no point awarded
        assert reply.status == 422, reply.body
        assert reply.body["errors"][0]["loc"] == ["data", field]
    assert balance(loyalty_connector.loyalty_platform) == 1200


def test_a_refused_command_corrected_and_sent_again_under_its_event_id_is_applied(
    loyalty_connector: Connector,
) -> None:
    # given an award refused for a reason outside the configured list (issue 11: it left an
    # idempotency record, so the corrected award was a 422 on its reused event_id)
    seed_customer(loyalty_connector.loyalty_platform, points=1200)
    award = event_body("points.award", points=10, reason="Because")
    function = loyalty_connector.trigger("offer_actions")
    assert function.post(award, path=ACTIONS).status == 422
    # when the agent corrects the reason and sends it again under the same event_id
    award["data"]["reason"] = "Late delivery"
    reply = function.post(award, path=ACTIONS)
    # then the points are awarded
    assert reply.status == 200, reply.body
    assert balance(loyalty_connector.loyalty_platform) == 1210


def test_zero_or_negative_points_are_422(loyalty_connector: Connector) -> None:
    seed_customer(loyalty_connector.loyalty_platform)
    # when the agent awards -5 points
    reply = act(loyalty_connector, "points.award", points=-5)
    # then 422 at data.points
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "points"]


def test_a_note_reaches_the_profile_with_its_reason_and_the_agent_in_its_text(loyalty_connector: Connector) -> None:
    # given a customer
    seed_customer(loyalty_connector.loyalty_platform)
    # when the agent adds a note
    reply = act(loyalty_connector, "note.add", reason="Complaint", text="Late parcel", agent=AGENT)
    # then the note is on the profile, its text naming the agent (the platform's author is its integration user)
    assert reply.status == 200, reply.body
    assert reply.body["written_by"] == {"id": "agent-7", "name": "Alex Kim"}
    [note] = platform_get(loyalty_connector.loyalty_platform, "/users/user-1/notes")["notes"]
    assert (note["reason"], note["text"]) == ("Complaint", "Late parcel\n[agent: Alex Kim (agent-7)]")


def test_a_note_reason_outside_the_configured_list_is_422(loyalty_connector: Connector) -> None:
    seed_customer(loyalty_connector.loyalty_platform)
    # when the agent adds a note with an unlisted reason
    reply = act(loyalty_connector, "note.add", reason="Gossip", text="hmm")
    # then 422 at data.reason, and no note
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["data", "reason"]
    assert platform_get(loyalty_connector.loyalty_platform, "/users/user-1/notes")["notes"] == []


# -- the audit trail ---------------------------------------------------------------------------
def test_an_action_leaves_a_completed_task_on_the_customers_contact(loyalty_connector: Connector) -> None:
    # given a customer with their Contact in Salesforce
    seed_customer(loyalty_connector.loyalty_platform)
    contact = seed_contact(loyalty_connector)
    body = event_body("offer.redeem", user_offer_id="uo-issued", agent=AGENT)
    trigger = loyalty_connector.trigger("offer_actions")
    # when the agent redeems an offer, and the queue is processed
    assert trigger.post(body, path=ACTIONS).status == 200
    trigger.drain_queue()
    # then one completed Task on the Contact says what, who, when and the result
    [task] = audit_tasks(loyalty_connector)
    assert (task["Subject"], task["Status"], task["WhoId"]) == ("Loyalty: offer redeemed", "Completed", contact)
    assert task["Loyalty_Event_Id__c"] == body["event_id"]
    assert "Agent: Alex Kim (id agent-7" in task["Description"]
    assert "uo-issued" in task["Description"] and "is now redeemed" in task["Description"]
    assert task["ActivityDate"]


def test_the_audit_task_goes_on_the_salesforce_record_the_action_names(loyalty_connector: Connector) -> None:
    # given two Contacts with the customer's key, and the action naming the second
    seed_customer(loyalty_connector.loyalty_platform)
    seed_contact(loyalty_connector)
    named = seed_contact(loyalty_connector)
    customer = {"external_id": "ACC_EXT_1", "salesforce_id": named}
    trigger = loyalty_connector.trigger("offer_actions")
    # when the agent adds a note, and the queue is processed
    assert act(loyalty_connector, "note.add", customer=customer, reason="Other", text="x").status == 200
    calls_before = loyalty_connector.salesforce.calls()
    trigger.drain_queue()
    # then the Task is on the named Contact, written in one call (no query)
    [task] = audit_tasks(loyalty_connector)
    assert task["WhoId"] == named
    assert loyalty_connector.salesforce.calls() - calls_before == 1


def test_with_account_as_parent_object_the_task_is_related_to_the_account(loyalty_connector: Connector) -> None:
    # given Parent Object Account (person accounts: the default mapping names their fields), and the customer's Account
    seed_customer(loyalty_connector.loyalty_platform)
    loyalty_connector.salesforce.enable_person_accounts()
    loyalty_connector.configure({"loyalty": {"parent_object": "Account"}})
    account = str(
        loyalty_connector.salesforce.seed({"Account": [{"Name": "Rossi", "Loyalty_External_Id__c": "ACC_EXT_1"}]})[
            "Account"
        ][0]
    )
    trigger = loyalty_connector.trigger("offer_actions")
    # when the agent awards points, and the queue is processed
    assert act(loyalty_connector, "points.award", points=5).status == 200
    trigger.drain_queue()
    # then the Task is related to the Account
    [task] = audit_tasks(loyalty_connector)
    assert task["WhatId"] == account and not task.get("WhoId")


def test_salesforce_down_the_action_still_answers_and_its_task_arrives_after(loyalty_connector: Connector) -> None:
    # given a customer with their Contact, and Salesforce failing
    seed_customer(loyalty_connector.loyalty_platform)
    contact = seed_contact(loyalty_connector)
    loyalty_connector.salesforce.fault(status=503)
    trigger = loyalty_connector.trigger("offer_actions")
    # when the agent awards points
    reply = act(loyalty_connector, "points.award", points=100)
    # then applied at once; the audit waits on the queue while Salesforce is down
    assert reply.status == 200, reply.body
    assert balance(loyalty_connector.loyalty_platform) == 1300
    failed = trigger.drain_queue()
    assert failed and failed["batchItemFailures"]
    loyalty_connector.salesforce.clear_faults()
    assert audit_tasks(loyalty_connector) == []
    # and once Salesforce is back, the retry writes the Task
    trigger.drain_queue()
    [task] = audit_tasks(loyalty_connector)
    assert task["WhoId"] == contact and task["Subject"] == "Loyalty: points awarded"


def forget_sync_state(connector: Connector) -> None:
    dynamodb = connector.aws.dynamodb
    for item in dynamodb.scan(TableName=connector.aws.sync_state_table).get("Items", []):
        dynamodb.delete_item(TableName=connector.aws.sync_state_table, Key={"pk": item["pk"], "sk": item["sk"]})


def test_a_replayed_audit_writes_one_task(loyalty_connector: Connector) -> None:
    # given an action whose audit message is delivered twice (SQS is at least once)
    seed_customer(loyalty_connector.loyalty_platform)
    seed_contact(loyalty_connector)
    trigger = loyalty_connector.trigger("offer_actions")
    assert act(loyalty_connector, "note.add", reason="Other", text="twice").status == 200
    [message] = trigger.receive()
    # when both deliveries are processed
    trigger.invoke(trigger.batch_event([message]))
    forget_sync_state(loyalty_connector)  # the first's state write lost: the second runs in full
    trigger.invoke(trigger.batch_event([message]))
    # then one Task
    assert len(audit_tasks(loyalty_connector)) == 1


def test_with_audit_tasks_off_no_task_is_queued(loyalty_connector: Connector) -> None:
    # given loyalty.audit_tasks off
    seed_customer(loyalty_connector.loyalty_platform)
    loyalty_connector.configure({"loyalty": {"audit_tasks": False}})
    trigger = loyalty_connector.trigger("offer_actions")
    # when the agent adds a note
    reply = act(loyalty_connector, "note.add", reason="Other", text="quiet")
    # then applied, its audit off, nothing queued
    assert reply.status == 200, reply.body
    assert reply.body["audit"] == "off"
    assert trigger.queue_depth() == 0


def test_the_internal_audit_event_cannot_be_posted(loyalty_connector: Connector) -> None:
    # given a body shaped like the audit's internal event
    body = event_body("note.add")
    body["event_type"] = "loyalty.action_audited"
    # when it is posted to the actions route
    reply = loyalty_connector.trigger("offer_actions").post(body, path=ACTIONS)
    # then refused as an unknown event type
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"][-1] == "event_type"


# -- idempotency and an unavailable platform ---------------------------------------------------
def test_a_replayed_action_answers_the_same_and_is_applied_once(loyalty_connector: Connector) -> None:
    # given points awarded once
    seed_customer(loyalty_connector.loyalty_platform, points=1200)
    body = event_body("points.award", points=250)
    trigger = loyalty_connector.trigger("offer_actions")
    first = trigger.post(body, path=ACTIONS)
    # when the same event is sent again
    again = trigger.post(body, path=ACTIONS)
    # then the same answer, and 250 points awarded once; one audit queued
    assert (again.status, again.body) == (first.status, first.body)
    assert balance(loyalty_connector.loyalty_platform) == 1450
    assert trigger.queue_depth() == 1


def test_loyalty_platform_down_is_503_with_retry_after_nothing_applied_no_audit(loyalty_connector: Connector) -> None:
    # given the loyalty platform failing
    seed_customer(loyalty_connector.loyalty_platform, points=1200)
    states = user_offer_states(loyalty_connector.loyalty_platform)
    loyalty_connector.loyalty_platform.fault(status=503)
    trigger = loyalty_connector.trigger("offer_actions")
    body = event_body("offer.redeem", user_offer_id="uo-issued")
    # when the agent redeems an offer
    reply = trigger.post(body, path=ACTIONS)
    # then 503 with Retry-After; nothing queued for the audit
    assert reply.status == 503, reply.body
    assert "retry-after" in trigger.last_headers
    assert trigger.queue_depth() == 0
    loyalty_connector.loyalty_platform.clear_faults()
    assert user_offer_states(loyalty_connector.loyalty_platform) == states
    # and a retry once it is back runs again (the 503 was not remembered)
    assert trigger.post(body, path=ACTIONS).status == 200


# -- the activity timeline ---------------------------------------------------------------------
def activity(connector: Connector, key: str, **query: Any) -> Reply:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return connector.trigger("offer_actions").get(f"/v1/loyalty/customers/{key}/activity" + (f"?{qs}" if qs else ""))


def test_137_entries_in_pages_of_5_are_28_pages_newest_first(loyalty_connector: Connector) -> None:
    # given a customer whose log holds 137 entries (created, then 136 notes)
    seed_customer(loyalty_connector.loyalty_platform)
    platform = loyalty_connector.loyalty_platform
    for n in range(136):
        platform_post_note(platform, "Other", f"note {n}")
    # when the first, a middle and the last page of 5 are read
    first = activity(loyalty_connector, "ACC_EXT_1", page=1, page_size=5)
    last = activity(loyalty_connector, "ACC_EXT_1", page=28, page_size=5)
    # then 137 in 28 pages, newest first, the last page holding the 2 oldest
    assert first.status == 200, first.body
    assert (first.body["total"], first.body["pages"], first.body["page_size"]) == (137, 28, 5)
    assert [a["details"] for a in first.body["activities"]] == [f"Other: note {n}" for n in (135, 134, 133, 132, 131)]
    assert [a["type"] for a in last.body["activities"]] == ["NOTE_ADDED", "USER_CREATED"]
    stamps = [a["occurred_at"] for a in first.body["activities"]]
    assert stamps == sorted(stamps, reverse=True)


def test_a_page_size_over_the_configured_maximum_is_422(loyalty_connector: Connector) -> None:
    seed_customer(loyalty_connector.loyalty_platform)
    # when 51 entries a page are asked (the maximum is 50)
    reply = activity(loyalty_connector, "ACC_EXT_1", page=1, page_size=51)
    # then 422 at page_size
    assert reply.status == 422, reply.body
    assert reply.body["errors"][0]["loc"] == ["page_size"]


def test_the_activity_of_an_unknown_customer_is_404(loyalty_connector: Connector) -> None:
    seed_customer(loyalty_connector.loyalty_platform)
    # when the timeline of ACC_EXT_9 is read
    reply = activity(loyalty_connector, "ACC_EXT_9")
    # then 404
    assert reply.status == 404, reply.body


EVERY_ACTION: list[tuple[str, dict[str, Any], str]] = [
    ("offer.issue", {"offer_id": "offer-free-shipping"}, "Loyalty: offer issued"),
    ("offer.revoke", {"user_offer_id": "uo-issued"}, "Loyalty: offer revoked"),
    ("offer.redeem", {"user_offer_id": "uo-issued"}, "Loyalty: offer redeemed"),
    ("offer.unredeem", {"user_offer_id": "uo-redeemed"}, "Loyalty: offer unredeemed"),
    (
        "offer.extend",
        {
            "user_offer_id": "uo-expired",
            "redemption_start": "2026-01-01T00:00:00Z",
            "redemption_end": "2099-01-01T00:00:00Z",
        },
        "Loyalty: offer extended",
    ),
    ("offer.reissue", {"user_offer_id": "uo-expired"}, "Loyalty: offer reissued"),
    ("reward.purchase", {"offer_id": "reward-travel-mug"}, "Loyalty: reward purchased"),
    ("points.award", {"points": 10}, "Loyalty: points awarded"),
    ("note.add", {"reason": "Other", "text": "hello"}, "Loyalty: note added"),
]


@pytest.mark.parametrize(("event_type", "data", "subject"), EVERY_ACTION)
def test_every_action_replayed_is_applied_once_and_leaves_one_task(
    loyalty_connector: Connector, event_type: str, data: dict[str, Any], subject: str
) -> None:
    # given a customer with their Contact
    seed_customer(loyalty_connector.loyalty_platform)
    contact = seed_contact(loyalty_connector)
    trigger = loyalty_connector.trigger("offer_actions")
    body = event_body(event_type, agent=AGENT, **data)
    # when the action is sent twice, and the queue processed
    first = trigger.post(body, path=ACTIONS)
    activity_after_first = platform_get(loyalty_connector.loyalty_platform, "/users/user-1/activity")["total"]
    again = trigger.post(body, path=ACTIONS)
    trigger.drain_queue()
    # then one answer, one change on the platform, one Task on the Contact
    assert first.status == 200, first.body
    assert again == first
    assert platform_get(loyalty_connector.loyalty_platform, "/users/user-1/activity")["total"] == activity_after_first
    [task] = audit_tasks(loyalty_connector)
    assert (task["Subject"], task["WhoId"], task["Loyalty_Event_Id__c"]) == (subject, contact, body["event_id"])
