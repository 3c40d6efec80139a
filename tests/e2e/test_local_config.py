"""`PUT /_local/config`: a new connector-config document reaches every function at its next cold
start, as updating the SSM parameter and deploying does in AWS."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import ROOT
from example_events import unique
from salesforce_org import SalesforceOrg
from test_commerce import contact_us, ok

from connector.salesforce.soql import soql_quote

pytestmark = pytest.mark.e2e


def contacts_with_email(org: SalesforceOrg, email: str) -> list[dict[str, Any]]:
    return org.query(f"SELECT Id FROM Contact WHERE Email = {soql_quote(email)}")


def test_a_replaced_config_document_changes_behaviour_and_the_old_one_comes_back(stack: Any) -> None:
    # given the local config (Contact Us from a new email creates a guest Contact)
    org = SalesforceOrg(stack.salesforce)
    local = json.loads((ROOT / "local" / "connector-config.json").read_text())
    unlinked = {**local, "commerce": {**local["commerce"], "guest_case_policy": "leave_unlinked"}}

    # when the document is replaced with one that leaves such Cases unlinked
    with stack.configured(unlinked):
        email = f"{unique('cfg')}@example.com"
        answer = ok(stack.send(contact_us(email)))

        # then the next event follows the new document
        assert "contact_id" not in answer
        assert contacts_with_email(org, email) == []

    # and once the old document is back, so is the old behaviour
    email = f"{unique('cfg')}@example.com"
    answer = ok(stack.send(contact_us(email)))
    assert [c["Id"] for c in contacts_with_email(org, email)] == [answer["contact_id"]]
