"""Issue 11, orders left Guest: an order placed before its customer registered is a guest order,
linked to the Guest Contact made for its email. When that Contact is converted to the registered
customer, the customer's known orders become registered orders too, in the conversion's own call."""

from __future__ import annotations

from typing import Any

from test_batch import queue
from test_order_use_cases import guest_order, ocapi_order
from trigger_events import event_body, now_iso


def _guest_orders(connector: Any, *order_nos: str) -> None:
    connector.storefront.seed({"orders": [ocapi_order(no, "gus@example.com") for no in order_nos]})
    for no in order_nos:
        assert connector.order_header.post(guest_order(no, occurred_at=now_iso(-30))).status == 200
    assert {o["Customer_Type__c"] for o in connector.salesforce.records("Order")} == {"Guest"}


def _registration() -> dict[str, Any]:
    body = event_body("customer.registered")
    body["data"]["customer"].update(customer_no="00006001", email="gus@example.com")
    return body


def test_a_conversion_reflags_the_guests_orders_registered_in_its_own_call(connector: Any) -> None:
    # given two guest orders of gus@example.com
    _guest_orders(connector, "00006101", "00006102")
    connector.salesforce.admin("POST", "counters/reset")

    # when Gus registers
    status, answer = connector.registration.post(_registration())

    # then his Guest Contact is converted and both orders are registered ones, in the same composite
    assert (status, answer.get("converted")) == (200, True)
    orders = connector.salesforce.records("Order")
    assert {(o["Customer_Type__c"], o["Commerce_Sync_Status__c"]) for o in orders} == {("Registered", "Synchronized")}
    assert connector.salesforce.counters()["by_operation"].get("composite") == 1


def test_a_later_update_of_a_reflagged_order_keeps_it_registered(connector: Any) -> None:
    _guest_orders(connector, "00006101")
    assert connector.registration.post(_registration()).status == 200

    update = guest_order("00006101")
    update["event_type"] = "order.updated"
    assert connector.order_header.post(update).status == 200

    assert connector.salesforce.one("Order", Commerce_Order_No__c="00006101")["Customer_Type__c"] == "Registered"


def test_a_conversion_from_the_queue_reflags_the_guests_orders(connector: Any) -> None:
    _guest_orders(connector, "00006101")
    queue(connector, _registration())

    assert connector.registration.drain_queue() == {"batchItemFailures": []}

    assert connector.salesforce.one("Order", Commerce_Order_No__c="00006101")["Customer_Type__c"] == "Registered"
