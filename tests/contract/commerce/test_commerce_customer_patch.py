"""Data API PATCH customer_lists/{list_id}/customers/{customer_no} of the commerce emulator: the fields
given change, nothing else; a property the document has not, a read-only one or a wrong type is a 400
fault and nothing changes; an unknown customer or list is a 404 (CustomerLists resource, Data API:
https://documentation.b2c.commercecloud.salesforce.com/DOC1/topic/com.demandware.dochelp/OCAPI/19.3/data/Resources/CustomerLists.html)."""

from typing import Any

import pytest
import requests

SHOP = "/s/RefArch/dw/shop/v24_5"
JANE = "/s/-/dw/data/v24_5/customer_lists/RefArchGlobal/customers/00001001"


def patch(base: str, auth: dict[str, str], body: Any, path: str = JANE) -> requests.Response:
    return requests.patch(f"{base}{path}", json=body, headers=auth, timeout=5)


def jane(base: str, auth: dict[str, str]) -> dict[str, Any]:
    return dict(requests.get(f"{base}{SHOP}/customers/00001001", headers=auth, timeout=5).json())


def test_a_patch_changes_exactly_the_fields_it_names(seeded: str, auth: dict[str, str]) -> None:
    # given Jane; when her email and first name are patched
    response = patch(seeded, auth, {"email": "jane.new@example.com", "first_name": "Janet"})
    # then the answer and the stored document show them, every other field as it was
    assert response.status_code == 200, response.text
    assert response.json()["_v"] == "24.5"
    doc = jane(seeded, auth)
    assert (doc["email"], doc["first_name"], doc["last_name"], doc["phone_home"]) == (
        "jane.new@example.com",
        "Janet",
        "Doe",
        "+1 555 0100",
    )


def test_a_null_clears_a_field(seeded: str, auth: dict[str, str]) -> None:
    assert patch(seeded, auth, {"phone_home": None}).status_code == 200
    assert "phone_home" not in jane(seeded, auth)


@pytest.mark.parametrize(
    ("body", "fault"),
    [
        ({"favourite_colour": "blue"}, "UnknownPropertyException"),
        ({"customer_id": "bcOther"}, "ReadOnlyPropertyException"),
        ({"creation_date": "2020-01-01T00:00:00.000Z"}, "ReadOnlyPropertyException"),
        ({"email": 42}, "PropertyConstraintViolationException"),
        ({"birthday": "12/04/1990"}, "PropertyConstraintViolationException"),
        ({"last_name": None}, "PropertyConstraintViolationException"),
        ({"gender": 3}, "EnumConstraintViolationException"),
    ],
)
def test_a_refused_field_is_a_400_fault_and_nothing_changes(
    seeded: str, auth: dict[str, str], body: dict[str, Any], fault: str
) -> None:
    before = jane(seeded, auth)
    # when a PATCH also carries a good change beside the refused one
    response = patch(seeded, auth, {"first_name": "Janet", **body})
    assert response.status_code == 400, response.text
    assert response.json()["fault"]["type"] == fault
    # then all or nothing: the good change was not made either
    assert jane(seeded, auth) == before


def test_an_unknown_customer_number_is_a_404_customer_not_found(seeded: str, auth: dict[str, str]) -> None:
    response = patch(seeded, auth, {"first_name": "X"}, path=JANE.replace("00001001", "00009999"))
    assert response.status_code == 404
    assert response.json()["fault"]["type"] == "CustomerNotFoundException"


def test_an_unknown_customer_list_is_a_404_customer_list_not_found(seeded: str, auth: dict[str, str]) -> None:
    response = patch(seeded, auth, {"first_name": "X"}, path=JANE.replace("RefArchGlobal", "NoSuchList"))
    assert response.status_code == 404
    assert response.json()["fault"]["type"] == "CustomerListNotFoundException"


def test_a_customer_number_another_customer_has_is_refused(seeded: str, auth: dict[str, str]) -> None:
    other = {"customer_no": "00001002", "email": "x@example.com", "last_name": "X"}
    requests.post(f"{seeded}/_admin/seed", json={"customers": [other]}, timeout=5).raise_for_status()
    response = patch(seeded, auth, {"customer_no": "00001002"})
    assert response.status_code == 400
    assert response.json()["fault"]["type"] == "CustomerNumberAlreadyInUseException"


def test_a_patch_without_a_token_is_a_401(seeded: str) -> None:
    assert patch(seeded, {}, {"first_name": "X"}).status_code == 401


def test_patches_are_counted_and_an_injected_fault_answers_in_ocapis_shape(seeded: str, auth: dict[str, str]) -> None:
    # given a 503 injected once on customer PATCHes
    rule = {"status": 503, "count": 1, "match": "PATCH /customer_lists"}
    requests.post(f"{seeded}/_admin/faults", json=rule, timeout=5).raise_for_status()
    # when two PATCHes are sent
    first = patch(seeded, auth, {"first_name": "Janet"})
    second = patch(seeded, auth, {"first_name": "Janet"})
    # then the first met the fault, the second went through, and both were counted
    assert first.status_code == 503 and first.json()["fault"]["type"] == "ServiceUnavailableException"
    assert second.status_code == 200
    counters = requests.get(f"{seeded}/_admin/counters", timeout=5).json()
    assert counters["by_path"]["PATCH /customer_lists/{list_id}/customers/{customer_no}"] == 2


ADDRESSES = f"{JANE}/addresses"


def test_the_address_book_is_a_customer_address_result(seeded: str, auth: dict[str, str]) -> None:
    response = requests.get(f"{seeded}{ADDRESSES}", headers=auth, timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert (body["_type"], body["count"], body["total"]) == ("customer_address_result", 1, 1)
    assert body["data"][0]["address_id"] == "home" and body["data"][0]["preferred"] is True


def test_an_address_patch_changes_exactly_the_fields_it_names(seeded: str, auth: dict[str, str]) -> None:
    response = patch(seeded, auth, {"city": "Boston", "address2": "Suite 4"}, path=f"{ADDRESSES}/home")
    assert response.status_code == 200, response.text
    [address] = jane(seeded, auth)["addresses"]
    assert (address["address1"], address["address2"], address["city"], address["state_code"]) == (
        "5 Wall St",
        "Suite 4",
        "Boston",
        "MA",
    )


@pytest.mark.parametrize(
    ("body", "fault"),
    [
        ({"town": "Boston"}, "UnknownPropertyException"),
        ({"address_id": "work"}, "ReadOnlyPropertyException"),
        ({"city": 7}, "PropertyConstraintViolationException"),
        ({"preferred": "yes"}, "PropertyConstraintViolationException"),
    ],
)
def test_a_refused_address_field_is_a_400_fault_and_nothing_changes(
    seeded: str, auth: dict[str, str], body: dict[str, Any], fault: str
) -> None:
    before = jane(seeded, auth)
    response = patch(seeded, auth, {"city": "Boston", **body}, path=f"{ADDRESSES}/home")
    assert response.status_code == 400 and response.json()["fault"]["type"] == fault
    assert jane(seeded, auth) == before


def test_an_unknown_address_name_is_a_404(seeded: str, auth: dict[str, str]) -> None:
    response = patch(seeded, auth, {"city": "Boston"}, path=f"{ADDRESSES}/work")
    assert response.status_code == 404
    assert response.json()["fault"]["type"] == "CustomerAddressNotFoundException"


def test_the_address_book_of_an_unknown_customer_is_a_404(seeded: str, auth: dict[str, str]) -> None:
    response = requests.get(f"{seeded}{ADDRESSES.replace('00001001', '00009999')}", headers=auth, timeout=5)
    assert response.status_code == 404
    assert response.json()["fault"]["type"] == "CustomerNotFoundException"
