"""Commerce use cases D and E (README "Commerce to Service Cloud") through the order_header
function, and the order details route for agents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from trigger_events import event_body, now_iso


def guest_order(order_no: str = "00002002", occurred_at: str | None = None, **order: Any) -> dict[str, Any]:
    body = event_body("order.created.guest-header-only", occurred_at=occurred_at)
    body["data"]["order"].update(order_no=order_no, **order)
    return body


def ocapi_order(order_no: str, email: str, customer_no: str | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {"email": email, "customer_name": "Gus Guest"}
    if customer_no:
        info["customer_no"] = customer_no
    return {"order_no": order_no, "site_id": "RefArch", "order_total": 42.0, "currency": "USD", "customer_info": info}


def register(connector: Any, customer_no: str = "00001001", email: str = "jane.doe@example.com") -> dict[str, Any]:
    body = event_body("customer.registered")
    body["data"]["customer"].update(customer_no=customer_no, email=email)
    status, answer = connector.registration.post(body)
    assert status == 200
    return dict(answer)


# -- use case D: registered orders ----------------------------------------------------------------


def test_an_order_with_a_valid_contact_id_is_a_registered_order_linked_to_it_in_one_call(connector: Any) -> None:
    registered = register(connector)
    body = event_body("order.created")
    body["data"]["order"]["salesforce_contact_id"] = registered["contact_id"]
    connector.salesforce.admin("POST", "counters/reset")

    status, answer = connector.order_header.post(body)

    assert status == 200
    order = connector.salesforce.one("Order", Commerce_Order_No__c="00002001")
    assert answer["order_id"] == order["Id"]
    assert (order["Contact__c"], order["AccountId"]) == (registered["contact_id"], registered["account_id"])
    assert (order["Customer_Type__c"], order["Commerce_Sync_Status__c"]) == ("Registered", "Synchronized")
    assert (order["Order_Total__c"], order["Order_Currency__c"], order["Commerce_Order_Status__c"]) == (
        129.99,
        "USD",
        "new",
    )
    assert connector.salesforce.calls() == 1


def test_an_order_with_a_contact_id_that_does_not_exist_follows_the_guest_flow(connector: Any) -> None:
    connector.storefront.seed({"orders": [ocapi_order("00002001", "gus@example.com")]})
    body = event_body("order.created")
    body["data"]["order"]["salesforce_contact_id"] = "003000000000000AAA"
    body["data"]["order"]["customer_info"] = None

    status, answer = connector.order_header.post(body)

    assert status == 200
    order = connector.salesforce.one("Order", Commerce_Order_No__c="00002001")
    guest = connector.salesforce.one("Contact", Email="gus@example.com")
    assert (order["Contact__c"], order["Customer_Type__c"]) == (guest["Id"], "Guest")
    assert answer["contact_id"] == guest["Id"]


def test_an_order_update_changes_the_existing_order_in_one_call(connector: Any) -> None:
    registered = register(connector)
    created = event_body("order.created", occurred_at=now_iso(-60))
    created["data"]["order"]["salesforce_contact_id"] = registered["contact_id"]
    _, first = connector.order_header.post(created)
    calls = connector.salesforce.calls()

    status, answer = connector.order_header.post(event_body("order.updated"))

    assert status == 200
    assert answer["order_id"] == first["order_id"]
    order = connector.salesforce.one("Order", Commerce_Order_No__c="00002001")
    assert (order["Commerce_Order_Status__c"], order["Contact__c"]) == ("completed", registered["contact_id"])
    assert connector.salesforce.calls() == calls + 1


def test_an_order_update_that_changes_nothing_spends_no_salesforce_call(connector: Any) -> None:
    connector.storefront.seed({"orders": [ocapi_order("00002002", "gus@example.com")]})
    connector.order_header.post(guest_order(occurred_at=now_iso(-60)))
    calls = connector.salesforce.calls()
    same = guest_order()
    same["event_type"] = "order.updated"

    status, answer = connector.order_header.post(same)

    assert (status, answer.get("unchanged")) == (200, True)
    assert connector.salesforce.calls() == calls


def test_an_order_update_arriving_before_its_create_keeps_the_newer_state(connector: Any) -> None:
    connector.storefront.seed({"orders": [ocapi_order("00002002", "gus@example.com")]})
    update = guest_order(occurred_at=now_iso(), status="completed")
    update["event_type"] = "order.updated"
    connector.order_header.post(update)

    status, answer = connector.order_header.post(guest_order(occurred_at=now_iso(-60), status="new"))

    assert (status, answer.get("stale")) == (200, True)
    assert connector.salesforce.one("Order", Commerce_Order_No__c="00002002")["Commerce_Order_Status__c"] == "completed"


# -- use case E: guest orders ---------------------------------------------------------------------


def test_a_guest_order_is_completed_from_ocapi_and_linked_to_a_new_guest_contact(connector: Any) -> None:
    connector.storefront.seed({"orders": [ocapi_order("00002002", "gus@example.com")]})

    status, answer = connector.order_header.post(guest_order())

    assert status == 200
    guest = connector.salesforce.one("Contact", Email="gus@example.com")
    assert (guest["FirstName"], guest["LastName"], guest["Customer_Type__c"]) == ("Gus", "Guest", "Guest")
    order = connector.salesforce.one("Order", Commerce_Order_No__c="00002002")
    assert (order["Contact__c"], order["Customer_Type__c"], order["Commerce_Sync_Status__c"]) == (
        guest["Id"],
        "Guest",
        "Created",
    )
    assert answer["contact_id"] == guest["Id"]
    assert connector.storefront.requests_log(match="/orders/00002002")


def test_two_guest_orders_of_one_email_share_one_guest_contact(connector: Any) -> None:
    connector.storefront.seed(
        {"orders": [ocapi_order("00002002", "gus@example.com"), ocapi_order("00002003", "gus@example.com")]}
    )

    _, first = connector.order_header.post(guest_order("00002002"))
    _, second = connector.order_header.post(guest_order("00002003"))

    assert first["contact_id"] == second["contact_id"]
    assert len(connector.salesforce.find("Contact", Email="gus@example.com")) == 1


def test_a_guest_order_of_an_existing_contacts_email_links_that_contact(connector: Any) -> None:
    registered = register(connector, email="gus@example.com")
    connector.storefront.seed({"orders": [ocapi_order("00002002", "gus@example.com")]})

    _, answer = connector.order_header.post(guest_order())

    assert answer["contact_id"] == registered["contact_id"]
    assert len(connector.salesforce.records("Contact")) == 1


def test_an_order_without_contact_id_is_registered_when_ocapi_names_a_registered_customer(connector: Any) -> None:
    registered = register(connector)
    connector.storefront.seed({"orders": [ocapi_order("00002002", "jane.doe@example.com", customer_no="00001001")]})

    status, answer = connector.order_header.post(guest_order())

    assert status == 200
    assert answer["contact_id"] == registered["contact_id"]
    order = connector.salesforce.one("Order", Commerce_Order_No__c="00002002")
    assert (order["Customer_Type__c"], order["Commerce_Sync_Status__c"]) == ("Registered", "Synchronized")


def test_a_guest_order_while_ocapi_is_down_is_saved_as_draft_then_linked_from_the_queue(connector: Any) -> None:
    connector.configure({"commerce": {"site_customer_lists": {"RefArch": "RefArchGlobal"}}})
    connector.storefront.seed({"orders": [ocapi_order("00002002", "gus@example.com")]})
    connector.storefront.fault(status=503, match="/orders/")

    status, _ = connector.order_header.post(guest_order())

    assert status == 202
    draft = connector.salesforce.one("Order", Commerce_Order_No__c="00002002")
    account = connector.salesforce.one("Account", Commerce_Customer_List_Id__c="RefArchGlobal")
    assert (draft["Commerce_Sync_Status__c"], draft["Contact__c"], draft["AccountId"]) == ("Draft", None, account["Id"])
    assert connector.sync_status("order", "00002002") == "QUEUED"
    connector.storefront.clear_faults()

    assert connector.order_header.drain_queue() == {"batchItemFailures": []}

    linked = connector.salesforce.one("Order", Commerce_Order_No__c="00002002")
    guest = connector.salesforce.one("Contact", Email="gus@example.com")
    assert (linked["Id"], linked["Contact__c"], linked["Commerce_Sync_Status__c"]) == (
        draft["Id"],
        guest["Id"],
        "Created",
    )
    assert connector.sync_status("order", "00002002") == "SYNCED"


def test_a_guest_order_ocapi_does_not_show_yet_is_queued_as_a_draft_not_refused(connector: Any) -> None:
    # given a storefront whose OCAPI replica does not show the just-placed order yet
    status, _ = connector.order_header.post(guest_order())

    # then the order exists at once as a Draft and the event waits in the queue (replication lag)
    assert status == 202
    assert connector.salesforce.one("Order", Commerce_Order_No__c="00002002")["Commerce_Sync_Status__c"] == "Draft"
    assert connector.sync_status("order", "00002002") == "QUEUED"


def test_a_guest_orders_draft_is_not_written_again_while_the_storefront_lags(connector: Any) -> None:
    # given a guest order saved as a Draft because OCAPI does not show it yet
    connector.order_header.post(guest_order(occurred_at=now_iso(-30)))
    calls = connector.salesforce.calls()

    # when its event is retried, and an update of the order arrives, while OCAPI still lags
    connector.order_header.drain_queue()
    status, _ = connector.order_header.post(guest_order(status="completed"))

    # then no Salesforce call is spent on the Draft again (the completed order is written once OCAPI shows it)
    assert status == 202
    assert connector.salesforce.calls() == calls
    assert connector.sync_status("order", "00002002") == "QUEUED"


def test_a_refused_draft_order_does_not_replace_the_storefronts_lag(connector: Any) -> None:
    # given a guest order OCAPI does not show yet, and an org that refuses its Draft
    connector.salesforce.fault(status=400, errorCode="FIELD_CUSTOM_VALIDATION_EXCEPTION", count=1)

    status, _ = connector.order_header.post(guest_order())

    # then the event waits for the storefront (the lag decides its fate), nothing dead-lettered
    assert status == 202
    _, state = connector.sync_state("commerce", "order", "00002002")
    assert state["status"] == "QUEUED"
    assert "replication lag" in state["last_error"]
    assert connector.order_header.dead_letters() == []


def test_a_guest_order_ocapi_still_does_not_know_after_the_lag_window_is_dead_lettered_not_422(
    connector: Any,
) -> None:
    late = (datetime.now(UTC) - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")

    status, _ = connector.order_header.post(guest_order(occurred_at=late))

    assert status == 202
    _, state = connector.sync_state("commerce", "order", "00002002")
    assert state["status"] == "DEAD"
    assert "the storefront has no order with this number 20 minutes after the event" in state["last_error"]
    assert connector.salesforce.records("Order") == []


# -- order details for agents ---------------------------------------------------------------------


def test_order_details_come_from_ocapi_with_their_salesforce_linkage(connector: Any) -> None:
    connector.storefront.seed({"orders": [ocapi_order("00002002", "gus@example.com")]})
    _, created = connector.order_header.post(guest_order())

    status, details = connector.order_header.get("/v1/commerce/orders/00002002")

    assert status == 200
    assert details["order_no"] == "00002002"
    assert details["order"]["customer_info"]["email"] == "gus@example.com"
    assert details["salesforce"] == {
        "order_id": created["order_id"],
        "contact_id": created["contact_id"],
        "account_id": created["account_id"],
        "customer_type": "Guest",
        "sync_status": "SYNCED",
    }


def test_order_details_of_an_order_not_yet_in_salesforce_have_no_linkage(connector: Any) -> None:
    connector.storefront.seed({"orders": [ocapi_order("00002002", "gus@example.com")]})

    status, details = connector.order_header.get("/v1/commerce/orders/00002002")

    assert status == 200
    assert not any(details["salesforce"].values())
    assert connector.salesforce.calls() == 0


def test_order_details_of_an_order_ocapi_does_not_know_are_404(connector: Any) -> None:
    status, _ = connector.order_header.get("/v1/commerce/orders/00009999")

    assert status == 404


def test_order_details_while_ocapi_is_down_are_503(connector: Any) -> None:
    connector.storefront.fault(status=503, match="/orders/")

    status, _ = connector.order_header.get("/v1/commerce/orders/00002002")

    assert status == 503


def test_an_unsigned_order_details_request_is_401(connector: Any) -> None:
    connector.storefront.seed({"orders": [ocapi_order("00002002", "gus@example.com")]})

    status, _ = connector.order_header.get("/v1/commerce/orders/00002002", sign=False)

    assert status == 401
    assert connector.storefront.requests_log() == []
