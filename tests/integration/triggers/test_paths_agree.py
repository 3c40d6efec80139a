"""The single-event path (HttpApi, real time) and the batch path (SQS, sObject collections) are two
implementations of one workflow: the same registrations must end in the same Salesforce state."""

from __future__ import annotations

from typing import Any

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
    list_of = {a["Id"]: a["Commerce_Customer_List_Id__c"] for a in accounts}

    def clean(record: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in record.items() if k not in VOLATILE}
        if "AccountId" in out:
            out["AccountId"] = list_of.get(out["AccountId"], out["AccountId"])
        return out

    return {
        "Account": sorted((clean(a) for a in accounts), key=lambda a: str(a["Commerce_Customer_List_Id__c"])),
        "Contact": sorted(
            (clean(c) for c in connector.salesforce.records("Contact")), key=lambda c: str(c["Commerce_Customer_No__c"])
        ),
    }


def test_single_events_and_one_batch_of_the_same_registrations_end_in_the_same_salesforce_state(
    connector: Any,
) -> None:
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
    connector.configure(SYNC_MODE="async")
    for body in bodies:
        assert connector.registration.post({**body, "event_id": body["event_id"] + "-b"}).status == 202
    assert connector.registration.drain_queue() == {"batchItemFailures": []}
    batched = salesforce_state(connector)

    assert len(one_by_one["Contact"]) == 3
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
