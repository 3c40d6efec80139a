"""The local stack's EventBridge side (devstack.buses) in moto in-process: the template's buses, rules,
targets, archives and queue policies created from template.yaml, moto delivering a rule's match to its
queue, and `put-event`'s reading of a file (the EventBridge event as Event Relay delivers it, or its
detail alone)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from devstack.aws import queue_name
from devstack.buses import LOCAL_SOURCE, create_buses, put_relayed_event, relayed_entry
from devstack.cfn import Resolver, load_template, parameter_defaults
from devstack.template import QUEUE, resources_of_type

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
SAMPLES = ROOT / "events" / "relay"


class LocalAccount:
    def __init__(self) -> None:
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.events = boto3.client("events", region_name="us-east-1")
        params = {
            **parameter_defaults(TEMPLATE),
            "SalesforceChangeEventSourceName": "aws.partner/salesforce.com/00D000000000001EAA/0YL000000000001GAA",
        }
        naming = Resolver(TEMPLATE, params)
        refs: dict[str, Any] = {}
        attributes: dict[tuple[str, str], Any] = {}
        self.queues: dict[str, str] = {}
        for logical_id, resource in resources_of_type(TEMPLATE, QUEUE).items():
            url = self.sqs.create_queue(QueueName=queue_name("local", logical_id, resource["Properties"], naming))[
                "QueueUrl"
            ]
            arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            refs[logical_id], attributes[(logical_id, "Arn")] = url, arn
            self.queues[logical_id] = url
        resolver = Resolver(TEMPLATE, params, refs, attributes)
        self.buses = {
            lid: bus.document() for lid, bus in create_buses(self.events, self.sqs, TEMPLATE, resolver, "local").items()
        }

    def received(self, queue: str) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(QueueUrl=self.queues[queue], MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]


@pytest.fixture
def account(aws: None) -> Iterator[LocalAccount]:
    yield LocalAccount()


def sample(name: str) -> dict[str, Any]:
    return dict(json.loads((SAMPLES / name).read_text()))


def test_a_partner_bus_is_served_under_a_plain_name(account: LocalAccount) -> None:
    # given the change source parameter set to a partner event source (its name holds '/')
    # then the bus is made under the stack's plain name, which moto's rules accept
    assert account.buses["SalesforceChangesBus"]["name"] == "local-SalesforceChangesBus"
    assert account.buses["SalesforcePlatformEventsBus"]["name"] == "local-salesforce-events"


def test_each_bus_lists_its_rules_patterns_and_its_archive(account: LocalAccount) -> None:
    events_bus = account.buses["SalesforcePlatformEventsBus"]
    assert sorted(events_bus["rules"]) == ["local-ContactMergedRule", "local-SocialPlatformEventsRule"]
    assert events_bus["archive"] == "local-SalesforcePlatformEventsArchive"
    archive = account.events.describe_archive(ArchiveName="local-SalesforcePlatformEventsArchive")
    assert (archive["EventSourceArn"], archive["RetentionDays"]) == (events_bus["arn"], 30)


def test_a_relayed_change_put_on_its_bus_reaches_the_salesforce_changes_queue_as_it_was(
    account: LocalAccount,
) -> None:
    # when the sample change event is put on the bus its rules take it from
    event = sample("ContactChangeEvent.update.json")
    put = put_relayed_event(account.events, account.buses, event)
    # then the rule's target queue holds the EventBridge event, its detail as Salesforce sent it
    assert put["bus"] == "local-SalesforceChangesBus"
    [received] = account.received("SalesforceChangesQueue")
    assert (received["detail-type"], received["source"], received["detail"]) == (
        "ContactChangeEvent",
        event["source"],
        event["detail"],
    )
    assert account.received("ConversationRoutingQueue") == []


def test_a_social_platform_event_reaches_the_conversation_routing_queue(account: LocalAccount) -> None:
    put_relayed_event(account.events, account.buses, sample("Social_Agent_Reply__e.json"))
    [received] = account.received("ConversationRoutingQueue")
    assert received["detail-type"] == "Social_Agent_Reply__e"


def test_the_queues_written_by_a_rule_hold_its_policy(account: LocalAccount) -> None:
    policy = account.sqs.get_queue_attributes(
        QueueUrl=account.queues["SalesforceChangesQueue"], AttributeNames=["Policy"]
    )["Attributes"]["Policy"]
    sources = [s["Condition"]["ArnEquals"]["aws:SourceArn"] for s in json.loads(policy)["Statement"]]
    assert sorted(arn.rsplit("/", 1)[-1] for arn in sources) == [
        "local-ContactAccountChangesRule",
        "local-ContactMergedRule",
    ]


def test_a_detail_alone_is_a_change_event_named_by_its_header() -> None:
    # given only the detail of a change event
    detail = sample("AccountChangeEvent.update.json")["detail"]
    # when it is read for PutEvents
    entry = relayed_entry(detail, "bus")
    # then its detail-type comes from the header's entityName, its source is a partner source's shape
    assert (entry["DetailType"], entry["Source"], json.loads(entry["Detail"])) == (
        "AccountChangeEvent",
        LOCAL_SOURCE,
        detail,
    )


def test_a_platform_events_detail_alone_needs_its_detail_type() -> None:
    detail = sample("Contact_Merged__e.json")["detail"]
    with pytest.raises(ValueError, match="--detail-type"):
        relayed_entry(detail, "bus")
    assert relayed_entry(detail, "bus", "Contact_Merged__e")["DetailType"] == "Contact_Merged__e"


def test_an_event_no_rule_takes_names_the_missing_bus(account: LocalAccount) -> None:
    event = {**sample("ContactChangeEvent.update.json"), "detail-type": "LeadChangeEvent"}
    with pytest.raises(KeyError, match="--bus"):
        put_relayed_event(account.events, account.buses, event)
    # naming the bus puts it there all the same (no rule delivers it anywhere)
    assert put_relayed_event(account.events, account.buses, event, bus="changes")["bus"] == "local-SalesforceChangesBus"
