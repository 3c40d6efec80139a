"""Issue 15's acceptance through the local stack: Salesforce events put on the local EventBridge buses
as Event Relay delivers them (`detail-type` the event's API name, `detail.payload` its fields with the
ChangeEventHeader, as the Change Data Capture Developer Guide shows them: events/relay/README.md), which
the template's rules hand to the salesforce_changes queue, whose function writes to the storefront and
loyalty emulators. Calls are counted at the emulators (their request logs), by this test's own keys,
so the session's shared stack serves (other files' traffic names other customers)."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from conftest import LocalStack
from salesforce_org import SalesforceOrg, wait_for

from devstack.buses import put_relayed_event

ROOT = Path(__file__).resolve().parents[2]
LOCAL_CONFIG: dict[str, Any] = json.loads((ROOT / "local" / "connector-config.json").read_text())
FUNCTION = "SalesforceChangesFunction"
LOYALTY_AUTH = ("local-loyalty-key", "local-loyalty-secret")
SAMPLES = ROOT / "events" / "relay"
AGENT_USER = "0055f000005mc66AAA"  # an agent of the org, not the connector's integration user


@pytest.fixture(scope="module")
def changes(stack: LocalStack) -> Iterator[LocalStack]:
    """The stack with Salesforce changes carried to both platforms (off by default): the
    salesforce_changes function alone reads this configuration."""
    document = {
        **LOCAL_CONFIG,
        "commerce": {**LOCAL_CONFIG["commerce"], "sync_salesforce_changes": True},
        "loyalty": {
            "sync_customer_changes": True,
            "merge_on_parent_merge": True,
            # The loyalty platform's emails are unique, and one change event naming two Contacts carries
            # one value for both: its new email could not be given to two loyalty customers (the second
            # is refused: FAILED with the reason). So the loyalty profile here follows the Contact's
            # address, not its email (the storefront still gets the email).
            "field_mapping": {"Contact": {"first_name": "FirstName", "last_name": "LastName", "city": "MailingCity"}},
        },
    }
    with stack.configured(document, (FUNCTION,)):
        yield stack


@dataclass
class Linked:
    """A customer of this test alone: a storefront customer, registered (so its Contact and the
    identity map's link exist), and a loyalty customer whose external id the Contact holds."""

    customer_no: str
    contact_id: str
    loyalty_key: str
    loyalty_id: str
    email: str


def linked_customer(
    stack: LocalStack, org: SalesforceOrg, *, loyalty_key: str | None = None, with_address: bool = False
) -> Linked:
    tag = uuid.uuid4().hex[:10]
    customer_no, email = f"rl{tag}", f"rl.{tag}@example.com"
    customer: dict[str, Any] = {
        "customer_no": customer_no,
        "customer_id": f"bc{tag}",
        "email": email,
        "first_name": "Relay",
        "last_name": f"E2E{tag}",
    }
    if with_address:
        # The preferred address the inbound mapping reads into the Contact's Mailing fields.
        customer["addresses"] = [
            {
                "address_id": "home",
                "address1": "1 Rue de la Paix",
                "city": "Paris",
                "postal_code": "75002",
                "country_code": "FR",
                "preferred": True,
            }
        ]
    seed = {"customers": [{"site_id": "RefArch", "customer_list_id": "RefArchGlobal", **customer}]}
    requests.post(f"{stack.commerce}/_admin/seed", json=seed, timeout=5).raise_for_status()
    body = {
        "event_id": f"evt-rl-{tag}",
        "event_type": "customer.registered",
        "occurred_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": "commerce",
        "data": {"site_id": "RefArch", "customer_list_id": "RefArchGlobal", "customer": customer},
    }
    registered = stack.send(body)
    assert registered.status_code == 200, registered.text
    contact_id = registered.json()["contact_id"]
    key = loyalty_key or f"RL_{tag}"
    user = {"id": f"user-rl-{tag}", "external_id": key, "email": email, "last_name": f"E2E{tag}"}
    requests.post(f"{stack.loyalty}/_admin/seed", json={"users": [user]}, timeout=5).raise_for_status()
    org.update("Contact", contact_id, {"Loyalty_External_Id__c": key})
    return Linked(customer_no, contact_id, key, user["id"], email)


def loyalty_user(stack: LocalStack, user_id: str) -> dict[str, Any] | None:
    url = f"{stack.loyalty}/priv/v1/apps/{LOYALTY_AUTH[0]}/users/{user_id}"
    resp = requests.get(url, auth=LOYALTY_AUTH, timeout=5)
    return dict(resp.json()["user"]) if resp.status_code == 200 else None


def storefront_patches(stack: LocalStack, customer_no: str) -> list[dict[str, Any]]:
    """The storefront emulator's PATCHes of this customer (Data API customer_lists/.../customers/<no>)."""
    log = requests.get(f"{stack.commerce}/_admin/requests", params={"match": customer_no}, timeout=5).json()
    return [r for r in log if r["method"] == "PATCH"]


def loyalty_calls(stack: LocalStack, user_id: str, method: str) -> list[dict[str, Any]]:
    log = requests.get(f"{stack.loyalty}/_admin/requests", params={"match": user_id}, timeout=5).json()
    return [r for r in log if r["method"] == method]


def local_client(stack: LocalStack, service: str) -> Any:
    """A boto3 client of the stack's moto server (its DynamoDB, EventBridge, SQS)."""
    return boto3.client(
        service,
        endpoint_url=stack.moto,
        region_name=stack.health["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def sync_state(stack: LocalStack, record_id: str, entity: str = "contact") -> dict[str, Any] | None:
    ddb = local_client(stack, "dynamodb")
    item = ddb.get_item(
        TableName=stack.health["tables"]["SyncStateTable"],
        Key={"pk": {"S": f"salesforce#{entity}#{record_id}"}, "sk": {"S": "STATE"}},
        ConsistentRead=True,
    ).get("Item")
    return {k: next(iter(v.values())) for k, v in item.items()} if item else None


def settled(stack: LocalStack, record_id: str, entity: str = "contact") -> dict[str, Any]:
    """The record's sync state once its event is done with (synced, ignored, failed or dead)."""
    return dict(
        wait_for(
            lambda: (
                (s := sync_state(stack, record_id, entity))
                and s["status"] in ("SYNCED", "IGNORED", "FAILED", "DEAD")
                and s
            ),
            timeout=45,
        )
    )


def put(stack: LocalStack, event: dict[str, Any]) -> None:
    events = local_client(stack, "events")
    put_relayed_event(events, stack.health["buses"], event)


def contact_change(
    *customers: Linked,
    committed: datetime | None = None,
    commit_user: str = AGENT_USER,
    transaction: str | None = None,
    enriched: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    """events/relay/ContactChangeEvent.update.json (UPDATE of Email and MailingAddress.City) naming these
    customers' Contacts, in a transaction of its own unless named. `enriched`: with the link keys the
    changes channel enriches every change with (one record: Salesforce never groups enriched events,
    https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_enrich_considerations.htm)."""
    event = json.loads((SAMPLES / "ContactChangeEvent.update.json").read_text())
    payload = event["detail"]["payload"]
    header = payload["ChangeEventHeader"]
    header.update(
        recordIds=[c.contact_id for c in customers],
        commitUser=commit_user,
        transactionKey=transaction or str(uuid.uuid4()),
        commitTimestamp=int((committed or datetime.now(UTC)).timestamp() * 1000),
    )
    if enriched:
        [only] = customers
        payload.update(
            Commerce_Customer_No__c=only.customer_no,
            Loyalty_External_Id__c=only.loyalty_key,
            Commerce_Site_Id__c="RefArch",
        )
    payload.update(fields)
    event["detail"]["id"] = str(uuid.uuid4())
    return dict(event)


def integration_user_id(stack: LocalStack) -> str:
    """The connector's own user: the last segment of the identity URL of the token response
    (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm)."""
    token = requests.post(
        f"{stack.salesforce}/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"},
        timeout=5,
    ).json()
    return str(token["id"]).rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def org(stack: LocalStack) -> SalesforceOrg:
    assert stack.salesforce
    return SalesforceOrg(stack.salesforce)


def test_an_update_of_two_linked_contacts_patches_each_customer_with_exactly_those_fields(
    changes: LocalStack, org: SalesforceOrg
) -> None:
    # given two Contacts linked to a storefront customer (with a preferred address) and a loyalty customer each
    first, second = (linked_customer(changes, org, with_address=True) for _ in range(2))
    # when an agent's change of Email and MailingAddress.City of both, in one transaction, arrives
    # through the bus as the enriched channel delivers it: one event per record (never grouped)
    transaction = str(uuid.uuid4())
    for customer in (first, second):
        put(changes, contact_change(customer, transaction=transaction, Email="agent.fixed@example.com"))
    # then each storefront customer got exactly those two fields and nothing else: the email in the
    # customer document's PATCH, the city in its preferred address's PATCH (the Data API keeps
    # addresses apart from the customer document: customer_lists/{id}/customers/{no}/addresses/{name}),
    # and each loyalty customer one profile update of exactly the one it maps (the city)
    for customer in (first, second):
        state = settled(changes, customer.contact_id)
        assert state["status"] == "SYNCED", state.get("last_error")
        patches = storefront_patches(changes, customer.customer_no)
        assert [(p["path"].rsplit("/", 2)[-2:], p["json"]) for p in patches] == [
            (["customers", customer.customer_no], {"email": "agent.fixed@example.com"}),
            (["addresses", "home"], {"city": "Lyon"}),
        ]
        updates = loyalty_calls(changes, customer.loyalty_id, "PUT")
        assert [u["json"] for u in updates] == [{"user": {"city": "Lyon"}}]


def test_one_change_event_naming_two_linked_contacts_patches_each_customer(
    changes: LocalStack, org: SalesforceOrg
) -> None:
    # given two linked Contacts
    first, second = linked_customer(changes, org), linked_customer(changes, org)
    # when one change event names both (issue 15's line as written: Salesforce groups records only in
    # events without enrichment, so it carries no link keys and the workflow reads them)
    put(changes, contact_change(first, second, enriched=False, Email="grouped@example.com"))
    # then each storefront customer got one PATCH of the email, each loyalty customer one update of the city
    for customer in (first, second):
        state = settled(changes, customer.contact_id)
        assert state["status"] == "SYNCED", state.get("last_error")
        assert [p["json"] for p in storefront_patches(changes, customer.customer_no)] == [
            {"email": "grouped@example.com"}
        ]
        assert [u["json"] for u in loyalty_calls(changes, customer.loyalty_id, "PUT")] == [{"user": {"city": "Lyon"}}]


def test_the_same_envelope_again_calls_no_platform(changes: LocalStack, org: SalesforceOrg) -> None:
    # given a change already carried to both platforms
    customer = linked_customer(changes, org)
    change = contact_change(customer)
    put(changes, change)
    settled(changes, customer.contact_id)
    synced_at = sync_state(changes, customer.contact_id)
    # when Event Relay delivers the very same event again (at least once)
    put(changes, copy.deepcopy(change))
    # then, once it is consumed (the queue drained), no platform was called again
    wait_for(lambda: queue_depth(changes) == 0, timeout=30)
    assert len(storefront_patches(changes, customer.customer_no)) == 1
    assert len(loyalty_calls(changes, customer.loyalty_id, "PUT")) == 1
    assert sync_state(changes, customer.contact_id) == synced_at


def test_an_older_commit_after_a_newer_one_calls_no_platform(changes: LocalStack, org: SalesforceOrg) -> None:
    # given a change committed now, carried to both platforms
    customer = linked_customer(changes, org)
    now = datetime.now(UTC)
    put(changes, contact_change(customer, committed=now, Email="newer@example.com"))
    assert settled(changes, customer.contact_id)["status"] == "SYNCED"
    # when a change committed a minute earlier arrives afterwards (delivery is unordered)
    older = contact_change(customer, committed=now - timedelta(minutes=1), Email="older@example.com")
    put(changes, older)
    # then it is dropped: neither platform is called with its value
    wait_for(lambda: queue_depth(changes) == 0, timeout=30)
    assert [p["json"] for p in storefront_patches(changes, customer.customer_no)] == [{"email": "newer@example.com"}]
    assert len(loyalty_calls(changes, customer.loyalty_id, "PUT")) == 1


def test_a_change_by_the_connectors_integration_user_calls_no_platform(changes: LocalStack, org: SalesforceOrg) -> None:
    # given a linked Contact
    customer = linked_customer(changes, org)
    # when the connector's own user changed it (its writes from the storefront, say)
    put(changes, contact_change(customer, commit_user=integration_user_id(changes)))
    # then nothing is sent back, and the sync state says why
    state = settled(changes, customer.contact_id)
    assert (state["status"], "integration user" in state["last_error"]) == ("IGNORED", True)
    assert storefront_patches(changes, customer.customer_no) == []
    assert loyalty_calls(changes, customer.loyalty_id, "PUT") == []


def test_a_created_contact_linked_to_no_platform_calls_nothing_and_says_why(
    changes: LocalStack, org: SalesforceOrg
) -> None:
    # given a Contact created by an agent, with no storefront or loyalty key
    contact_id = org.create("Contact", {"LastName": f"Unlinked{uuid.uuid4().hex[:8]}"})
    event = json.loads((SAMPLES / "ContactChangeEvent.create.json").read_text())
    event["detail"]["payload"]["ChangeEventHeader"].update(
        recordIds=[contact_id],
        transactionKey=str(uuid.uuid4()),
        commitTimestamp=int(datetime.now(UTC).timestamp() * 1000),
    )
    event["detail"]["id"] = str(uuid.uuid4())
    calls_before = platform_writes(changes)
    # when its CREATE arrives through the bus
    put(changes, event)
    # then its sync state reads IGNORED with the reasons, and no platform was written to
    state = settled(changes, contact_id)
    assert state["status"] == "IGNORED"
    assert "customer number" in state["last_error"] and "loyalty key" in state["last_error"]
    assert platform_writes(changes) == calls_before


def platform_writes(stack: LocalStack) -> tuple[int, int]:
    """The storefront's PATCHes and the loyalty platform's profile updates, whoever they were for."""
    storefront = requests.get(f"{stack.commerce}/_admin/requests", timeout=5).json()
    loyalty = requests.get(f"{stack.loyalty}/_admin/requests", timeout=5).json()
    return (
        sum(r["method"] == "PATCH" for r in storefront),
        sum(r["method"] == "PUT" and "/users/" in r["path"] for r in loyalty),
    )


def merge_event(winner: str, loser: Linked) -> dict[str, Any]:
    event = json.loads((SAMPLES / "Contact_Merged__e.json").read_text())
    payload = event["detail"]["payload"]
    payload.update(
        Winner_Id__c=winner,
        Loser_Id__c=loser.contact_id,
        Loser_Commerce_Customer_No__c=loser.customer_no,
        Loser_Loyalty_External_Id__c=loser.loyalty_key,
        CreatedDate=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        EventUuid=str(uuid.uuid4()),
    )
    event["detail"]["id"] = payload["EventUuid"]
    return dict(event)


def test_a_merge_whose_winner_keeps_its_key_merges_the_losers_loyalty_customer_into_the_winners(
    changes: LocalStack, org: SalesforceOrg
) -> None:
    # given two linked Contacts, merged in Salesforce: the winner kept its own loyalty key
    winner, loser = linked_customer(changes, org), linked_customer(changes, org)
    # when the after-delete trigger's Contact_Merged__e arrives through the platform event bus
    put(changes, merge_event(winner.contact_id, loser))
    # then the loser's loyalty customer was merged into the winner's, and is gone
    assert settled(changes, loser.contact_id, "contact-merge")["status"] == "SYNCED"
    [merge] = loyalty_calls(changes, winner.loyalty_id, "POST")
    assert merge["path"].endswith(f"/users/{winner.loyalty_id}/merge")
    assert merge["json"] == {"victim_user_id": loser.loyalty_id}
    assert loyalty_user(changes, loser.loyalty_id) is None


def test_a_merge_whose_winner_took_the_losers_key_keeps_the_losers_loyalty_customer(
    changes: LocalStack, org: SalesforceOrg
) -> None:
    # given a winner whose loyalty customer is keyed by its record Id (an enrolment's default key),
    # and a loser with a key of its own, which the merge wrote onto the winner (the field's value kept)
    loser = linked_customer(changes, org)
    winner = linked_customer(changes, org)
    requests.post(
        f"{changes.loyalty}/_admin/seed",
        json={
            "users": [
                {
                    "id": f"{winner.loyalty_id}-own",
                    "external_id": winner.contact_id,
                    "email": f"own.{winner.email}",
                    "last_name": "Winner",
                }
            ]
        },
        timeout=5,
    ).raise_for_status()
    org.update("Contact", winner.contact_id, {"Loyalty_External_Id__c": loser.loyalty_key})
    # when Contact_Merged__e arrives
    put(changes, merge_event(winner.contact_id, loser))
    # then the loser's customer survives: the winner's own was merged into it
    assert settled(changes, loser.contact_id, "contact-merge")["status"] == "SYNCED"
    [merge] = loyalty_calls(changes, loser.loyalty_id, "POST")
    assert merge["path"].endswith(f"/users/{loser.loyalty_id}/merge")
    assert merge["json"] == {"victim_user_id": f"{winner.loyalty_id}-own"}


def queue_depth(stack: LocalStack) -> int:
    """Messages of the salesforce_changes queue still visible or in flight."""
    sqs = local_client(stack, "sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=stack.function(FUNCTION)["queue_url"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_a_change_the_storefront_missed_while_down_is_retried_from_the_queue_and_delivered(
    changes: LocalStack, org: SalesforceOrg
) -> None:
    # given a linked Contact, and the storefront answering 503 to its next PATCH
    customer = linked_customer(changes, org)
    fault = {"status": 503, "count": 1, "match": f"customers/{customer.customer_no}"}
    requests.post(f"{changes.commerce}/_admin/faults", json=fault, timeout=5).raise_for_status()
    # when an agent's change arrives through the bus
    put(changes, contact_change(customer, Email="after.outage@example.com"))
    # then the queue retries it until the storefront is back: delivered once it answers, never lost
    assert settled(changes, customer.contact_id)["status"] == "SYNCED"
    patches = storefront_patches(changes, customer.customer_no)
    assert [p["json"] for p in patches] == [{"email": "after.outage@example.com"}] * 2
    assert int(sync_state(changes, customer.contact_id)["attempts"]) == 2
    # and the loyalty customer, updated on the first attempt, was not updated again
    assert len(loyalty_calls(changes, customer.loyalty_id, "PUT")) == 1
