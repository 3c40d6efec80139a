"""Social conversations to Salesforce: eligibility, the first push's earlier conversations, one
Opened conversation per user, linking to the matched Contact, replays."""

from __future__ import annotations

import threading
import time
from typing import Any

from conftest import Connector
from trigger_events import event_body, now_iso

from connector.social.user_claim import USER_CLAIM
from connector.state.claims import CLAIM_SK, ClaimStore
from connector.state.social_links import SocialLinkStore, UserLink

PATH = "/v1/social/conversations"


def routed(conversation_id: str, user_id: str, offset: float = 0.0, **data: Any) -> dict[str, Any]:
    body = event_body("conversation.routed", occurred_at=now_iso(offset), conversation_id=conversation_id, **data)
    body["data"]["user"]["id"] = user_id
    body["data"]["last_message"]["time"] = now_iso(offset)
    return body


def replied(conversation_id: str, user_id: str, contact_id: str | None, **data: Any) -> dict[str, Any]:
    body = event_body("conversation.replied", conversation_id=conversation_id, salesforce_contact_id=contact_id, **data)
    body["data"]["user"]["id"] = user_id
    body["data"]["last_message"]["time"] = now_iso()
    return body


def matched(user_id: str, contact_id: str) -> dict[str, Any]:
    body = event_body("user.matched", salesforce_contact_id=contact_id)
    body["data"]["user"]["id"] = user_id
    return body


def statuses(connector: Connector, user_id: str) -> dict[str, str]:
    rows = connector.salesforce.find("Social_Conversation__c", Social_User_Id__c=user_id)
    return {row["Conversation_Id__c"]: row["Status__c"] for row in rows}


def contact(connector: Connector) -> str:
    return str(connector.salesforce.seed({"Contact": [{"LastName": "Martin"}]})["Contact"][0])


def test_first_push_creates_the_earlier_conversations_closed_and_a_later_one_closes_it(connector: Connector) -> None:
    social = connector.trigger("conversation_routing")
    earlier = [
        {"conversation_id": "c1-old-a", "channel": "whatsapp", "status": "closed"},
        {"conversation_id": "c1-old-b", "channel": "whatsapp", "status": "closed"},
    ]
    # when a conversation of a new user is routed to a team, with two earlier conversations
    calls = connector.salesforce.calls()
    reply = social.post(routed("c1-new", "u-c1", previous_conversations=earlier), path=PATH)
    # then three Conversations, only the newest Opened, in one query and one write (plus the
    # container's cold-start describe)
    assert reply.status == 200, reply.body
    assert statuses(connector, "u-c1") == {"c1-old-a": "Closed", "c1-old-b": "Closed", "c1-new": "Opened"}
    assert connector.salesforce.calls() - calls <= 3
    # when a later conversation of that user is routed (its own earlier list is not created again)
    calls = connector.salesforce.calls()
    reply = social.post(routed("c1-next", "u-c1", offset=1, previous_conversations=earlier), path=PATH)
    # then it is Opened and the previous one Closed, in two calls
    assert reply.status == 200, reply.body
    assert statuses(connector, "u-c1") == {
        "c1-old-a": "Closed",
        "c1-old-b": "Closed",
        "c1-new": "Closed",
        "c1-next": "Opened",
    }
    assert connector.salesforce.calls() - calls == 2


def test_an_older_event_of_another_conversation_never_closes_the_newer_one(connector: Connector) -> None:
    social = connector.trigger("conversation_routing")
    assert social.post(routed("c2-new", "u-c2", previous_conversations=[]), path=PATH).status == 200
    # when an event of an older conversation arrives late
    reply = social.post(routed("c2-old", "u-c2", offset=-60, previous_conversations=[]), path=PATH)
    # then it is written Closed, the newer one stays Opened
    assert reply.status == 200, reply.body
    assert statuses(connector, "u-c2") == {"c2-new": "Opened", "c2-old": "Closed"}


def test_routed_to_no_team_is_ignored(connector: Connector) -> None:
    reply = connector.trigger("conversation_routing").post(routed("c3", "u-c3", team=None), path=PATH)
    assert reply.status == 200 and reply.body["status"] == "ignored", reply.body
    assert statuses(connector, "u-c3") == {}


def test_a_reply_is_pushed_only_when_the_user_is_matched(connector: Connector) -> None:
    social = connector.trigger("conversation_routing")
    # a reply without a matched Contact: ignored, nothing written
    reply = social.post(replied("c4-a", "u-c4", None), path=PATH)
    assert reply.status == 200 and reply.body["status"] == "ignored", reply.body
    assert statuses(connector, "u-c4") == {}
    # a reply naming the Contact: pushed and linked
    contact_id = contact(connector)
    reply = social.post(replied("c4-a", "u-c4", contact_id), path=PATH)
    assert reply.status == 200 and reply.body["status"] != "ignored", reply.body
    assert connector.salesforce.one("Social_Conversation__c", Conversation_Id__c="c4-a")["Contact__c"] == contact_id
    # a later reply without the id: the kept match makes it eligible and linked
    reply = social.post(replied("c4-b", "u-c4", None), path=PATH)
    assert reply.status == 200 and reply.body["status"] != "ignored", reply.body
    assert connector.salesforce.one("Social_Conversation__c", Conversation_Id__c="c4-b")["Contact__c"] == contact_id


def test_a_user_match_links_all_the_users_conversations_and_the_next_on_arrival(connector: Connector) -> None:
    social = connector.trigger("conversation_routing")
    earlier = [{"conversation_id": "c5-old", "channel": "whatsapp", "status": "closed"}]
    assert social.post(routed("c5-a", "u-c5", previous_conversations=earlier), path=PATH).status == 200
    contact_id = contact(connector)
    # when the user is matched
    calls = connector.salesforce.calls()
    reply = social.post(matched("u-c5", contact_id), path=PATH)
    # then both conversations are linked, in two calls
    assert reply.status == 200, reply.body
    rows = connector.salesforce.find("Social_Conversation__c", Social_User_Id__c="u-c5")
    assert {r["Conversation_Id__c"]: r["Contact__c"] for r in rows} == {"c5-old": contact_id, "c5-a": contact_id}
    assert connector.salesforce.calls() - calls == 2
    # and the next conversation is linked on arrival
    assert social.post(routed("c5-b", "u-c5", offset=1, previous_conversations=[]), path=PATH).status == 200
    assert connector.salesforce.one("Social_Conversation__c", Conversation_Id__c="c5-b")["Contact__c"] == contact_id


def test_a_replay_changes_nothing(connector: Connector) -> None:
    social = connector.trigger("conversation_routing")
    body = routed("c6", "u-c6", previous_conversations=[{"conversation_id": "c6-old"}])
    assert social.post(body, path=PATH).status == 200
    before = connector.salesforce.find("Social_Conversation__c", Social_User_Id__c="u-c6")
    calls = connector.salesforce.calls()
    reply = social.post(body, path=PATH)
    assert reply.status == 200, reply.body
    assert connector.salesforce.find("Social_Conversation__c", Social_User_Id__c="u-c6") == before
    assert connector.salesforce.calls() == calls


def test_person_account_mode_links_the_person_account(connector: Connector) -> None:
    # (the lookup takes any Account: the org's person-account setting is the e2e test's concern)
    connector.configure({"social": {"customer_parent": "person_account"}})
    account_id = str(connector.salesforce.seed({"Account": [{"Name": "Camille Martin"}]})["Account"][0])
    social = connector.trigger("conversation_routing")
    reply = social.post(replied("c7", "u-c7", account_id), path=PATH)
    assert reply.status == 200, reply.body
    row = connector.salesforce.one("Social_Conversation__c", Conversation_Id__c="c7")
    assert (row["Person_Account__c"], row["Contact__c"]) == (account_id, None)


def activity(connector: Connector, user_id: str, query: str = "") -> tuple[int, Any]:
    reply = connector.trigger("conversation_routing").get(f"/v1/social/users/{user_id}/activity{query}")
    return reply.status, reply.body


def test_the_360_view_answers_the_contacts_tasks_and_events_newest_first_paged(connector: Connector) -> None:
    # an unmatched user: 404
    assert activity(connector, "u-c8")[0] == 404
    contact_id = contact(connector)
    other = contact(connector)
    assert connector.trigger("conversation_routing").post(matched("u-c8", contact_id), path=PATH).status == 200
    connector.salesforce.seed(
        {
            "Task": [
                {"WhoId": contact_id, "Subject": "Call", "CreatedDate": "2026-11-01T10:00:00.000+0000"},
                {"WhoId": contact_id, "Subject": "Email", "CreatedDate": "2026-11-03T10:00:00.000+0000"},
                {"WhoId": other, "Subject": "Other", "CreatedDate": "2026-11-04T10:00:00.000+0000"},
            ],
            "Event": [
                {
                    "WhoId": contact_id,
                    "Subject": "Meeting",
                    "StartDateTime": "2026-11-02T10:00:00.000+0000",
                    "EndDateTime": "2026-11-02T11:00:00.000+0000",
                },
            ],
        }
    )
    status, body = activity(connector, "u-c8", "?page_size=2")
    assert status == 200, body
    assert [(i["type"], i["subject"]) for i in body["items"]] == [("Task", "Email"), ("Event", "Meeting")]
    assert body["has_more"] is True and body["salesforce_id"] == contact_id
    status, body = activity(connector, "u-c8", "?page=2&page_size=2")
    assert status == 200, body
    assert [(i["type"], i["subject"]) for i in body["items"]] == [("Task", "Call")]
    assert body["has_more"] is False
    # a page size over 50: 422
    assert activity(connector, "u-c8", "?page_size=51")[0] == 422


def test_case_per_conversation_creates_a_linked_case_and_reopens_it_on_a_new_message(connector: Connector) -> None:
    connector.configure({"social": {"case_per_conversation": True}})
    social = connector.trigger("conversation_routing")
    contact_id = contact(connector)
    # when a reply for a matched user arrives: a Case linked to the conversation and the Contact, in
    # the conversation's own write call
    calls = connector.salesforce.calls()
    reply = social.post(replied("c9", "u-c9", contact_id), path=PATH)
    assert reply.status == 200, reply.body
    assert connector.salesforce.calls() - calls <= 3
    conversation = connector.salesforce.one("Social_Conversation__c", Conversation_Id__c="c9")
    case = connector.salesforce.one("Case", Social_Conversation_Id__c="c9")
    assert (case["Social_Conversation__c"], case["ContactId"], case["Origin"]) == (
        conversation["Id"],
        contact_id,
        "Web",
    )
    assert reply.body["case_id"] == case["Id"]
    # a second message changes nothing on the open Case
    assert social.post(replied("c9", "u-c9", contact_id), path=PATH).status == 200
    assert len(connector.salesforce.find("Case", Social_Conversation_Id__c="c9")) == 1


def test_a_closed_case_is_reopened_when_its_conversation_gets_a_message(connector: Connector) -> None:
    connector.configure({"social": {"case_per_conversation": True, "case_origins": {"whatsapp": "Chat"}}})
    case_id = str(
        connector.salesforce.seed(
            {"Case": [{"Subject": "old", "Status": "Closed", "Social_Conversation_Id__c": "c10"}]}
        )["Case"][0]
    )
    reply = connector.trigger("conversation_routing").post(routed("c10", "u-c10"), path=PATH)
    assert reply.status == 200, reply.body
    case = connector.salesforce.one("Case", Id=case_id)
    assert case["Status"] == "New"
    # a channel mapped to an Origin: a new Case would take it
    reply = connector.trigger("conversation_routing").post(routed("c10-b", "u-c10", offset=1), path=PATH)
    assert connector.salesforce.one("Case", Social_Conversation_Id__c="c10-b")["Origin"] == "Chat"


def test_a_contact_id_salesforce_refuses_is_not_kept_as_the_users_match(connector: Connector) -> None:
    social = connector.trigger("conversation_routing")
    # a reply naming a Contact the org does not have: a permanent refusal
    reply = social.post(replied("c11-a", "u-c11", "003000000000009AAA"), path=PATH)
    assert reply.status == 202, reply.body  # (answered queued; dead-lettered)
    # a later reply without an id is not eligible: no match was kept
    reply = social.post(replied("c11-b", "u-c11", None), path=PATH)
    assert reply.status == 200 and reply.body["status"] == "ignored", reply.body


def test_a_user_match_links_the_users_cases_in_case_mode(connector: Connector) -> None:
    connector.configure({"social": {"case_per_conversation": True}})
    social = connector.trigger("conversation_routing")
    assert social.post(routed("c12-a", "u-c12"), path=PATH).status == 200
    assert social.post(routed("c12-b", "u-c12", offset=1), path=PATH).status == 200
    contact_id = contact(connector)
    calls = connector.salesforce.calls()
    assert social.post(matched("u-c12", contact_id), path=PATH).status == 200
    assert connector.salesforce.calls() - calls == 2
    cases = connector.salesforce.find("Case", ContactId=contact_id)
    assert sorted(c["Social_Conversation_Id__c"] for c in cases) == ["c12-a", "c12-b"]


def test_a_conversation_pushed_before_is_kept_up_to_date_by_a_reply_of_an_unmatched_user(connector: Connector) -> None:
    social = connector.trigger("conversation_routing")
    assert social.post(routed("c13", "u-c13"), path=PATH).status == 200
    reply = social.post(replied("c13", "u-c13", None, last_message={"time": now_iso(), "text": "Any news?"}), path=PATH)
    assert reply.status == 200 and reply.body["status"] == "synced", reply.body
    row = connector.salesforce.one("Social_Conversation__c", Conversation_Id__c="c13")
    assert (row["Last_Message__c"], row["Contact__c"]) == ("Any news?", None)


def test_a_first_push_past_one_composite_sends_the_earlier_ones_in_one_collection_call(connector: Connector) -> None:
    social = connector.trigger("conversation_routing")
    assert social.post(routed("c14-warm", "u-c14-warm"), path=PATH).status == 200
    earlier = [{"conversation_id": f"c14-old-{i}", "status": "closed"} for i in range(30)]
    calls = connector.salesforce.calls()
    reply = social.post(routed("c14", "u-c14", previous_conversations=earlier), path=PATH)
    assert reply.status == 200, reply.body
    # the user's conversations, the 30 earlier ones in one collection upsert, then the conversation
    assert connector.salesforce.calls() - calls == 3
    found = statuses(connector, "u-c14")
    assert len(found) == 31 and [k for k, v in found.items() if v == "Opened"] == ["c14"]


def test_an_older_event_of_the_same_conversation_never_overwrites_a_newer_one(connector: Connector) -> None:
    social = connector.trigger("conversation_routing")
    newer = routed("c15", "u-c15", offset=0, last_message={"time": now_iso(), "text": "newer"})
    older = routed("c15", "u-c15", offset=-30, last_message={"time": now_iso(-30), "text": "older"})
    assert social.post(newer, path=PATH).status == 200
    calls = connector.salesforce.calls()
    reply = social.post(older, path=PATH)
    assert reply.status == 200, reply.body
    assert connector.salesforce.calls() == calls
    assert connector.salesforce.one("Social_Conversation__c", Conversation_Id__c="c15")["Last_Message__c"] == "newer"


def test_an_older_match_that_agrees_with_the_kept_one_answers_synced_unchanged(connector: Connector) -> None:
    # given a user matched at 11:00 to a Contact from Salesforce's side (the kept match)
    seeded = connector.salesforce.seed({"Contact": [{"LastName": "Both", "Email": "both@example.com"}]})
    contact = str(seeded["Contact"][0])
    store = SocialLinkStore(connector.aws.sync_state_table, connector.aws.dynamodb)
    store.link(UserLink("u-both", "Contact", contact, "2026-11-23T11:00:00.000000Z"))
    # when the inbox's own match of the user to the same Contact, made at 10:00, arrives
    older = event_body("user.matched", occurred_at="2026-11-23T10:00:00Z", salesforce_contact_id=contact)
    older["data"]["user"]["id"] = "u-both"
    reply = connector.trigger("conversation_routing").post(older, path="/v1/social/conversations")
    # then it is synced, unchanged, not ignored
    assert reply.status == 200, reply.body
    assert (reply.body["status"], reply.body.get("unchanged")) == ("synced", True)


def test_the_360_view_answers_422_for_a_page_no_integer_parses(connector: Connector) -> None:
    # given a matched user
    contact_id = contact(connector)
    assert connector.trigger("conversation_routing").post(matched("u-c8b", contact_id), path=PATH).status == 200
    # when a page or page size is a superscript digit, or more digits than int() reads
    for query in ("?page=%C2%B2", "?page_size=%C2%B2", "?page=" + "1" * 5000, "?page=-1", "?page_size=0"):
        # then 422 naming the parameter, never a 500
        status, body = activity(connector, "u-c8b", query)
        assert status == 422, (query[:20], status, body)


def test_a_user_match_to_a_record_of_another_object_is_refused_and_never_poisons_later_conversations(
    connector: Connector,
) -> None:
    social = connector.trigger("conversation_routing")
    # when the user is matched to a Case id (or an Account id in Contact mode), before any of their
    # conversations is in Salesforce
    for wrong in ("500000000000001AAA", "001000000000001AAA"):
        reply = social.post(matched("u-c10", wrong), path=PATH)
        # then 422 naming the field, and no match kept
        assert reply.status == 422, reply.body
        assert reply.body["errors"][0]["loc"][-1] == "salesforce_contact_id"
    # and the user's next conversation routed to a team is pushed, linked to nothing
    reply = social.post(routed("c10", "u-c10", team="Support FR"), path=PATH)
    assert reply.status == 200, reply.body
    assert connector.salesforce.one("Social_Conversation__c", Conversation_Id__c="c10")["Contact__c"] is None


def test_a_person_account_kept_as_the_match_in_contact_mode_links_later_conversations_as_one(
    connector: Connector,
) -> None:
    # given a Contact-mode org whose Salesforce flow linked the user to a Person Account
    # (conversation.contact_linked with salesforce_object Account keeps it as an Account)
    account = str(connector.salesforce.seed({"Account": [{"Name": "Camille Martin"}]})["Account"][0])
    store = SocialLinkStore(connector.aws.sync_state_table, connector.aws.dynamodb)
    store.link(UserLink("u-pa", "Account", account, "2026-11-23T09:00:00.000000Z"))
    # when the user's next conversation is routed
    reply = connector.trigger("conversation_routing").post(routed("c-pa", "u-pa", team="Support FR"), path=PATH)
    # then it is linked to the Person Account (never as a Contact: Salesforce refused that write)
    assert reply.status == 200, reply.body
    row = connector.salesforce.one("Social_Conversation__c", Conversation_Id__c="c-pa")
    assert (row["Person_Account__c"], row["Contact__c"]) == (account, None)


def test_two_conversations_of_one_user_at_the_same_time_end_with_one_opened(connector: Connector) -> None:
    # given two containers of the function, and a first conversation of a new user whose write
    # Salesforce keeps waiting
    first_container = connector.container("conversation_routing")
    second_container = connector.container("conversation_routing")
    first = routed("c20-a", "u-c20", offset=1, previous_conversations=[])
    second = routed("c20-b", "u-c20", previous_conversations=[])
    connector.salesforce.fault(latency_ms=3000, match="Conversation_Id__c/c20-a", count=1)
    answers: list[Any] = []
    runner = threading.Thread(target=lambda: answers.append(first_container.post(first, path=PATH)))
    runner.start()
    # the first holds the user's claim (then reads the user's conversations, none, and waits on its
    # write): waited for, not slept for, so that a slow machine cannot let the second in first
    wait_for_user_claim(connector, "u-c20")
    # when the second conversation of that user arrives meanwhile
    busy = second_container.post(second, path=PATH)
    runner.join(30)
    # then it waits for the first (queued, as an entity busy), and once retried from the queue the
    # user has exactly one Opened conversation, the newer
    assert answers[0].status == 200, answers[0].body
    assert busy.status == 202, busy.body
    connector.trigger("conversation_routing").drain_queue()
    assert statuses(connector, "u-c20") == {"c20-a": "Opened", "c20-b": "Closed"}


def wait_for_user_claim(connector: Connector, user_id: str, timeout: float = 10.0) -> None:
    key = {"pk": {"S": f"claim#{USER_CLAIM}#{user_id}"}, "sk": {"S": CLAIM_SK}}
    deadline = time.monotonic() + timeout
    while "Item" not in connector.aws.dynamodb.get_item(TableName=connector.aws.sync_state_table, Key=key):
        assert time.monotonic() < deadline, f"nobody took the claim of {user_id} within {timeout} s"
        time.sleep(0.02)


def test_a_conversation_waiting_on_its_users_claim_is_never_dead_lettered_for_it(connector: Connector) -> None:
    # given another conversation of the user holding the user's claim through every attempt the
    # queue allows (MAX_RECEIVE_COUNT 3): a steady stream of that user's conversations
    claims = ClaimStore(connector.aws.sync_state_table, connector.aws.dynamodb, lease_seconds=600)
    assert claims.acquire(USER_CLAIM, "u-c21", "another-conversation")
    function = connector.trigger("conversation_routing")
    busy = function.post(routed("c21-a", "u-c21", previous_conversations=[]), path=PATH)
    assert busy.status == 202, busy.body
    # when the queue has tried it as often as it allows, and receives it again
    for _ in range(3):
        function.drain_queue()
    state = connector.sync_state("social", "conversation", "c21-a").body
    function.drain_queue()
    # then waiting was not a failure: still QUEUED, its waits not counted as spent attempts (the
    # reconciler gives up on those were its message lost), nothing in the DLQ; and once the other
    # conversation is done it is synced
    assert (state["status"], state["attempts"] < 3) == ("QUEUED", True), state
    assert function.dead_letters() == []
    claims.release(USER_CLAIM, "u-c21", "another-conversation")
    function.drain_queue()
    assert statuses(connector, "u-c21") == {"c21-a": "Opened"}


def test_the_360_view_answers_422_for_a_user_id_no_social_user_can_have(connector: Connector) -> None:
    # given user ids the inbox's events never carry: longer than a user id may be, or with other characters
    for user_id in ("u" * 3000, "u%20with%20spaces", "%C3%A9t%C3%A9"):
        # when the 360° view is asked for one
        status, body = activity(connector, user_id)
        # then 422 naming the path parameter, never a 500 (nor a lookup)
        assert status == 422, (user_id[:20], status, body)
        assert body["errors"][0]["loc"] == ["path", "user_id"], body


def test_a_first_push_that_lists_an_earlier_conversation_twice_creates_it_once(connector: Connector) -> None:
    # given a first push whose 30 earlier conversations (past one composite) name two of them twice
    earlier = [{"conversation_id": f"c22-old-{i % 28}", "status": "closed"} for i in range(30)]
    # when it is synced
    reply = connector.trigger("conversation_routing").post(
        routed("c22", "u-c22", previous_conversations=earlier), path=PATH
    )
    # then it is synced (Salesforce refuses one collection call naming a key twice), each conversation once
    assert reply.status == 200, reply.body
    found = statuses(connector, "u-c22")
    assert len(found) == 29 and [k for k, v in found.items() if v == "Opened"] == ["c22"]
