"""GET customers/{customer_no} of the commerce emulator."""

import requests

SHOP = "/s/RefArch/dw/shop/v24_5"


def test_registered_customer_is_returned_as_ocapi_document(seeded: str, auth: dict[str, str]) -> None:
    # given Jane seeded as a registered customer
    # when her customer number is read
    response = requests.get(f"{seeded}{SHOP}/customers/00001001", headers=auth, timeout=5)
    # then the OCAPI customer document comes back
    assert response.status_code == 200
    doc = response.json()
    assert doc["_v"] == "24.5"
    assert doc["_type"] == "customer"
    assert doc["customer_no"] == "00001001"
    assert doc["customer_id"] == "bcLsYcNgU0yq3aRbwHxw2bTeKd"
    assert doc["email"] == "jane.doe@example.com"
    assert (doc["first_name"], doc["last_name"], doc["salutation"]) == ("Jane", "Doe", "Ms.")
    assert (doc["birthday"], doc["gender"], doc["preferred_locale"]) == ("1990-04-12", 2, "en_US")
    assert doc["auth_type"] == "registered"
    assert doc["customer_list_id"] == "RefArchGlobal"
    assert doc["creation_date"] and doc["last_modified"]
    assert "site_id" not in doc


def test_customer_addresses_are_customer_address_documents(seeded: str, auth: dict[str, str]) -> None:
    # given Jane seeded with a home address
    # when she is read
    doc = requests.get(f"{seeded}{SHOP}/customers/00001001", headers=auth, timeout=5).json()
    # then the address keeps the OCAPI names
    [address] = doc["addresses"]
    assert address["_type"] == "customer_address"
    assert address["address_id"] == "home"
    assert (address["address1"], address["city"], address["state_code"]) == ("5 Wall St", "Burlington", "MA")
    assert (address["postal_code"], address["country_code"], address["preferred"]) == ("01803", "US", True)


def test_absent_fields_are_omitted_like_ocapi(seeded: str, auth: dict[str, str]) -> None:
    # given Jane seeded without a mobile phone
    # when she is read
    doc = requests.get(f"{seeded}{SHOP}/customers/00001001", headers=auth, timeout=5).json()
    # then the field is missing rather than null
    assert "phone_mobile" not in doc


def test_customer_can_also_be_read_by_customer_id(seeded: str, auth: dict[str, str]) -> None:
    # given Jane seeded with a customer id
    # when the path carries the customer id (what the real Shop API takes)
    response = requests.get(f"{seeded}{SHOP}/customers/bcLsYcNgU0yq3aRbwHxw2bTeKd", headers=auth, timeout=5)
    # then the same customer comes back
    assert response.status_code == 200
    assert response.json()["customer_no"] == "00001001"


def test_any_api_version_is_accepted_and_echoed(seeded: str, auth: dict[str, str]) -> None:
    # given an older API version in the path
    # when Jane is read
    response = requests.get(f"{seeded}/s/RefArch/dw/shop/v23_2/customers/00001001", headers=auth, timeout=5)
    # then _v follows the path's version
    assert response.status_code == 200
    assert response.json()["_v"] == "23.2"


def test_unknown_customer_is_a_customer_not_found_fault(seeded: str, auth: dict[str, str]) -> None:
    # given no customer 99999999
    # when it is read
    response = requests.get(f"{seeded}{SHOP}/customers/99999999", headers=auth, timeout=5)
    # then OCAPI's 404 fault comes back
    assert response.status_code == 404
    assert response.json() == {
        "_v": "24.5",
        "fault": {"type": "CustomerNotFoundException", "message": "No customer with number '99999999' was found."},
    }


def test_customer_of_another_site_is_not_found(seeded: str, auth: dict[str, str]) -> None:
    # given Jane belongs to site RefArch
    # when she is read through another site
    response = requests.get(f"{seeded}/s/OtherSite/dw/shop/v24_5/customers/00001001", headers=auth, timeout=5)
    # then she is not found there
    assert response.status_code == 404


def test_seeded_customer_gets_defaults(commerce: str, auth: dict[str, str]) -> None:
    # given a customer seeded with only a number and an email
    body = {"customers": [{"customer_no": "00001002", "email": "li.wei@example.com"}]}
    requests.post(f"{commerce}/_admin/seed", json=body, timeout=5).raise_for_status()
    # when it is read
    doc = requests.get(f"{commerce}{SHOP}/customers/00001002", headers=auth, timeout=5).json()
    # then id, dates, auth type and list are filled in
    assert doc["customer_id"]
    assert doc["creation_date"] == doc["last_modified"]
    assert doc["auth_type"] == "registered"
    assert doc["customer_list_id"] == "RefArchGlobal"
    assert doc["addresses"] == []


def test_unsupported_api_version_is_a_bad_request(seeded: str, auth: dict[str, str]) -> None:
    # given a malformed version segment
    # when a customer is read
    response = requests.get(f"{seeded}/s/RefArch/dw/shop/latest/customers/00001001", headers=auth, timeout=5)
    # then OCAPI refuses the version
    assert response.status_code == 400
    assert response.json()["fault"]["type"] == "InvalidVersionException"


def test_unknown_resource_path_is_not_found(seeded: str, auth: dict[str, str]) -> None:
    # given a path no OCAPI resource has
    # when it is read
    response = requests.get(f"{seeded}{SHOP}/baskets_of_gold", headers=auth, timeout=5)
    # then the fault names the path
    assert response.status_code == 404
    assert response.json()["fault"]["type"] == "ResourcePathNotFoundException"
