"""Issue 11, orders left Guest, the race: an order of a customer whose Guest Contact is being
converted, written between the conversion's read of the guest's orders and the conversion itself,
must not stay `Customer_Type__c = Guest` (the fault soak found one such order in 500 events).

Each test interleaves the two workflows at the bad point, deterministically: a hook on the Salesforce
emulator (served over HTTP in a thread) runs the second workflow when the first one's write reaches
Salesforce, before the emulator handles that write. The first workflow's invocation waits on its
HTTP call meanwhile, so the two never touch the (in-process, not thread-safe) moto at once."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import flask
from test_order_use_cases import guest_order, ocapi_order
from trigger_events import event_body, now_iso

CUSTOMER_NO = "00006001"
EMAIL = "gus@example.com"


@contextlib.contextmanager
def on_salesforce_write(salesforce: Any, containing: str, then: Callable[[], Any]) -> Iterator[list[Any]]:
    """Run `then` once, when the first write (not a GET) whose path or body holds `containing`
    reaches the emulator, before the emulator handles it; its result is collected in the list."""
    done: list[Any] = []

    def hook() -> None:
        request = flask.request
        seen = request.path + request.get_data(as_text=True)
        if not done and request.method != "GET" and containing in seen:
            done.append(then())

    hooks = salesforce.app.before_request_funcs.setdefault(None, [])
    hooks.append(hook)
    try:
        yield done
    finally:
        hooks.remove(hook)


def _order_of_gus(order_no: str) -> dict[str, Any]:
    return guest_order(order_no, occurred_at=now_iso(-30))


def _gus_has_a_guest_order(connector: Any) -> None:
    """Gus ordered before he registered (OCAPI names his customer number): a Guest Contact and order."""
    connector.storefront.seed({"orders": [ocapi_order(no, EMAIL, CUSTOMER_NO) for no in ("00006101", "00006102")]})
    assert connector.order_header.post(_order_of_gus("00006101")).status == 200
    assert connector.salesforce.one("Order", Commerce_Order_No__c="00006101")["Customer_Type__c"] == "Guest"


def _registration_of_gus() -> dict[str, Any]:
    body = event_body("customer.registered")
    body["data"]["customer"].update(customer_no=CUSTOMER_NO, email=EMAIL)
    return body


def _drain(connector: Any, *triggers: str) -> None:
    for trigger in triggers:
        while connector.trigger(trigger).drain_queue() is not None:
            pass


def _customer_type(connector: Any, order_no: str) -> str:
    return str(connector.salesforce.one("Order", Commerce_Order_No__c=order_no)["Customer_Type__c"])


def test_an_order_arriving_while_its_customer_is_converted_ends_registered(connector: Any) -> None:
    # given Gus's guest order, and his registration, which converts his Guest Contact
    _gus_has_a_guest_order(connector)

    # when his second order arrives after the conversion read his guest orders, before it converts
    with on_salesforce_write(
        connector.salesforce,
        "Commerce_Converted_At__c",
        lambda: connector.order_header.post(_order_of_gus("00006102")),
    ) as second_order:
        assert connector.registration.post(_registration_of_gus()).status == 200
    assert len(second_order) == 1
    _drain(connector, "order_header", "registration")

    # then both his orders are registered ones
    assert {_customer_type(connector, no) for no in ("00006101", "00006102")} == {"Registered"}


def test_a_conversion_arriving_while_an_order_of_the_customer_is_written_leaves_no_order_guest(connector: Any) -> None:
    # given Gus's guest order
    _gus_has_a_guest_order(connector)

    # when his registration arrives while his second order, read as a guest's, is being written
    with on_salesforce_write(
        connector.salesforce, "00006102", lambda: connector.registration.post(_registration_of_gus())
    ) as registration:
        assert connector.order_header.post(_order_of_gus("00006102")).status == 200
    assert len(registration) == 1
    _drain(connector, "registration", "order_header")

    # then his Contact is converted, and both his orders are registered ones
    assert connector.salesforce.one("Contact", Email=EMAIL)["Customer_Type__c"] == "Registered"
    assert {_customer_type(connector, no) for no in ("00006101", "00006102")} == {"Registered"}


def test_an_update_of_a_guest_order_written_while_its_customer_is_converted_keeps_it_registered(
    connector: Any,
) -> None:
    # given Gus's guest order, and an update of it whose header names no customer (OCAPI does)
    _gus_has_a_guest_order(connector)
    update = guest_order("00006101", status="completed")
    update["event_type"] = "order.updated"

    # when Gus registers while the update, which read the order as a guest's, is being written
    with on_salesforce_write(
        connector.salesforce, "completed", lambda: connector.registration.post(_registration_of_gus())
    ) as registration:
        assert connector.order_header.post(update).status == 200
    assert [reply.status for reply in registration] == [200]

    # then the order shows the update and stays the registered order the conversion made it
    order = connector.salesforce.one("Order", Commerce_Order_No__c="00006101")
    assert (order["Commerce_Order_Status__c"], order["Customer_Type__c"]) == ("completed", "Registered")
