"""GET orders/{order_no} of the commerce emulator."""

import requests

SHOP = "/s/RefArch/dw/shop/v24_5"


def test_order_is_returned_as_ocapi_document(seeded: str, auth: dict[str, str]) -> None:
    # given Jane's order seeded
    # when it is read
    response = requests.get(f"{seeded}{SHOP}/orders/00002001", headers=auth, timeout=5)
    # then the OCAPI order document comes back with its statuses
    assert response.status_code == 200
    doc = response.json()
    assert (doc["_v"], doc["_type"], doc["order_no"]) == ("24.5", "order", "00002001")
    assert doc["status"] == "new"
    assert doc["confirmation_status"] == "confirmed"
    assert doc["payment_status"] == "not_paid"
    assert doc["shipping_status"] == "not_shipped"
    assert doc["currency"] == "USD"
    assert doc["creation_date"] == "2026-11-23T09:58:00.000Z"


def test_order_totals_are_derived_from_items_when_absent(seeded: str, auth: dict[str, str]) -> None:
    # given an order seeded with item prices, tax and shipping but no totals
    # when it is read
    doc = requests.get(f"{seeded}{SHOP}/orders/00002001", headers=auth, timeout=5).json()
    # then product and order totals add up
    assert doc["product_total"] == 119.99
    assert (doc["tax_total"], doc["shipping_total"]) == (5.0, 5.0)
    assert doc["order_total"] == 129.99


def test_registered_order_carries_customer_info(seeded: str, auth: dict[str, str]) -> None:
    # given Jane's order
    # when it is read
    info = requests.get(f"{seeded}{SHOP}/orders/00002001", headers=auth, timeout=5).json()["customer_info"]
    # then the customer is identified
    assert info["_type"] == "customer_info"
    assert info["customer_no"] == "00001001"
    assert info["email"] == "jane.doe@example.com"
    assert info["customer_name"] == "Jane Doe"
    assert info["customer_id"]


def test_guest_order_has_no_customer_no(seeded: str, auth: dict[str, str]) -> None:
    # given a guest order
    # when it is read
    info = requests.get(f"{seeded}{SHOP}/orders/00002002", headers=auth, timeout=5).json()["customer_info"]
    # then customer_no is absent, the email is there
    assert "customer_no" not in info
    assert info["email"] == "Guest.Buyer@Example.com"


def test_order_shipments_items_and_billing_address_are_typed(seeded: str, auth: dict[str, str]) -> None:
    # given Jane's order with one shipment and one item
    # when it is read
    doc = requests.get(f"{seeded}{SHOP}/orders/00002001", headers=auth, timeout=5).json()
    # then the nested documents keep OCAPI names and types
    assert doc["billing_address"]["_type"] == "order_address"
    [shipment] = doc["shipments"]
    assert (shipment["shipment_id"], shipment["tracking_number"]) == ("me", "1Z999")
    assert shipment["shipping_method"]["id"] == "001"
    assert shipment["shipping_address"]["_type"] == "order_address"
    [item] = doc["product_items"]
    assert (item["product_id"], item["product_name"], item["quantity"], item["price"]) == ("mug-1", "Mug", 2, 119.99)
    assert item["item_id"]


def test_payment_instruments_never_expose_card_numbers(seeded: str, auth: dict[str, str]) -> None:
    # given an order seeded with a full card number and security code
    # when it is read
    response = requests.get(f"{seeded}{SHOP}/orders/00002001", headers=auth, timeout=5)
    # then only the method, amount and card type remain
    [payment] = response.json()["payment_instruments"]
    assert (payment["payment_method_id"], payment["amount"]) == ("CREDIT_CARD", 129.99)
    assert payment["payment_card"] == {"card_type": "Visa"}
    assert "4111111111111111" not in response.text


def test_unknown_order_is_an_order_not_found_fault(seeded: str, auth: dict[str, str]) -> None:
    # given no order 404
    # when it is read
    response = requests.get(f"{seeded}{SHOP}/orders/404", headers=auth, timeout=5)
    # then OCAPI's 404 fault comes back
    assert response.status_code == 404
    assert response.json()["fault"]["type"] == "OrderNotFoundException"


def test_order_of_another_site_is_not_found(seeded: str, auth: dict[str, str]) -> None:
    # given Jane's order belongs to RefArch
    # when it is read through another site
    response = requests.get(f"{seeded}/s/SiteGenesis/dw/shop/v24_5/orders/00002001", headers=auth, timeout=5)
    # then it is not found
    assert response.status_code == 404


def test_order_with_unknown_status_is_refused_at_seed(commerce: str) -> None:
    # given an order status OCAPI does not have
    body = {"orders": [{"order_no": "1", "status": "shipped"}]}
    # when it is seeded
    response = requests.post(f"{commerce}/_admin/seed", json=body, timeout=5)
    # then the seed is refused with an enum fault
    assert response.status_code == 400
    assert response.json()["fault"]["type"] == "EnumConstraintViolationException"
