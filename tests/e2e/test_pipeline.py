"""The foundation end to end: a signed webhook through the local stack into the Salesforce emulator.

Everything here talks HTTP to `make run`'s stack (booted by the `stack` fixture) and nothing else.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from salesforce_org import SalesforceOrg, wait_for

pytestmark = pytest.mark.e2e

CONTRACTS = Path(__file__).resolve().parents[3] / "shared" / "contracts" / "events"
EXAMPLES = Path(__file__).resolve().parents[2] / "events"


def contract(name: str) -> dict[str, Any]:
    """The canonical body (the project's events/ copy, which must equal the shared contract)."""
    path = EXAMPLES / name if (EXAMPLES / name).exists() else CONTRACTS / name
    return json.loads(path.read_text())


def fresh_registration(**customer: Any) -> dict[str, Any]:
    """The contract's customer.registered with a unique event id and customer number."""
    body = copy.deepcopy(contract("customer.registered.json"))
    suffix = uuid.uuid4().hex[:10]
    body["event_id"] = f"evt-{suffix}"
    body["data"]["customer"]["customer_no"] = f"E2E{suffix}"
    body["data"]["customer"].update(customer)
    return body


@pytest.fixture
def org(stack: Any) -> Any:
    org = SalesforceOrg(stack.salesforce)
    org.clear_faults()
    yield org
    org.clear_faults()


def sync_state(stack: Any, customer_no: str) -> dict[str, Any] | None:
    resp = stack.get(f"/v1/sync/commerce/customer/{customer_no}")
    return resp.json() if resp.status_code == 200 else None


def test_contract_registration_creates_exactly_one_contact(stack: Any, org: SalesforceOrg) -> None:
    body = contract("customer.registered.json")

    resp = stack.send(body)

    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "synced"
    contacts = org.contacts_with_customer_no("00001001", "Id, FirstName, LastName, Email, Commerce_Sync_Status__c")
    assert len(contacts) == 1
    assert contacts[0]["Id"] == resp.json()["contact_id"]
    assert (contacts[0]["FirstName"], contacts[0]["LastName"]) == ("Jane", "Doe")
    assert contacts[0]["Email"] == "jane.doe@example.com"


def test_repeated_event_answers_the_same_body_and_changes_nothing(stack: Any, org: SalesforceOrg) -> None:
    body = fresh_registration()
    first = stack.send(body)
    calls_after_first = org.api_calls()

    again = stack.send(body)

    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert org.api_calls() == calls_after_first
    assert len(org.contacts_with_customer_no(body["data"]["customer"]["customer_no"])) == 1


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda h, b: ({}, b), id="unsigned"),
        pytest.param(lambda h, b: (h, b.replace(b'"Doe"', b'"Eve"')), id="tampered-body"),
        pytest.param(lambda h, b: (h | {"X-Signature": h["X-Signature"].replace("v1=", "v1=0")}, b), id="bad-digest"),
    ],
)
def test_bad_signature_is_401_and_writes_nothing(stack: Any, org: SalesforceOrg, tamper: Any) -> None:
    body = fresh_registration()
    raw = json.dumps(body).encode()
    headers = {"X-Signature": stack.signature("POST", "/v1/commerce/customers", raw)}
    headers, raw = tamper(headers, raw)

    resp = stack.send(body, raw=raw, headers=headers, sign=False)

    assert resp.status_code == 401
    assert org.contacts_with_customer_no(body["data"]["customer"]["customer_no"]) == []


def test_stale_signature_is_401_and_writes_nothing(stack: Any, org: SalesforceOrg) -> None:
    body = fresh_registration()
    raw = json.dumps(body).encode()
    stale = stack.signature("POST", "/v1/commerce/customers", raw, timestamp=int(time.time()) - 301)

    resp = stack.send(body, raw=raw, headers={"X-Signature": stale}, sign=False)

    assert resp.status_code == 401
    assert org.contacts_with_customer_no(body["data"]["customer"]["customer_no"]) == []


def test_malformed_json_is_400(stack: Any) -> None:
    resp = stack.send({}, raw=b'{"event_id": "evt-broken", ')

    assert resp.status_code == 400


def test_a_signed_json_body_that_is_not_utf8_is_400_not_401(stack: Any, org: SalesforceOrg) -> None:
    # Given a registration whose bytes are not UTF-8, signed over those bytes
    body = fresh_registration()
    raw = json.dumps(body).encode().replace(b"customer.registered", b"customer.regis\xfftered")

    # When it goes through the local gateway
    resp = stack.send(body, raw=raw)

    # Then its signature holds (the function saw its exact bytes) and it is malformed JSON
    assert resp.status_code == 400
    assert "malformed JSON" in resp.json()["message"]
    assert org.contacts_with_customer_no(body["data"]["customer"]["customer_no"]) == []


def test_the_health_document_lists_a_webhook_secret_per_family(stack: Any) -> None:
    secrets = stack.health["webhook_secrets"]

    assert set(secrets) == {"commerce", "chat", "social", "loyalty"}
    assert len(set(secrets.values())) == 4


@pytest.mark.parametrize("family", ["chat", "social", "loyalty"])
def test_another_familys_secret_does_not_open_a_commerce_route(stack: Any, org: SalesforceOrg, family: str) -> None:
    # Given a registration signed with another family's local secret
    body = fresh_registration()

    # When it is posted to the commerce route
    resp = stack.send(body, secret=stack.health["webhook_secrets"][family])

    # Then it is refused as unsigned, and nothing is written
    assert resp.status_code == 401
    assert org.contacts_with_customer_no(body["data"]["customer"]["customer_no"]) == []


def test_a_commerce_secret_does_not_open_a_loyalty_route(stack: Any) -> None:
    # Given a loyalty read signed with the commerce secret
    path = "/v1/loyalty/customers/nobody"

    # When it is sent
    resp = stack.get(path, secret=stack.health["webhook_secrets"]["commerce"])

    # Then it is refused as unsigned
    assert resp.status_code == 401


def test_missing_required_field_is_422_naming_it_and_writes_nothing(stack: Any, org: SalesforceOrg) -> None:
    body = fresh_registration()
    customer_no = body["data"]["customer"].pop("customer_no")

    resp = stack.send(body)

    assert resp.status_code == 422
    locs = [e["loc"] for e in resp.json()["errors"]]
    assert ["data", "customer", "customer_no"] in locs
    assert org.contacts_with_customer_no(customer_no) == []


def test_salesforce_down_answers_202_then_syncs_from_the_queue(stack: Any, org: SalesforceOrg) -> None:
    body = fresh_registration()
    customer_no = body["data"]["customer"]["customer_no"]
    org.inject_fault(status=503, errorCode="SERVER_UNAVAILABLE", message="down for maintenance", count=1)

    resp = stack.send(body)

    assert resp.status_code == 202
    assert resp.json() == {"status": "queued", "event_id": body["event_id"]}
    state = wait_for(lambda: (s := sync_state(stack, customer_no)) and s["status"] == "SYNCED" and s)
    contacts = org.contacts_with_customer_no(customer_no)
    assert [c["Id"] for c in contacts] == [state["salesforce_ids"]["contact_id"]]


def test_permanent_fault_goes_to_the_dlq_and_reads_dead(stack: Any, org: SalesforceOrg) -> None:
    body = fresh_registration()
    customer_no = body["data"]["customer"]["customer_no"]
    org.inject_fault(
        status=400, errorCode="FIELD_CUSTOM_VALIDATION_EXCEPTION", message="blocked by a validation rule", count=1
    )

    resp = stack.send(body)

    assert resp.status_code == 202
    state = wait_for(lambda: sync_state(stack, customer_no))
    assert state["status"] == "DEAD"
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in state["last_error"]
    assert body["event_id"] in dead_lettered_event_ids(stack, "RegistrationFunction")
    assert org.contacts_with_customer_no(customer_no) == []


def test_transient_fault_past_max_receive_count_ends_dead_in_the_dlq(stack: Any, org: SalesforceOrg) -> None:
    body = fresh_registration()
    customer_no = body["data"]["customer"]["customer_no"]
    org.inject_fault(
        status=503,
        errorCode="SERVER_UNAVAILABLE",
        message="still down",
        count=1000,  # every Salesforce call fails until the fixture clears it
    )

    resp = stack.send(body)

    assert resp.status_code == 202
    state = wait_for(lambda: (s := sync_state(stack, customer_no)) and s["status"] == "DEAD" and s, timeout=90)
    assert "SERVER_UNAVAILABLE" in state["last_error"]
    assert state["attempts"] >= 5
    wait_for(lambda: body["event_id"] in dead_lettered_event_ids(stack, "RegistrationFunction"), timeout=30)


def test_sync_state_of_an_unknown_entity_is_404(stack: Any) -> None:
    resp = stack.get("/v1/sync/commerce/customer/NO-SUCH-CUSTOMER")

    assert resp.status_code == 404


def dead_lettered_event_ids(stack: Any, function: str) -> set[str]:
    """Peek at the DLQ through moto's SQS API (messages are made visible again at once)."""
    sqs = boto3.client(
        "sqs",
        endpoint_url=stack.health["moto"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    dlq = stack.health["functions"][function]["dlq_url"]
    resp = sqs.receive_message(
        QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0, MessageAttributeNames=["All"], WaitTimeSeconds=1
    )
    return {
        m["MessageAttributes"]["event_id"]["StringValue"]
        for m in resp.get("Messages", [])
        if "event_id" in m.get("MessageAttributes", {})
    }


def test_health_answers_200_with_every_part(stack: Any) -> None:
    resp = requests.get(f"{stack.url}/_local/health", timeout=10)

    assert resp.status_code == 200
    assert {"gateway", "moto", "salesforce", "commerce", "loyalty", "social", "functions"} <= set(resp.json())


@pytest.mark.parametrize(
    "name",
    [
        "customer.registered",
        "customer.registered.minimal",
        "customer.updated",
        "customer.opted_in",
        "order.created",
        "order.created.guest-header-only",
        "order.updated",
        "contact_us.submitted",
    ],
)
def test_every_commerce_example_in_events_is_accepted_as_it_stands(stack: Any, name: str) -> None:
    storefront = stack.health["commerce"]
    requests.post(
        f"{storefront}/_admin/seed",
        json={
            "customers": [
                {
                    "customer_no": "00001002",
                    "email": "li.wei@example.com",
                    "first_name": "Li",
                    "last_name": "Wei",
                    "site_id": "RefArch",
                    "customer_list_id": "RefArchGlobal",
                }
            ],
            "orders": [
                {
                    "order_no": no,
                    "site_id": "RefArch",
                    "order_total": 42.0,
                    "currency": "USD",
                    "customer_info": {"email": "jane.doe@example.com", "customer_name": "Jane Doe"},
                }
                for no in ("00002001", "00002002")
            ],
        },
        timeout=10,
    ).raise_for_status()

    resp = stack.send(contract(f"{name}.json"))

    assert resp.status_code in (200, 202), resp.text
