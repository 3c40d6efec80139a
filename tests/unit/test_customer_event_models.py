"""`connector.commerce.models`: the storefront's customer events, against the canonical contract bodies."""

from typing import Any

import pytest
from pydantic import ValidationError

from connector.commerce.models import CustomerChanged
from connector.state import EntityRef

MODELS = {"customer.registered": CustomerChanged, "customer.updated": CustomerChanged}


def error_locs(raised: pytest.ExceptionInfo[ValidationError]) -> list[tuple[Any, ...]]:
    return [tuple(e["loc"]) for e in raised.value.errors()]


# -- the canonical bodies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("customer.registered", CustomerChanged),
        ("customer.registered.minimal", CustomerChanged),
        ("customer.updated", CustomerChanged),
    ],
)
def test_canonical_body_is_accepted_as_it_stands(contract_event, name, model):
    body = contract_event(name)

    event = model.model_validate(body)

    assert event.event_id == body["event_id"]
    assert event.data.customer.customer_no == body["data"]["customer"]["customer_no"]


def test_full_registration_keeps_the_ocapi_profile(registered_body):
    event = CustomerChanged.model_validate(registered_body)

    customer = event.data.customer
    assert (event.data.site_id, event.data.customer_list_id) == ("RefArch", "RefArchGlobal")
    assert (customer.first_name, customer.last_name, customer.email) == ("Jane", "Doe", "jane.doe@example.com")
    assert customer.birthday.isoformat() == "1990-04-12"
    assert customer.preferred_address.city == "Burlington"
    assert not customer.is_minimal


def test_minimal_registration_is_recognised_as_minimal(minimal_registered_body):
    event = CustomerChanged.model_validate(minimal_registered_body)

    assert event.data.customer.is_minimal
    assert event.data.customer.addresses == []
    assert event.data.customer.preferred_address is None


def test_customer_event_is_about_the_commerce_customer_with_that_number(registered_body):
    event = CustomerChanged.model_validate(registered_body)

    assert event.entity() == EntityRef("commerce", "customer", "00001001")


def test_update_is_about_the_same_entity_as_the_registration(registered_body, updated_body):
    registered = CustomerChanged.model_validate(registered_body)
    updated = CustomerChanged.model_validate(updated_body)

    assert updated.entity() == registered.entity()


def test_version_is_occurred_at_normalized_to_utc_microseconds_then_the_event_id(registered_body):
    event = CustomerChanged.model_validate(registered_body)

    assert event.version == "2026-11-23T10:00:00.000000Z#evt-c-0001"


def test_version_of_an_offset_timestamp_is_its_utc_instant(registered_body):
    registered_body["occurred_at"] = "2026-11-23T11:00:00.5+01:00"

    event = CustomerChanged.model_validate(registered_body)

    assert event.instant == "2026-11-23T10:00:00.500000Z"


def test_later_event_has_the_greater_version(registered_body, updated_body):
    registered = CustomerChanged.model_validate(registered_body)
    updated = CustomerChanged.model_validate(updated_body)

    assert updated.version > registered.version


def test_email_is_kept_in_lower_case(registered_body):
    registered_body["data"]["customer"]["email"] = "Jane.Doe@Example.COM"

    event = CustomerChanged.model_validate(registered_body)

    assert event.data.customer.email == "jane.doe@example.com"


def test_unknown_extra_fields_are_accepted_and_ignored(registered_body):
    registered_body["data"]["customer"]["c_loyaltyTier"] = "gold"
    registered_body["trace_id"] = "abc"

    event = CustomerChanged.model_validate(registered_body)

    assert not hasattr(event.data.customer, "c_loyaltyTier")


# -- what is rejected ----------------------------------------------------------------------------------


def test_missing_customer_no_is_rejected_naming_the_field(registered_body):
    del registered_body["data"]["customer"]["customer_no"]

    with pytest.raises(ValidationError) as raised:
        CustomerChanged.model_validate(registered_body)

    assert error_locs(raised) == [("data", "customer", "customer_no")]
    assert raised.value.errors()[0]["type"] == "missing"


@pytest.mark.parametrize("email", ["not-an-email", "jane@", "@example.com", "jane doe@example.com", "a@b@c.com", ""])
def test_bad_email_is_rejected_naming_the_field(registered_body, email):
    registered_body["data"]["customer"]["email"] = email

    with pytest.raises(ValidationError) as raised:
        CustomerChanged.model_validate(registered_body)

    assert error_locs(raised) == [("data", "customer", "email")]


def test_missing_email_is_rejected_naming_the_field(minimal_registered_body):
    del minimal_registered_body["data"]["customer"]["email"]

    with pytest.raises(ValidationError) as raised:
        CustomerChanged.model_validate(minimal_registered_body)

    assert error_locs(raised) == [("data", "customer", "email")]


@pytest.mark.parametrize("customer_no", ["", "0000 1001", "00001001'--", "a" * 81])
def test_customer_no_that_is_not_a_key_is_rejected(registered_body, customer_no):
    registered_body["data"]["customer"]["customer_no"] = customer_no

    with pytest.raises(ValidationError) as raised:
        CustomerChanged.model_validate(registered_body)

    assert error_locs(raised) == [("data", "customer", "customer_no")]


@pytest.mark.parametrize("customer_no", ["..", ".", "...", "a/b"])
def test_customer_no_that_would_change_a_request_path_is_rejected(registered_body, customer_no):
    # ".." and "." are dot segments HTTP clients resolve away; "/" would be read as another segment.
    registered_body["data"]["customer"]["customer_no"] = customer_no

    with pytest.raises(ValidationError) as raised:
        CustomerChanged.model_validate(registered_body)

    assert error_locs(raised) == [("data", "customer", "customer_no")]


@pytest.mark.parametrize("event_id", ["..", "."])
def test_an_event_id_of_dots_is_rejected_since_it_keys_a_case_upsert(registered_body, event_id):
    registered_body["event_id"] = event_id

    with pytest.raises(ValidationError) as raised:
        CustomerChanged.model_validate(registered_body)

    assert error_locs(raised) == [("event_id",)]


def test_a_key_with_dots_inside_is_still_a_key(registered_body):
    registered_body["data"]["customer"]["customer_no"] = "a..b"

    assert CustomerChanged.model_validate(registered_body).data.customer.customer_no == "a..b"


@pytest.mark.parametrize("field", ["site_id", "customer_list_id", "customer"])
def test_missing_customer_data_field_is_rejected_naming_it(registered_body, field):
    del registered_body["data"][field]

    with pytest.raises(ValidationError) as raised:
        CustomerChanged.model_validate(registered_body)

    assert error_locs(raised) == [("data", field)]


@pytest.mark.parametrize("field", ["event_id", "event_type", "occurred_at", "source", "data"])
def test_missing_envelope_field_is_rejected_naming_it(registered_body, field):
    del registered_body[field]

    with pytest.raises(ValidationError) as raised:
        CustomerChanged.model_validate(registered_body)

    assert (field,) in error_locs(raised)


def test_occurred_at_without_a_time_zone_is_rejected(registered_body):
    registered_body["occurred_at"] = "2026-11-23T10:00:00"

    with pytest.raises(ValidationError) as raised:
        CustomerChanged.model_validate(registered_body)

    assert error_locs(raised) == [("occurred_at",)]


def test_an_event_type_of_another_use_case_is_refused(registered_body):
    registered_body["event_type"] = "customer.opted_in"

    with pytest.raises(ValidationError) as raised:
        CustomerChanged.model_validate(registered_body)

    assert error_locs(raised) == [("event_type",)]


def test_salesforce_contact_id_must_look_like_a_salesforce_id(updated_body):
    updated_body["data"]["salesforce_contact_id"] = "003' OR Id != '"

    with pytest.raises(ValidationError) as raised:
        CustomerChanged.model_validate(updated_body)

    assert error_locs(raised) == [("data", "salesforce_contact_id")]
