"""Concurrent deliveries, as Lambda runs them: one request per container, several containers of one
function at once (DESIGN §1 create-once claims, §2 409 for a delivery still in progress)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from trigger_events import event_body


def test_concurrent_registrations_of_one_new_customer_make_one_contact(connector: Any) -> None:
    containers = [connector.container("registration") for _ in range(6)]
    bodies = [event_body("customer.registered") for _ in containers]
    connector.salesforce.fault(latency_ms=100)  # keep the deliveries overlapping

    with ThreadPoolExecutor(max_workers=len(containers)) as pool:
        answers = list(pool.map(lambda pair: pair[0].post(pair[1]), zip(containers, bodies, strict=True)))

    assert {a.status for a in answers} <= {200, 202}, answers
    connector.salesforce.clear_faults()
    for _ in range(5):
        if not connector.registration.drain_queue():
            break
    assert connector.sync_status("customer", "00001001") == "SYNCED"
    assert len(connector.salesforce.find("Contact", Commerce_Customer_No__c="00001001")) == 1
    assert len(connector.salesforce.records("Account")) == 1


def test_concurrent_guest_orders_of_one_email_make_one_guest_contact(connector: Any) -> None:
    order_nos = [f"0000300{i}" for i in range(4)]
    connector.storefront.seed(
        {
            "orders": [
                {"order_no": no, "site_id": "RefArch", "customer_info": {"email": "gus@example.com"}}
                for no in order_nos
            ]
        }
    )
    containers = [connector.container("order_header") for _ in order_nos]
    bodies = []
    for no in order_nos:
        body = event_body("order.created.guest-header-only")
        body["data"]["order"]["order_no"] = no
        bodies.append(body)
    connector.salesforce.fault(latency_ms=100)

    with ThreadPoolExecutor(max_workers=len(containers)) as pool:
        answers = list(pool.map(lambda pair: pair[0].post(pair[1]), zip(containers, bodies, strict=True)))

    assert {a.status for a in answers} <= {200, 202}, answers
    connector.salesforce.clear_faults()
    for _ in range(5):
        if not connector.order_header.drain_queue():
            break
    assert len(connector.salesforce.find("Contact", Email="gus@example.com")) == 1
    orders = connector.salesforce.records("Order")
    assert len(orders) == 4
    assert len({o["Contact__c"] for o in orders}) == 1


def test_a_delivery_of_an_event_still_in_progress_is_409_and_the_first_delivery_completes(connector: Any) -> None:
    first_container, second_container = connector.container("registration"), connector.container("registration")
    body = event_body("customer.registered")
    connector.salesforce.fault(latency_ms=1500, match="/composite", count=1)
    first: list[Any] = []
    runner = threading.Thread(target=lambda: first.append(first_container.post(body)))
    runner.start()
    time.sleep(0.4)  # the first delivery is waiting on Salesforce

    status, answer = second_container.post(body)
    runner.join(10)

    assert status == 409
    assert [e["loc"] for e in answer["errors"]] == [["event_id"]]
    assert first[0].status == 200
    assert len(connector.salesforce.records("Contact")) == 1
    assert second_container.post(body) == first[0]
