"""template.yaml's EventBridge side of issue 15: which relayed Salesforce event each rule hands to which
queue (matched by moto's EventBridge pattern matcher against the sample events of events/relay/, shaped
as Event Relay delivers them), that only that rule may write to the queue, and the archives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from moto.events.models import EventPattern

from devstack.cfn import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
SAMPLES = ROOT / "events" / "relay"


def of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in RESOURCES.items() if r["Type"] == kind}


RULES = of_type("AWS::Events::Rule")
POLICIES = of_type("AWS::SQS::QueuePolicy")


def sample(name: str, **changes: Any) -> dict[str, Any]:
    event = json.loads((SAMPLES / name).read_text())
    event.update(changes)
    return dict(event)


def routed(event: dict[str, Any]) -> set[tuple[str, str]]:
    """(bus, queue) of every rule whose pattern matches `event`."""
    out = set()
    for rule in RULES.values():
        props = rule["Properties"]
        if EventPattern(None, props["EventPattern"]).matches_event(json.loads(json.dumps(event))):
            for target in props["Targets"]:
                out.add((props["EventBusName"]["Ref"], target["Arn"]["Fn::GetAtt"][0]))
    return out


@pytest.mark.parametrize(
    "name", ["ContactChangeEvent.update.json", "ContactChangeEvent.create.json", "AccountChangeEvent.update.json"]
)
def test_a_contact_or_account_change_goes_from_the_change_bus_to_the_salesforce_changes_queue(name: str) -> None:
    assert routed(sample(name)) == {("SalesforceChangesBus", "SalesforceChangesQueue")}


def test_a_merge_goes_from_the_platform_event_bus_to_the_salesforce_changes_queue() -> None:
    assert routed(sample("Contact_Merged__e.json")) == {("SalesforcePlatformEventsBus", "SalesforceChangesQueue")}


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("Social_*__e.json")))
def test_a_social_platform_event_goes_to_the_conversation_routing_queue(name: str) -> None:
    assert routed(sample(name)) == {("SalesforcePlatformEventsBus", "ConversationRoutingQueue")}


@pytest.mark.parametrize("detail_type", ["LeadChangeEvent", "CaseChangeEvent", "Order_Shipped__e"])
def test_an_event_of_another_type_goes_nowhere(detail_type: str) -> None:
    assert routed(sample("ContactChangeEvent.update.json", **{"detail-type": detail_type})) == set()


def test_an_event_of_another_source_goes_nowhere() -> None:
    # a custom application putting a look-alike event on the bus is not Salesforce
    assert routed(sample("ContactChangeEvent.update.json", source="com.example.crm")) == set()


@pytest.mark.parametrize("rule", sorted(RULES))
def test_a_rules_delivery_failures_land_in_its_queues_dead_letter_queue(rule: str) -> None:
    [target] = RULES[rule]["Properties"]["Targets"]
    queue = target["Arn"]["Fn::GetAtt"][0]
    dead_letter = RESOURCES[queue]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": [dead_letter, "Arn"]}
    # EventBridge's own bounds: 185 attempts, 24 hours at most
    assert 0 < target["RetryPolicy"]["MaximumRetryAttempts"] <= 185
    assert 60 <= target["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 86400


def senders(queue: str) -> list[dict[str, Any]]:
    """The statements of the queue policies that name `queue`."""
    return [
        statement
        for policy in POLICIES.values()
        if {"Ref": queue} in policy["Properties"]["Queues"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def rules_sending_to(queue: str) -> set[str]:
    out = set()
    for rule, resource in RULES.items():
        for target in resource["Properties"]["Targets"]:
            names = {target["Arn"]["Fn::GetAtt"][0], target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]}
            if queue in names:
                out.add(rule)
    return out


TARGET_QUEUES = sorted(
    {
        q
        for rule in RULES.values()
        for t in rule["Properties"]["Targets"]
        for q in (t["Arn"]["Fn::GetAtt"][0], t["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0])
    }
)


@pytest.mark.parametrize("queue", TARGET_QUEUES)
def test_only_the_rules_that_target_a_queue_may_send_to_it(queue: str) -> None:
    statements = senders(queue)
    # one statement per rule, each bound to that rule's ARN, for SendMessage on this queue only
    assert {s["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::GetAtt"][0] for s in statements} == rules_sending_to(
        queue
    )
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Action"] == "sqs:SendMessage"
        assert statement["Resource"] == {"Fn::GetAtt": [queue, "Arn"]}
        assert list(statement["Condition"]) == ["ArnEquals"]


@pytest.mark.parametrize("bus", ["SalesforceChangesBus", "SalesforcePlatformEventsBus"])
def test_each_bus_has_an_archive_kept_as_long_as_the_parameter_says(bus: str) -> None:
    [archive] = [
        r["Properties"]
        for r in of_type("AWS::Events::Archive").values()
        if r["Properties"]["SourceArn"] == {"Fn::GetAtt": [bus, "Arn"]}
    ]
    # no pattern: every event of the bus is kept
    assert "EventPattern" not in archive
    assert archive["RetentionDays"] == {"Ref": "RelayArchiveRetentionDays"}
    assert TEMPLATE["Parameters"]["RelayArchiveRetentionDays"]["MinValue"] >= 1  # 0 would keep them forever


@pytest.mark.parametrize(
    ("bus", "parameter"),
    [
        ("SalesforceChangesBus", "SalesforceChangeEventSourceName"),
        ("SalesforcePlatformEventsBus", "SalesforcePlatformEventSourceName"),
    ],
)
def test_a_bus_is_the_partner_event_bus_of_its_source_once_the_parameter_names_it(bus: str, parameter: str) -> None:
    props = RESOURCES[bus]["Properties"]
    [condition, name_if_given, _plain_name] = props["Name"]["Fn::If"]
    # a partner event bus is named as its partner event source, and associated with it
    assert name_if_given == {"Ref": parameter}
    assert props["EventSourceName"]["Fn::If"] == [condition, {"Ref": parameter}, {"Ref": "AWS::NoValue"}]
    assert TEMPLATE["Conditions"][condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, ""]}]}
    assert TEMPLATE["Parameters"][parameter]["Default"] == ""
