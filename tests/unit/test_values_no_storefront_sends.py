"""Issue 11: values no storefront sends are refused, naming the field: control characters (NUL
first) in names and emails, years before 1900 or after 2200 in dates and `occurred_at`, and an
`occurred_at` that is a number rather than an RFC 3339 string. The envelope's rule holds for every
family's events, since all of them are envelopes."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from connector.chat.end_events import ChatEnded
from connector.commerce.case_events import ContactUsSubmitted
from connector.commerce.models import CustomerChanged, CustomerOptedIn
from connector.commerce.order_events import OrderChanged
from connector.loyalty.models import OfferIssue
from connector.social.models import ConversationChanged


def _refused_at(model: type[BaseModel], body: dict[str, Any]) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(body)
    return [tuple(error["loc"]) for error in refused.value.errors()]


def _with(body: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("model", "event", "path"),
    [
        (CustomerChanged, "customer.registered", ("data", "customer", "first_name")),
        (CustomerChanged, "customer.registered", ("data", "customer", "last_name")),
        (CustomerChanged, "customer.registered", ("data", "customer", "email")),
        (CustomerOptedIn, "customer.opted_in", ("data", "email")),
        (ContactUsSubmitted, "contact_us.submitted", ("data", "case", "last_name")),
    ],
)
@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f"])
def test_a_control_character_in_a_name_or_email_is_refused_naming_the_field(
    contract_event: Any, model: type[BaseModel], event: str, path: tuple[str, ...], control: str
) -> None:
    body = contract_event(event)
    node: Any = body
    for key in path:
        node = node[key]
    value = str(node)
    tainted = value.replace("@", f"{control}@") if "@" in value else f"Jo{control}hn"

    assert path in _refused_at(model, _with(body, path, tainted))


@pytest.mark.parametrize("occurred_at", ["1899-12-31T23:59:59Z", "2201-01-01T00:00:00Z"])
def test_an_occurred_at_before_1900_or_after_2200_is_refused(contract_event: Any, occurred_at: str) -> None:
    body = contract_event("customer.registered") | {"occurred_at": occurred_at}
    assert ("occurred_at",) in _refused_at(CustomerChanged, body)


@pytest.mark.parametrize("occurred_at", [1796287813, 1796287813.5, True])
def test_a_numeric_occurred_at_is_refused(contract_event: Any, occurred_at: Any) -> None:
    body = contract_event("customer.registered") | {"occurred_at": occurred_at}
    assert ("occurred_at",) in _refused_at(CustomerChanged, body)


@pytest.mark.parametrize(
    ("model", "event", "path", "value"),
    [
        (CustomerChanged, "customer.registered", ("data", "customer", "birthday"), "1899-12-31"),
        (CustomerChanged, "customer.registered", ("data", "customer", "birthday"), "2201-01-01"),
        (OrderChanged, "order.created", ("data", "order", "creation_date"), "1850-01-01T00:00:00Z"),
        (OrderChanged, "order.created", ("data", "order", "creation_date"), "2999-01-01T00:00:00Z"),
    ],
)
def test_a_commerce_date_outside_1900_to_2200_is_refused_naming_it(
    contract_event: Any, model: type[BaseModel], event: str, path: tuple[str, ...], value: str
) -> None:
    assert path in _refused_at(model, _with(contract_event(event), path, value))


@pytest.mark.parametrize(
    ("model", "event"),
    [(ChatEnded, "chat.ended"), (ConversationChanged, "conversation.routed"), (OfferIssue, "offer.issue")],
)
def test_every_familys_events_inherit_the_envelopes_occurred_at_rule(
    contract_event: Any, model: type[BaseModel], event: str
) -> None:
    assert ("occurred_at",) in _refused_at(model, contract_event(event) | {"occurred_at": 1796287813})
    assert ("occurred_at",) in _refused_at(model, contract_event(event) | {"occurred_at": "1800-01-01T00:00:00Z"})


def test_years_1900_and_2200_themselves_are_accepted(contract_event: Any) -> None:
    body = _with(contract_event("customer.registered"), ("data", "customer", "birthday"), "1900-01-01")
    assert CustomerChanged.model_validate(body).data.customer.birthday is not None
    order = _with(contract_event("order.created"), ("data", "order", "creation_date"), "2200-12-31T23:59:59Z")
    assert OrderChanged.model_validate(order)
