"""Issue 11: values no storefront sends are a 422 naming the field, and nothing is written."""

from __future__ import annotations

from typing import Any

from trigger_events import event_body


def test_a_nul_in_a_customers_name_is_422_naming_it_and_writes_nothing(connector: Any) -> None:
    body = event_body("customer.registered")
    body["data"]["customer"]["first_name"] = "Ja\x00ne"

    status, answer = connector.registration.post(body)

    assert status == 422
    assert ["data", "customer", "first_name"] in [e["loc"] for e in answer["errors"]]
    assert connector.salesforce.calls() == 0


def test_an_integer_occurred_at_is_422_naming_it_and_writes_nothing(connector: Any) -> None:
    body = event_body("order.created") | {"occurred_at": 1796287813}

    status, answer = connector.order_header.post(body)

    assert status == 422
    assert ["occurred_at"] in [e["loc"] for e in answer["errors"]]
    assert connector.salesforce.calls() == 0
