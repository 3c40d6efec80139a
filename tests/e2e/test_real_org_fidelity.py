"""Issue 7 ("real-org fidelity"): what a production org and storefront answer that the happy path
never shows (per-record and per-subrequest refusals, replication lag, refused events), end to end
through the local stack with the emulators switched into the matching real-org behaviour."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from example_events import body_of, unique
from salesforce_org import SalesforceOrg, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def org(stack: Any) -> Iterator[SalesforceOrg]:
    org = SalesforceOrg(stack.salesforce)
    org.clear_faults()
    yield org
    org.clear_faults()


def registration(customer_no: str, *, at: str, minimal: bool = False, **profile: Any) -> dict[str, Any]:
    body = body_of(
        "customer.registered.minimal" if minimal else "customer.registered",
        site_id="RefArch",
        customer_list_id="RefArchGlobal",
    )
    body["occurred_at"] = at
    body["data"]["customer"].update(customer_no=customer_no, email=f"{customer_no.lower()}@example.com", **profile)
    return body


def sync_state(stack: Any, entity: str, key: str) -> dict[str, Any] | None:
    resp = stack.get(f"/v1/sync/commerce/{entity}/{key}")
    return dict(resp.json()) if resp.status_code == 200 else None


def synced(stack: Any, customer_no: str) -> dict[str, Any] | None:
    state = sync_state(stack, "customer", customer_no)
    return state if state is not None and state["status"] == "SYNCED" else None


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- rejected events ----------------------------------------------------------------------------------


def test_an_older_valid_event_after_a_rejected_newer_one_is_synced_not_dropped_as_stale(
    stack: Any, org: SalesforceOrg
) -> None:
    # given a newer update of a customer that Salesforce refuses as the caller's bad data (a 422)
    no = unique("C")
    org.inject_fault(
        status=400, errorCode="STRING_TOO_LONG", message="Last Name: data value too large", fields=["LastName"], count=1
    )
    refused = stack.send(registration(no, at="2026-11-23T12:00:00Z", last_name="Refused"))
    assert refused.status_code == 422, refused.text

    # when an older, valid event of that customer arrives (the sender's retry of what it had before)
    older = stack.send(registration(no, at="2026-11-23T11:00:00Z", last_name="Older"))

    # then it is synchronized, not dropped as superseded by the refused one
    assert older.status_code == 200, older.text
    assert older.json().get("stale") is not True
    assert [c["LastName"] for c in org.contacts_with_customer_no(no, "LastName")] == ["Older"]
    assert sync_state(stack, "customer", no)["source_version"].startswith("2026-11-23T11:00:00")  # type: ignore[index]


# -- storefront lag -----------------------------------------------------------------------------------


@pytest.fixture
def storefront(stack: Any) -> Iterator[str]:
    """The commerce emulator's base URL; its replication lag is turned off again afterwards."""
    base = str(stack.health["commerce"]).rstrip("/")
    yield base
    requests.put(f"{base}/_admin/replication-lag", json={}, timeout=10).raise_for_status()


def replication_lag(storefront: str, **lag: float) -> None:
    requests.put(f"{storefront}/_admin/replication-lag", json=lag, timeout=10).raise_for_status()


def seed(storefront: str, **documents: list[dict[str, Any]]) -> None:
    requests.post(f"{storefront}/_admin/seed", json=documents, timeout=10).raise_for_status()


def test_a_just_registered_customer_ocapi_does_not_show_yet_is_queued_then_synchronized(
    stack: Any, org: SalesforceOrg, storefront: str
) -> None:
    # given a storefront whose OCAPI replica answers 404 for a new customer's first two reads
    no = unique("L")
    replication_lag(storefront, reads=2)
    seed(storefront, customers=[{"customer_no": no, "email": f"{no.lower()}@example.com", "first_name": "Ana"}])

    # when the storefront's webhook announces the registration at once, with only the keys
    resp = stack.send(registration(no, at=iso(datetime.now(UTC)), minimal=True))

    # then it is accepted and waits for the replica, and ends synchronized with OCAPI's profile
    assert resp.status_code == 202, resp.text
    wait_for(lambda: (s := sync_state(stack, "customer", no)) and s["status"] == "SYNCED")
    assert [c["FirstName"] for c in org.contacts_with_customer_no(no, "FirstName")] == ["Ana"]


def test_a_just_placed_order_ocapi_does_not_show_yet_is_a_draft_then_linked(
    stack: Any, org: SalesforceOrg, storefront: str
) -> None:
    order_no = unique("O")
    replication_lag(storefront, reads=1)
    info = {"email": f"{order_no.lower()}@example.com", "customer_name": "Gus Guest"}
    seed(storefront, orders=[{"order_no": order_no, "site_id": "RefArch", "currency": "USD", "customer_info": info}])
    body = body_of("order.created.guest-header-only")
    body["occurred_at"] = iso(datetime.now(UTC))
    body["data"]["order"].update(order_no=order_no, salesforce_contact_id=None)

    resp = stack.send(body)

    assert resp.status_code == 202, resp.text
    wait_for(lambda: (s := sync_state(stack, "order", order_no)) and s["status"] == "SYNCED")
    (row,) = org.query(
        f"SELECT Contact__c, Commerce_Sync_Status__c FROM Order WHERE Commerce_Order_No__c = '{order_no}'"
    )
    assert row["Contact__c"] and row["Commerce_Sync_Status__c"] == "Created"


def test_a_customer_ocapi_still_does_not_know_after_the_lag_window_is_dead_lettered_with_the_reason(
    stack: Any, org: SalesforceOrg
) -> None:
    # given a registration event 20 minutes old (the default window is 15) for a customer OCAPI has not
    no = unique("L")

    resp = stack.send(registration(no, at=iso(datetime.now(UTC) - timedelta(minutes=20)), minimal=True))

    # then it is accepted (the event was valid), dead-lettered with the reason, and nothing is written
    assert resp.status_code == 202, resp.text
    state = wait_for(lambda: sync_state(stack, "customer", no))
    assert state["status"] == "DEAD"
    assert "the storefront has no customer with this number 20 minutes after the event" in state["last_error"]
    assert org.contacts_with_customer_no(no) == []


# -- error codes ----------------------------------------------------------------------------------------


def salesforce_requests(stack: Any, match: str) -> list[dict[str, Any]]:
    resp = requests.get(f"{stack.salesforce}/_admin/requests", params={"match": match}, timeout=10)
    resp.raise_for_status()
    return list(resp.json())


def test_a_duplicate_on_a_unique_field_the_connector_does_not_race_on_is_dead_at_once(
    stack: Any, org: SalesforceOrg
) -> None:
    # given an org with an email-unique custom field that another Contact already holds this email in
    no = unique("D")
    message = "duplicate value found: Email_Key__c duplicates value on record with id: 003000000000001AAA"
    org.inject_fault(status=400, errorCode="DUPLICATE_VALUE", message=message, match=no)

    resp = stack.send(registration(no, at="2026-11-23T10:00:00Z"))

    # then the refusal is permanent: dead-lettered with the error after one call, not retried to death
    assert resp.status_code == 202, resp.text
    state = sync_state(stack, "customer", no)
    assert state is not None
    assert (state["status"], state["attempts"]) == ("DEAD", 1)
    assert "DUPLICATE_VALUE" in state["last_error"]
    assert len(salesforce_requests(stack, no)) == 1


def test_a_300_for_an_upsert_inside_a_composite_is_dead_at_once_not_a_success(stack: Any, org: SalesforceOrg) -> None:
    # given a new customer list (its Account and the Contact are one composite call) in an org where
    # several Contacts carry the customer number (an external id deployed without "unique")
    no = unique("M")
    org.inject_fault(scope="subrequest", referenceId="contact", status=300, count=1)

    resp = stack.send(registration(no, at="2026-11-23T10:00:00Z") | {"data": _in_new_list(no)})

    assert resp.status_code == 202, resp.text
    state = sync_state(stack, "customer", no)
    assert state is not None
    assert state["status"] == "DEAD"
    assert "300 MULTIPLE_CHOICES" in state["last_error"]


def _in_new_list(no: str) -> dict[str, Any]:
    data = registration(no, at="2026-11-23T10:00:00Z")["data"]
    data["customer_list_id"] = unique("List")
    return dict(data)


def test_an_id_the_integration_user_can_no_longer_see_heals_the_identity_map_and_relinks(
    stack: Any, org: SalesforceOrg
) -> None:
    # given a synchronized customer (the identity map knows its Contact)
    no = unique("H")
    first = stack.send(registration(no, at="2026-11-23T10:00:00Z"))
    assert first.status_code == 200, first.text
    # and an org that refuses the remembered Id in the next write's Contact subrequest
    org.inject_fault(
        scope="subrequest",
        referenceId="contact",
        errorCode="INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
        count=1,
    )

    # when the customer moves to another customer list (a new Account: one composite call)
    moved = registration(no, at="2026-11-23T11:00:00Z")
    moved["event_type"] = "customer.updated"
    moved["data"]["customer_list_id"] = unique("List")
    resp = stack.send(moved)

    # then the stale entries are forgotten and the write runs again: synchronized now, under the new Account
    assert resp.status_code == 200, resp.text
    (contact,) = org.contacts_with_customer_no(no, "Id, AccountId")
    assert contact["AccountId"] == resp.json()["account_id"]


def test_a_lock_on_one_record_of_a_registration_batch_retries_only_that_record(stack: Any, org: SalesforceOrg) -> None:
    # given three registrations queued together (Salesforce was down when they arrived)
    stack.send(registration(unique("W"), at="2026-11-23T10:00:00Z"))  # the list's Account is known
    prefix = unique("B")
    numbers = [f"{prefix}{n}" for n in (1, 2, 3)]
    org.inject_fault(status=503, errorCode="SERVER_UNAVAILABLE", match=prefix, count=3)
    # and a lock on the second one's row when the queue writes the batch
    org.inject_fault(scope="record", externalId=numbers[1], errorCode="UNABLE_TO_LOCK_ROW", count=1)

    answers = [stack.send(registration(n, at="2026-11-23T10:00:00Z")).status_code for n in numbers]

    # then all three end synchronized, and only the locked one needed a second attempt
    assert answers == [202, 202, 202]
    states = [
        wait_for(lambda n=n: (s := sync_state(stack, "customer", n)) and s["status"] == "SYNCED" and s) for n in numbers
    ]
    assert [s["attempts"] for s in states] == [1, 2, 1]
    assert all(len(org.contacts_with_customer_no(n)) == 1 for n in numbers)
