"""The single-event path (HttpApi, real time) and the batch path (SQS, sObject collections) are two
implementations of one workflow: the same registrations must end in the same Salesforce state."""

from __future__ import annotations

from typing import Any

import pytest
from trigger_events import event_body

# Set by Salesforce or by the clock, not by the connector's mapping.
VOLATILE = {
    "Id",
    "attributes",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
    "OwnerId",
    "Commerce_Converted_At__c",
}


def registrations() -> list[dict[str, Any]]:
    full = event_body("customer.registered")
    other_list = event_body("customer.registered", customer_list_id="SiteBList", site_id="SiteB")
    other_list["data"]["customer"].update(customer_no="00004002", email="ana.lima@example.com", last_name="Lima")
    minimal = event_body("customer.registered.minimal")
    return [full, other_list, minimal]


def salesforce_state(connector: Any) -> dict[str, Any]:
    """Contacts and Accounts as the emulator's admin API returns them, ids replaced by source keys."""
    accounts = connector.salesforce.records("Account")
    contacts = connector.salesforce.records("Contact")
    key_of = {a["Id"]: a["Commerce_Customer_List_Id__c"] or a["PersonEmail"] for a in accounts}
    key_of |= {c["Id"]: c["Email"] for c in contacts}

    def clean(record: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in record.items() if k not in VOLATILE}
        for ref in ("AccountId", "PersonContactId"):
            if out.get(ref):
                out[ref] = key_of.get(out[ref], "<unknown>")
        return out

    def by_key(record: dict[str, Any]) -> str:
        return str(record.get("Commerce_Customer_List_Id__c") or record.get("PersonEmail") or record.get("Email"))

    return {
        "Account": sorted((clean(a) for a in accounts), key=by_key),
        "Contact": sorted((clean(c) for c in contacts), key=by_key),
    }


@pytest.mark.parametrize(
    "config",
    [
        pytest.param({}, id="contacts"),
        pytest.param({"commerce": {"customer_parent": "person_account"}}, id="person-accounts"),
    ],
)
def test_single_events_and_one_batch_of_the_same_registrations_end_in_the_same_salesforce_state(
    connector: Any, config: dict[str, Any]
) -> None:
    connector.configure(config)
    connector.storefront.seed(
        {
            "customers": [
                {
                    "customer_no": "00001002",
                    "email": "li.wei@example.com",
                    "first_name": "Li",
                    "last_name": "Wei",
                    "phone_home": "+1 555 0111",
                }
            ]
        }
    )
    bodies = registrations()
    assert [connector.registration.post(b).status for b in bodies] == [200, 200, 200]
    one_by_one = salesforce_state(connector)

    connector.forget_everything()
    connector.configure(config, SYNC_MODE="async")
    for body in bodies:
        assert connector.registration.post({**body, "event_id": body["event_id"] + "-b"}).status == 202
    assert connector.registration.drain_queue() == {"batchItemFailures": []}
    batched = salesforce_state(connector)

    assert len(one_by_one["Contact"]) == 3  # (person accounts: the person Contacts)
    assert batched == one_by_one


def test_a_guest_conversion_ends_the_same_on_both_paths(connector: Any) -> None:
    opt_in = event_body("customer.opted_in", email="jane.doe@example.com")
    registration = event_body("customer.registered")

    connector.send(opt_in)
    assert connector.registration.post(registration).status == 200
    one_by_one = salesforce_state(connector)

    connector.forget_everything()
    connector.send({**opt_in, "event_id": opt_in["event_id"] + "-b"})
    connector.configure(SYNC_MODE="async")
    connector.registration.post({**registration, "event_id": registration["event_id"] + "-b"})
    assert connector.registration.drain_queue() == {"batchItemFailures": []}
    batched = salesforce_state(connector)

    assert [c["Customer_Type__c"] for c in one_by_one["Contact"]] == ["Registered"]
    assert batched == one_by_one
