"""Real-org rules (issue 7) in paths the local-stack tests do not reach cheaply: the batch path of
registrations against the duplicate rule, and an activated order met when the identity map has
lost it."""

from __future__ import annotations

import json
from typing import Any

import requests
from trigger_events import event_body

API = "/services/data/v62.0"


def _token(base: str) -> str:
    form = {"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"}
    return str(requests.post(f"{base}/services/oauth2/token", data=form, timeout=5).json()["access_token"])


def as_an_agent(connector: Any, method: str, path: str, body: Any = None) -> None:
    """A change made in Salesforce by someone else, through the REST API."""
    base = connector.salesforce.url
    headers = {"Authorization": f"Bearer {_token(base)}"}
    resp = requests.request(method, f"{base}{API}{path}", json=body, headers=headers, timeout=5)
    assert resp.status_code == 204, resp.text


def activate(connector: Any, order_id: str) -> None:
    as_an_agent(connector, "PATCH", f"/sobjects/Order/{order_id}", {"Status": "Activated"})


def registration(customer_no: str, email: str, **customer: Any) -> dict[str, Any]:
    body = event_body("customer.registered")
    body["data"]["customer"].update(customer_no=customer_no, email=email, **customer)
    return body


def test_a_batch_registration_the_duplicate_rule_flags_is_linked_to_the_look_alike(connector: Any) -> None:
    # given a look-alike Contact (same name and email) that no registration made
    look_alike = connector.salesforce.seed(
        {"Contact": [{"FirstName": "Jane", "LastName": "Doe", "Email": "jane.doe@example.com"}]}
    )["Contact"][0]
    connector.configure(SYNC_MODE="async")
    assert connector.registration.post(registration("00004001", "jane.doe@example.com")).status == 202
    assert connector.registration.post(registration("00004002", "li.wei@example.com", first_name="Li")).status == 202

    # when the queue batch is written through an sObject collection
    response = connector.registration.drain_queue()

    # then no message fails: the flagged customer became the look-alike, the other its own Contact
    assert response == {"batchItemFailures": []}
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00004001")["Id"] == look_alike
    assert [connector.sync_status("customer", no) for no in ("00004001", "00004002")] == ["SYNCED", "SYNCED"]


def test_a_look_alike_that_is_another_customers_registration_is_not_taken_over(connector: Any) -> None:
    # given a registered customer, and a second registration with the same name and email
    first = connector.registration.post(registration("00004001", "jane.doe@example.com"))
    assert first.status == 200

    second = connector.registration.post(registration("00004002", "jane.doe@example.com"))

    # then the second is saved past the rule as its own Contact; the first keeps its number
    assert second.status == 200
    assert second.body["contact_id"] != first.body["contact_id"]
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00004001")["Id"] == first.body["contact_id"]


def test_an_activated_order_the_identity_map_lost_is_updated_without_status_or_account(connector: Any) -> None:
    # given a registered order, activated in Salesforce, and an identity map that lost the order
    registered = connector.registration.post(registration("00001001", "jane.doe@example.com")).body
    created = event_body("order.created")
    created["data"]["order"]["salesforce_contact_id"] = registered["contact_id"]
    order_id = connector.order_header.post(created).body["order_id"]
    activate(connector, order_id)
    dynamodb, table = connector.aws.dynamodb, connector.aws.sync_state_table
    lost = [i for i in dynamodb.scan(TableName=table)["Items"] if i["pk"]["S"].startswith("id#order#")]
    for item in lost:
        dynamodb.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    assert lost

    # when the next status change arrives
    updated = event_body("order.updated")
    updated["data"]["order"].update(salesforce_contact_id=registered["contact_id"], status="shipped")
    reply = connector.order_header.post(updated)

    # then it lands on the activated order, which stays activated
    assert reply.status == 200, reply.body
    order = connector.salesforce.one("Order", Id=order_id)
    assert (order["Status"], order["Commerce_Order_Status__c"]) == ("Activated", "shipped")


def test_a_known_order_deleted_in_salesforce_is_created_again_as_a_draft(connector: Any) -> None:
    # given a registered order the identity map knows, then deleted in Salesforce
    registered = connector.registration.post(registration("00001001", "jane.doe@example.com")).body
    created = event_body("order.created")
    created["data"]["order"]["salesforce_contact_id"] = registered["contact_id"]
    order_id = connector.order_header.post(created).body["order_id"]
    as_an_agent(connector, "DELETE", f"/sobjects/Order/{order_id}")

    # when the next status change arrives (an update: it sends no Status)
    updated = event_body("order.updated")
    updated["data"]["order"]["salesforce_contact_id"] = registered["contact_id"]
    reply = connector.order_header.post(updated)

    # then the order exists again, as the Draft a new order starts as
    assert reply.status == 200, reply.body
    order = connector.salesforce.one("Order", Id=reply.body["order_id"])
    assert order["Status"] == "Draft"


def test_with_the_allow_save_policy_a_batch_saves_a_look_alike_in_the_same_collection_call(connector: Any) -> None:
    # given the allow_save policy and a look-alike Contact
    connector.salesforce.seed({"Contact": [{"FirstName": "Jane", "LastName": "Doe", "Email": "jane.doe@example.com"}]})
    connector.configure({"salesforce": {"duplicate_rule_policy": "allow_save"}}, SYNC_MODE="async")
    assert connector.registration.post(registration("00004001", "jane.doe@example.com")).status == 202
    connector.salesforce.admin("POST", "counters/reset")

    # when the batch is written
    assert connector.registration.drain_queue() == {"batchItemFailures": []}

    # then the customer has its own Contact, saved past the rule's alert with no extra call
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00004001")
    assert len(connector.salesforce.find("Contact", Email="jane.doe@example.com")) == 2
    assert connector.salesforce.counters()["total"] == 2  # two collection calls: the Account, the Contacts


def test_with_the_allow_save_policy_a_person_account_registration_acknowledges_the_duplicate_rule(
    connector: Any,
) -> None:
    # given person accounts and the allow_save policy (an org may activate a person-account rule)
    connector.configure(
        {"commerce": {"customer_parent": "person_account"}, "salesforce": {"duplicate_rule_policy": "allow_save"}}
    )

    # when a customer registers
    assert connector.registration.post(registration("00004101", "ana.ruiz@example.com")).status == 200

    # then the write of the person account carried the duplicate-rule header, as every Contact write does
    writes = [r for r in connector.salesforce.requests_log() if r["method"] != "GET" and "00004101" in str(r)]
    assert writes
    assert all(r["headers"].get("Sforce-Duplicate-Rule-Header") == "allowSave=true" for r in writes)


def test_an_activated_order_that_kept_its_account_is_not_reported_under_another(connector: Any) -> None:
    # given a guest order under its site's Account, activated in Salesforce
    created = event_body("order.created")
    created["data"]["order"].update(order_no="00005001", customer_info=None)
    connector.storefront.seed(
        {
            "orders": [
                {"order_no": "00005001", "customer_info": {"email": "guest.one@example.com", "customer_name": "G One"}}
            ]
        }
    )
    first = connector.order_header.post(created)
    assert first.status == 200, first.body
    activate(connector, first.body["order_id"])
    # and a registered customer under another Account (the customer list's) the order is then given to
    registered = connector.registration.post(registration("00005002", "li.wei@example.com", first_name="Li")).body
    assert registered["account_id"] != first.body["account_id"]

    # when the order is updated naming the registered Contact
    updated = event_body("order.updated")
    updated["data"]["order"].update(order_no="00005001", salesforce_contact_id=registered["contact_id"])
    reply = connector.order_header.post(updated)

    # then the order stays activated under the account it has, and the answer says that account
    assert reply.status == 200, reply.body
    order = connector.salesforce.one("Order", Id=first.body["order_id"])
    assert order["Status"] == "Activated"
    assert reply.body.get("account_id", order["AccountId"]) == order["AccountId"]


# -- person accounts off, as in a new org ---------------------------------------------------------

# Names that exist only in an org with person accounts enabled.
PERSON_ONLY = ("IsPersonAccount", "PersonContactId", "PersonEmail", "__pc", "IsPersonType")


def test_in_contact_mode_every_commerce_event_is_synced_in_an_org_without_person_accounts(connector: Any) -> None:
    # given a new org, person accounts off, and the connector in its default (contact) mode
    assert connector.salesforce.admin("GET", "settings")["person_accounts"] is False

    # when a customer registers, updates the profile, orders, opts in another email and writes in
    registered = connector.registration.post(event_body("customer.registered"))
    updated = connector.registration.post(event_body("customer.updated"))
    order = event_body("order.created")
    order["data"]["order"]["salesforce_contact_id"] = registered.body["contact_id"]
    ordered = connector.order_header.post(order)
    opted_in = connector.registration.post(event_body("customer.opted_in"))
    wrote_in = connector.contact_us.post(event_body("contact_us.submitted"))

    # then every event is synced, and no call named what only person accounts bring
    assert [r.status for r in (registered, updated, ordered, opted_in, wrote_in)] == [200] * 5
    sent = json.dumps([(r["path"], r["query"], r["json"]) for r in connector.salesforce.requests_log()])
    assert [name for name in PERSON_ONLY if name in sent] == []
    assert connector.salesforce.one("Contact", Email="jane.doe@example.com")["Commerce_Sync_Status__c"]
