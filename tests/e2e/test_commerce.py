"""Commerce to Service Cloud as the connector's release notes describe it (use cases A to F), end to
end through the local stack: signed webhooks in, the Salesforce emulator's REST API read back."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from example_events import body_of, unique
from salesforce_org import SalesforceOrg, wait_for

from connector.envelope import sync_key
from connector.salesforce.soql import soql_quote
from devstack.signing import FAMILY_SECRETS

pytestmark = pytest.mark.e2e


def registration(
    customer_no: str,
    email: str,
    *,
    list_id: str = "RefArchGlobal",
    site: str = "RefArch",
    minimal: bool = False,
    at: str = "2026-11-23T10:00:00Z",
    event_type: str = "customer.registered",
    **profile: Any,
) -> dict[str, Any]:
    body = body_of(
        "customer.registered.minimal" if minimal else "customer.registered", site_id=site, customer_list_id=list_id
    )
    body["event_type"] = event_type
    body["occurred_at"] = at
    body["data"]["customer"].update(customer_no=customer_no, email=email, **profile)
    return body


class Storefront:
    """The commerce OCAPI emulator, seeded by tests with what the storefront knows."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")

    def seed(self, **documents: list[dict[str, Any]]) -> None:
        requests.post(f"{self.base}/_admin/seed", json=documents, timeout=10).raise_for_status()


@pytest.fixture
def org(stack: Any) -> Any:
    """The default stack's emulated org: like a new real org, without person accounts (the connector's
    default contact mode must work there)."""
    org = SalesforceOrg(stack.salesforce)
    assert org.settings()["person_accounts"] is False
    org.clear_faults()
    yield org
    org.clear_faults()


def test_the_default_stack_runs_against_an_org_without_person_accounts(stack: Any, org: SalesforceOrg) -> None:
    # given the default stack (contact mode)
    # when its org is asked for what only person accounts bring
    resp = org.query_answer("SELECT Id, IsPersonAccount FROM Contact")
    record_types = org.query("SELECT Id FROM RecordType WHERE SobjectType = 'Account' AND IsPersonType = true")
    # then the field is unknown and there is no person record type
    assert (resp.status_code, resp.json()[0]["errorCode"]) == (400, "INVALID_FIELD")
    assert record_types == []


@pytest.fixture
def storefront(stack: Any) -> Storefront:
    return Storefront(stack.health["commerce"])


def ok(resp: requests.Response) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


# -- use cases A and B: registration and profile updates ------------------------------------------


def test_three_customers_on_two_sites_with_two_lists_make_two_accounts_and_three_contacts(
    stack: Any, org: SalesforceOrg, storefront: Storefront
) -> None:
    list_a, list_b = unique("ListA"), unique("ListB")
    nos = [unique("C"), unique("C"), unique("C")]
    storefront.seed(
        customers=[
            {
                "customer_no": nos[1],
                "email": f"{nos[1]}@example.com",
                "first_name": "Li",
                "last_name": "Wei",
                "site_id": "SiteA",
                "customer_list_id": list_a,
            }
        ]
    )
    bodies = [
        registration(nos[0], f"{nos[0]}@example.com", list_id=list_a, site="SiteA"),
        registration(nos[1], f"{nos[1]}@example.com", list_id=list_a, site="SiteA", minimal=True),
        registration(nos[2], f"{nos[2]}@example.com", list_id=list_b, site="SiteB"),
    ]

    answers = [ok(stack.send(b)) for b in bodies]

    accounts = org.query(
        f"SELECT Id, Commerce_Customer_List_Id__c FROM Account WHERE Commerce_Customer_List_Id__c IN "
        f"({soql_quote(list_a)}, {soql_quote(list_b)})"
    )
    account_of = {a["Commerce_Customer_List_Id__c"]: a["Id"] for a in accounts}
    assert set(account_of) == {list_a, list_b}
    contacts = {
        no: org.contacts_with_customer_no(no, "Id, AccountId, FirstName, LastName, Commerce_Sync_Status__c")
        for no in nos
    }
    assert all(len(found) == 1 for found in contacts.values())
    assert [contacts[no][0]["AccountId"] for no in nos] == [account_of[list_a], account_of[list_a], account_of[list_b]]
    assert {c[0]["Commerce_Sync_Status__c"] for c in contacts.values()} == {"Synchronized"}
    assert (contacts[nos[1]][0]["FirstName"], contacts[nos[1]][0]["LastName"]) == ("Li", "Wei")  # from OCAPI

    calls = org.api_calls()
    replays = [ok(stack.send(b)) for b in bodies]
    assert replays == answers
    assert org.api_calls() == calls


def test_a_newer_update_then_an_older_one_keeps_the_newer_values(stack: Any, org: SalesforceOrg) -> None:
    no = unique("C")
    ok(stack.send(registration(no, f"{no}@example.com", at="2026-11-23T10:00:00Z")))
    newer = registration(
        no, f"{no}@example.com", at="2026-11-23T12:00:00Z", event_type="customer.updated", last_name="Newer"
    )
    older = registration(
        no, f"{no}@example.com", at="2026-11-23T11:00:00Z", event_type="customer.updated", last_name="Older"
    )

    ok(stack.send(newer))
    stale = ok(stack.send(older))

    assert stale.get("stale") is True
    assert org.contacts_with_customer_no(no, "LastName")[0]["LastName"] == "Newer"


def test_an_update_that_changes_nothing_spends_no_salesforce_call(stack: Any, org: SalesforceOrg) -> None:
    no = unique("C")
    ok(stack.send(registration(no, f"{no}@example.com", at="2026-11-23T10:00:00Z")))
    calls = org.api_calls()

    ok(stack.send(registration(no, f"{no}@example.com", at="2026-11-23T11:00:00Z", event_type="customer.updated")))

    assert org.api_calls() == calls


def test_opt_in_then_registration_with_the_same_email_is_one_registered_contact(stack: Any, org: SalesforceOrg) -> None:
    email = f"{unique('reader')}@example.com"
    opt_in = body_of("customer.opted_in", email=email)

    first = ok(stack.send(opt_in))
    opted = org.query(f"SELECT Id, Customer_Type__c, Email_Opt_In__c FROM Contact WHERE Email = {soql_quote(email)}")
    assert [(c["Customer_Type__c"], c["Email_Opt_In__c"]) for c in opted] == [("Opt-in", True)]

    no = unique("C")
    registered = ok(stack.send(registration(no, email)))

    contacts = org.query(
        f"SELECT Id, Customer_Type__c, Email_Opt_In__c, Commerce_Customer_No__c, Commerce_Converted_At__c "
        f"FROM Contact WHERE Email = {soql_quote(email)}"
    )
    assert len(contacts) == 1
    assert contacts[0]["Id"] == first["contact_id"] == registered["contact_id"]
    assert contacts[0]["Customer_Type__c"] == "Registered"
    assert contacts[0]["Commerce_Customer_No__c"] == no
    assert contacts[0]["Email_Opt_In__c"] is True
    assert contacts[0]["Commerce_Converted_At__c"]


def test_twenty_concurrent_registrations_of_one_new_customer_make_one_contact(stack: Any, org: SalesforceOrg) -> None:
    no = unique("C")
    bodies = [registration(no, f"{no}@example.com") for _ in range(20)]

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = [r.status_code for r in pool.map(stack.send, bodies)]

    assert all(s in (200, 202) for s in statuses), statuses
    wait_for(
        lambda: (
            (s := stack.get(f"/v1/sync/commerce/customer/{no}")).status_code == 200 and s.json()["status"] == "SYNCED"
        )
    )
    assert len(org.contacts_with_customer_no(no)) == 1


def test_salesforce_down_during_registration_answers_202_then_synchronizes(stack: Any, org: SalesforceOrg) -> None:
    no = unique("C")
    org.inject_fault(status=503, errorCode="SERVER_UNAVAILABLE", message="maintenance", count=3)

    resp = stack.send(registration(no, f"{no}@example.com"))

    assert resp.status_code == 202
    state = wait_for(
        lambda: (
            (r := stack.get(f"/v1/sync/commerce/customer/{no}")).status_code == 200
            and r.json()["status"] == "SYNCED"
            and r.json()
        ),
        timeout=60,
    )
    assert state["attempts"] >= 2
    contact = org.contacts_with_customer_no(no, "Id, Commerce_Sync_Status__c")
    assert [(c["Id"], c["Commerce_Sync_Status__c"]) for c in contact] == [
        (state["salesforce_ids"]["contact_id"], "Synchronized")
    ]


# -- use cases D and E: orders ----------------------------------------------------------------------


def order(
    order_no: str,
    *,
    contact_id: str | None = None,
    at: str = "2026-11-23T10:00:00Z",
    event_type: str = "order.created",
    status: str = "new",
    total: float = 42.0,
) -> dict[str, Any]:
    body = body_of("order.created.guest-header-only")
    body["event_type"] = event_type
    body["occurred_at"] = at
    body["data"]["order"].update(order_no=order_no, salesforce_contact_id=contact_id, status=status, order_total=total)
    return body


def ocapi_order(order_no: str, email: str, customer_no: str | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {"email": email, "customer_name": "Gus Guest"}
    if customer_no:
        info["customer_no"] = customer_no
    return {"order_no": order_no, "site_id": "RefArch", "order_total": 42.0, "currency": "USD", "customer_info": info}


def test_guest_orders_share_one_guest_contact_which_a_registration_converts(
    stack: Any, org: SalesforceOrg, storefront: Storefront
) -> None:
    email = f"{unique('guest')}@example.com"
    o1, o2 = unique("O"), unique("O")
    storefront.seed(orders=[ocapi_order(o1, email), ocapi_order(o2, email)])

    first = ok(stack.send(order(o1)))
    second = ok(stack.send(order(o2)))

    assert first["contact_id"] == second["contact_id"]
    orders = org.query(
        f"SELECT Commerce_Order_No__c, Contact__c, Customer_Type__c, Commerce_Sync_Status__c FROM Order "
        f"WHERE Commerce_Order_No__c IN ({soql_quote(o1)}, {soql_quote(o2)}) ORDER BY Commerce_Order_No__c"
    )
    assert {(o["Contact__c"], o["Customer_Type__c"], o["Commerce_Sync_Status__c"]) for o in orders} == {
        (first["contact_id"], "Guest", "Created")
    }
    guest = org.query(f"SELECT Id, Customer_Type__c FROM Contact WHERE Email = {soql_quote(email)}")
    assert [g["Customer_Type__c"] for g in guest] == ["Guest"]

    ok(stack.send(registration(unique("C"), email)))

    contacts = org.query(
        f"SELECT Id, Customer_Type__c, Commerce_Converted_At__c FROM Contact WHERE Email = {soql_quote(email)}"
    )
    assert len(contacts) == 1
    assert contacts[0]["Id"] == first["contact_id"]
    assert contacts[0]["Customer_Type__c"] == "Registered"
    assert contacts[0]["Commerce_Converted_At__c"]


def test_an_order_with_a_valid_contact_id_is_registered_and_linked(stack: Any, org: SalesforceOrg) -> None:
    no = unique("C")
    contact_id = ok(stack.send(registration(no, f"{no}@example.com")))["contact_id"]
    order_no = unique("O")

    answer = ok(stack.send(order(order_no, contact_id=contact_id)))

    rows = org.query(
        f"SELECT Id, Contact__c, Customer_Type__c, Commerce_Sync_Status__c, Order_Total__c, Order_Currency__c "
        f"FROM Order WHERE Commerce_Order_No__c = {soql_quote(order_no)}"
    )
    assert [r["Id"] for r in rows] == [answer["order_id"]]
    assert (rows[0]["Contact__c"], rows[0]["Customer_Type__c"]) == (contact_id, "Registered")
    assert (rows[0]["Order_Total__c"], rows[0]["Order_Currency__c"]) == (42.0, "USD")


def test_an_order_without_contact_id_is_registered_when_ocapi_says_so(
    stack: Any, org: SalesforceOrg, storefront: Storefront
) -> None:
    no = unique("C")
    email = f"{no}@example.com"
    contact_id = ok(stack.send(registration(no, email)))["contact_id"]
    order_no = unique("O")
    storefront.seed(orders=[ocapi_order(order_no, email, customer_no=no)])

    answer = ok(stack.send(order(order_no)))

    assert answer["contact_id"] == contact_id
    rows = org.query(f"SELECT Customer_Type__c FROM Order WHERE Commerce_Order_No__c = {soql_quote(order_no)}")
    assert rows[0]["Customer_Type__c"] == "Registered"


def test_an_order_update_changes_the_existing_order(stack: Any, org: SalesforceOrg, storefront: Storefront) -> None:
    order_no = unique("O")
    storefront.seed(orders=[ocapi_order(order_no, f"{unique('g')}@example.com")])
    created = ok(stack.send(order(order_no)))

    updated = ok(stack.send(order(order_no, event_type="order.updated", at="2026-11-24T08:00:00Z", status="completed")))

    assert updated["order_id"] == created["order_id"]
    rows = org.query(f"SELECT Commerce_Order_Status__c FROM Order WHERE Commerce_Order_No__c = {soql_quote(order_no)}")
    assert [r["Commerce_Order_Status__c"] for r in rows] == ["completed"]


def test_an_update_arriving_before_its_create_ends_in_the_same_state(
    stack: Any, org: SalesforceOrg, storefront: Storefront
) -> None:
    order_no = unique("O")
    storefront.seed(orders=[ocapi_order(order_no, f"{unique('g')}@example.com")])

    ok(stack.send(order(order_no, event_type="order.updated", at="2026-11-24T08:00:00Z", status="completed")))
    late_create = ok(stack.send(order(order_no, at="2026-11-23T10:00:00Z", status="new")))

    assert late_create.get("stale") is True
    rows = org.query(f"SELECT Commerce_Order_Status__c FROM Order WHERE Commerce_Order_No__c = {soql_quote(order_no)}")
    assert [r["Commerce_Order_Status__c"] for r in rows] == ["completed"]


def test_order_details_are_pulled_from_ocapi_with_their_salesforce_linkage(stack: Any, storefront: Storefront) -> None:
    order_no = unique("O")
    storefront.seed(orders=[ocapi_order(order_no, f"{unique('g')}@example.com")])
    created = ok(stack.send(order(order_no)))

    details = ok(stack.get(f"/v1/commerce/orders/{order_no}"))

    assert details["order"]["order_no"] == order_no
    assert details["salesforce"]["order_id"] == created["order_id"]
    assert details["salesforce"]["contact_id"] == created["contact_id"]


def test_order_details_of_an_unknown_order_are_404(stack: Any) -> None:
    assert stack.get(f"/v1/commerce/orders/{unique('NOPE')}").status_code == 404


# -- use case F: Contact Us --------------------------------------------------------------------------


def contact_us(email: str, **form: Any) -> dict[str, Any]:
    body = body_of("contact_us.submitted")
    body["data"]["case"].update({"email": email, "order_no": None, **form})
    return body


def case_of(org: SalesforceOrg, case_id: str) -> dict[str, Any]:
    rows = org.query(
        "SELECT Id, ContactId, Order__c, Origin, Subject, SuppliedEmail, SuppliedName, Topic__c, "
        f"Connector_Note__c FROM Case WHERE Id = {soql_quote(case_id)}"
    )
    assert len(rows) == 1
    return rows[0]


def test_contact_us_with_a_contact_id_links_that_contact(stack: Any, org: SalesforceOrg) -> None:
    no = unique("C")
    contact_id = ok(stack.send(registration(no, f"{no}@example.com")))["contact_id"]

    answer = ok(stack.send(contact_us(f"{unique('other')}@example.com", salesforce_contact_id=contact_id)))

    case = case_of(org, answer["case_id"])
    assert case["ContactId"] == contact_id
    assert (case["Origin"], case["Subject"], case["Topic__c"]) == ("Web", "Where is my order?", "order_status")


def test_contact_us_by_email_of_an_existing_contact_links_it(stack: Any, org: SalesforceOrg) -> None:
    no = unique("C")
    email = f"{no}@example.com"
    contact_id = ok(stack.send(registration(no, email)))["contact_id"]

    answer = ok(stack.send(contact_us(email)))

    assert case_of(org, answer["case_id"])["ContactId"] == contact_id


def test_contact_us_from_a_new_email_creates_a_guest_contact(stack: Any, org: SalesforceOrg) -> None:
    email = f"{unique('new')}@example.com"

    answer = ok(stack.send(contact_us(email)))

    contacts = org.query(f"SELECT Id, Customer_Type__c FROM Contact WHERE Email = {soql_quote(email)}")
    assert [(c["Id"], c["Customer_Type__c"]) for c in contacts] == [(answer["contact_id"], "Guest")]
    case = case_of(org, answer["case_id"])
    assert case["ContactId"] == answer["contact_id"]
    assert (case["SuppliedEmail"], case["SuppliedName"]) == (email, "Jane Doe")


def test_contact_us_with_a_known_order_number_links_the_order(
    stack: Any, org: SalesforceOrg, storefront: Storefront
) -> None:
    order_no = unique("O")
    storefront.seed(orders=[ocapi_order(order_no, f"{unique('g')}@example.com")])
    order_id = ok(stack.send(order(order_no)))["order_id"]

    answer = ok(stack.send(contact_us(f"{unique('x')}@example.com", order_no=order_no)))

    assert case_of(org, answer["case_id"])["Order__c"] == order_id


def test_contact_us_with_an_unknown_order_number_still_makes_an_unlinked_case_saying_why(
    stack: Any, org: SalesforceOrg
) -> None:
    order_no = unique("NOPE")

    answer = ok(stack.send(contact_us(f"{unique('x')}@example.com", order_no=order_no)))

    case = case_of(org, answer["case_id"])
    assert case["Order__c"] is None
    assert order_no in case["Connector_Note__c"]


def test_storefront_down_saves_a_draft_contact_at_once_then_completes_it(
    stack: Any, org: SalesforceOrg, storefront: Storefront
) -> None:
    no = unique("C")
    storefront.seed(
        customers=[
            {
                "customer_no": no,
                "email": f"{no}@example.com",
                "first_name": "Ana",
                "last_name": "Lima",
                "site_id": "RefArch",
                "customer_list_id": "RefArchGlobal",
            }
        ]
    )
    requests.post(
        f"{storefront.base}/_admin/faults", json={"status": 503, "count": 1, "match": "/customers/"}, timeout=10
    ).raise_for_status()

    resp = stack.send(registration(no, f"{no}@example.com", minimal=True))

    assert resp.status_code == 202
    draft = org.contacts_with_customer_no(no, "Id, Commerce_Sync_Status__c")
    assert len(draft) == 1  # saved before the storefront got its answer
    wait_for(
        lambda: (
            (r := stack.get(f"/v1/sync/commerce/customer/{no}")).status_code == 200 and r.json()["status"] == "SYNCED"
        )
    )
    done = org.contacts_with_customer_no(no, "Id, FirstName, LastName, Commerce_Sync_Status__c")
    assert [(c["Id"], c["FirstName"], c["LastName"], c["Commerce_Sync_Status__c"]) for c in done] == [
        (draft[0]["Id"], "Ana", "Lima", "Synchronized")
    ]


def test_storefront_down_saves_a_guest_order_as_draft_then_links_it(
    stack: Any, org: SalesforceOrg, storefront: Storefront
) -> None:
    order_no = unique("O")
    storefront.seed(orders=[ocapi_order(order_no, f"{unique('g')}@example.com")])
    requests.post(
        f"{storefront.base}/_admin/faults", json={"status": 503, "count": 1, "match": "/orders/"}, timeout=10
    ).raise_for_status()

    resp = stack.send(order(order_no))

    assert resp.status_code == 202
    query = (
        f"SELECT Id, Contact__c, Commerce_Sync_Status__c FROM Order WHERE Commerce_Order_No__c = {soql_quote(order_no)}"
    )
    assert len(org.query(query)) == 1  # the order exists at once, as a Draft
    wait_for(
        lambda: (
            (r := stack.get(f"/v1/sync/commerce/order/{order_no}")).status_code == 200
            and r.json()["status"] == "SYNCED"
        )
    )
    rows = org.query(query)
    assert rows[0]["Commerce_Sync_Status__c"] == "Created"
    assert rows[0]["Contact__c"]


def test_an_opt_ins_sync_state_is_served_under_the_keyed_hash_of_its_email_never_the_email(stack: Any) -> None:
    # given an opt-in synced through the local stack
    email = f"{unique('reader')}@example.com"
    opt_in = body_of("customer.opted_in", email=email)
    ok(stack.send(opt_in))

    # when support reads its sync state: the key is hex HMAC-SHA256(commerce secret, the email lower-cased)
    by_key = stack.get(f"/v1/sync/commerce/opt_in/{sync_key(FAMILY_SECRETS['commerce'], email.upper())}")
    by_email = stack.get(f"/v1/sync/commerce/opt_in/{email}")

    # then the hash finds it, and the email, as a path, finds nothing
    assert (by_key.status_code, by_key.json()["event_id"]) == (200, opt_in["event_id"])
    assert by_email.status_code == 404
