"""Names the connector splits or joins fit Salesforce's fields (Contact FirstName 40, LastName 80,
Case SuppliedName 80; Salesforce field reference, e.g.
https://developer.salesforce.com/docs/atlas.en-us.228.0.sfFieldRef.meta/sfFieldRef/salesforce_field_reference_Case.htm):
valid caller data is never refused with STRING_TOO_LONG. End to end through the local stack, against
the Salesforce emulator, which refuses an overlong value as a real org does."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from example_events import body_of, unique
from salesforce_org import SalesforceOrg

from connector.salesforce.soql import soql_quote

pytestmark = pytest.mark.e2e


@pytest.fixture
def org(stack: Any) -> SalesforceOrg:
    return SalesforceOrg(stack.salesforce)


def test_contact_us_with_the_longest_valid_names_cuts_the_supplied_name_to_80(stack: Any, org: SalesforceOrg) -> None:
    # given a form whose first (40) and last (80) names are each as long as their fields allow
    first, last = "F" * 40, "L" * 80
    body = body_of("contact_us.submitted")
    body["data"]["case"].update(email=f"{unique('long')}@example.com", order_no=None, first_name=first, last_name=last)
    # when it is submitted
    resp = stack.send(body)
    # then the Case is made, its SuppliedName the joined name cut to 80
    assert resp.status_code == 200, resp.text
    case = org.query(f"SELECT SuppliedName FROM Case WHERE Id = {soql_quote(resp.json()['case_id'])}")[0]
    assert case["SuppliedName"] == f"{first} {last}"[:80]


def test_a_guest_order_with_a_long_customer_name_cuts_first_and_last_name_to_fit(
    stack: Any, org: SalesforceOrg
) -> None:
    # given a guest order whose customer name splits into a 60-character first and 90-character last name
    email, order_no = f"{unique('long')}@example.com", unique("O")
    name = f"{'F' * 60} {'L' * 90}"
    info = {"email": email, "customer_name": name}
    order = {"order_no": order_no, "site_id": "RefArch", "order_total": 42.0, "currency": "USD", "customer_info": info}
    requests.post(f"{stack.health['commerce']}/_admin/seed", json={"orders": [order]}, timeout=10).raise_for_status()
    body = body_of("order.created.guest-header-only")
    body["data"]["order"].update(order_no=order_no)
    # when its header arrives
    resp = stack.send(body)
    # then the guest Contact is made with both names cut to their fields
    assert resp.status_code == 200, resp.text
    contact = org.query(f"SELECT FirstName, LastName FROM Contact WHERE Email = {soql_quote(email)}")
    assert [(c["FirstName"], c["LastName"]) for c in contact] == [("F" * 40, "L" * 80)]
