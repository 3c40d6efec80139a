"""Commerce use case F (README "Commerce to Service Cloud") through the contact_us function: a Case
linked to its Contact (by Id, else by email, else a new guest Contact or none) and to its Order."""

from __future__ import annotations

from typing import Any

from trigger_events import event_body


def contact_us(email: str = "jane.doe@example.com", **form: Any) -> dict[str, Any]:
    body = event_body("contact_us.submitted")
    body["data"]["case"].update({"email": email, "order_no": None, **form})
    return body


def register(connector: Any, email: str = "jane.doe@example.com") -> dict[str, Any]:
    body = event_body("customer.registered")
    body["data"]["customer"]["email"] = email
    status, answer = connector.registration.post(body)
    assert status == 200
    return dict(answer)


def test_a_submission_becomes_a_web_case_with_the_form_fields(connector: Any) -> None:
    status, answer = connector.contact_us.post(contact_us())

    assert status == 200
    case = connector.salesforce.one("Case", Id=answer["case_id"])
    assert (case["Origin"], case["Subject"], case["Description"], case["Topic__c"]) == (
        "Web",
        "Where is my order?",
        "Ordered last week, no tracking yet.",
        "order_status",
    )
    assert (case["SuppliedName"], case["SuppliedEmail"], case["SuppliedPhone"]) == (
        "Jane Doe",
        "jane.doe@example.com",
        "+1 555 0100",
    )


def test_a_submission_with_a_contact_id_links_that_contact(connector: Any) -> None:
    registered = register(connector)

    _, answer = connector.contact_us.post(
        contact_us("someone.else@example.com", salesforce_contact_id=registered["contact_id"])
    )

    assert connector.salesforce.one("Case", Id=answer["case_id"])["ContactId"] == registered["contact_id"]
    assert len(connector.salesforce.records("Contact")) == 1


def test_a_submission_with_a_customer_number_links_that_customers_contact(connector: Any) -> None:
    registered = register(connector)

    _, answer = connector.contact_us.post(contact_us("typo@example.com", customer_no="00001001"))

    assert connector.salesforce.one("Case", Id=answer["case_id"])["ContactId"] == registered["contact_id"]
    assert len(connector.salesforce.records("Contact")) == 1


def test_a_submission_from_an_existing_contacts_email_links_that_contact(connector: Any) -> None:
    registered = register(connector)

    _, answer = connector.contact_us.post(contact_us())

    case = connector.salesforce.one("Case", Id=answer["case_id"])
    assert (case["ContactId"], case["AccountId"]) == (registered["contact_id"], registered["account_id"])
    assert len(connector.salesforce.records("Contact")) == 1


def test_a_submission_links_a_contact_the_connector_never_made_found_by_email(connector: Any) -> None:
    existing = connector.salesforce.seed({"Contact": [{"LastName": "Doe", "Email": "jane.doe@example.com"}]})

    _, answer = connector.contact_us.post(contact_us())

    assert answer["contact_id"] == existing["Contact"][0]
    assert connector.salesforce.one("Case", Id=answer["case_id"])["ContactId"] == existing["Contact"][0]


def test_a_submission_from_a_new_email_creates_a_guest_contact_by_default(connector: Any) -> None:
    status, answer = connector.contact_us.post(contact_us("new.visitor@example.com"))

    assert status == 200
    guest = connector.salesforce.one("Contact", Email="new.visitor@example.com")
    assert (guest["Id"], guest["Customer_Type__c"], guest["LastName"]) == (answer["contact_id"], "Guest", "Doe")
    assert connector.salesforce.one("Case", Id=answer["case_id"])["ContactId"] == guest["Id"]


def test_with_leave_unlinked_a_submission_from_a_new_email_makes_an_unlinked_case_saying_why(connector: Any) -> None:
    connector.configure({"commerce": {"guest_case_policy": "leave_unlinked"}})

    status, answer = connector.contact_us.post(contact_us("new.visitor@example.com"))

    assert status == 200
    assert "contact_id" not in answer
    assert connector.salesforce.records("Contact") == []
    case = connector.salesforce.one("Case", Id=answer["case_id"])
    assert case["ContactId"] is None
    assert "leave_unlinked" in case["Connector_Note__c"]


def test_with_leave_unlinked_a_known_email_is_still_linked(connector: Any) -> None:
    connector.configure({"commerce": {"guest_case_policy": "leave_unlinked"}})
    registered = register(connector)

    _, answer = connector.contact_us.post(contact_us())

    assert connector.salesforce.one("Case", Id=answer["case_id"])["ContactId"] == registered["contact_id"]


def test_a_submission_with_a_known_order_number_links_the_order(connector: Any) -> None:
    registered = register(connector)
    order = event_body("order.created")
    order["data"]["order"]["salesforce_contact_id"] = registered["contact_id"]
    _, created = connector.order_header.post(order)

    _, answer = connector.contact_us.post(contact_us(order_no="00002001"))

    case = connector.salesforce.one("Case", Id=answer["case_id"])
    assert (case["Order__c"], case["Connector_Note__c"]) == (created["order_id"], None)
    assert answer["order_id"] == created["order_id"]


def test_a_submission_with_an_unknown_order_number_makes_a_case_not_linked_saying_why(connector: Any) -> None:
    _, answer = connector.contact_us.post(contact_us(order_no="00009999"))

    case = connector.salesforce.one("Case", Id=answer["case_id"])
    assert case["Order__c"] is None
    assert "00009999" in case["Connector_Note__c"]


def test_a_submission_retried_from_the_queue_makes_exactly_one_case_keyed_by_its_event_id(connector: Any) -> None:
    body = contact_us()
    connector.salesforce.fault(status=503, count=1, match="/composite")
    assert connector.contact_us.post(body).status == 202

    assert connector.contact_us.drain_queue() == {"batchItemFailures": []}

    assert len(connector.salesforce.records("Case")) == 1
    assert connector.salesforce.one("Case", Commerce_Event_Id__c=body["event_id"])
