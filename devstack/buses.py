"""The template's EventBridge side in the local account: its event buses, their rules and the rules'
SQS targets, the archives and the queue policies, created in moto from template.yaml (one source of
truth); moto delivers each rule's matches to its queues, where the stack's pollers find them.

Event Relay's partner event buses are named as their partner event source
(`aws.partner/salesforce.com/<org id>/<relay id>`), and moto's rules refuse a bus name holding `/`:
such a bus is made here under a plain name (`<stack>-<LogicalId>`), as the template does itself when
the source parameter is empty. `put_relayed_event` puts an event on a bus as Event Relay does.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from devstack.aws import physical_name
from devstack.cfn import NO_VALUE, Resolver
from devstack.template import resources_of_type

log = logging.getLogger("devstack")

BUS = "AWS::Events::EventBus"
RULE = "AWS::Events::Rule"
ARCHIVE = "AWS::Events::Archive"
QUEUE_POLICY = "AWS::SQS::QueuePolicy"
# The source of an event put locally from its `detail` alone: a partner event source's shape, with an
# org id and relay id of no real org (the rules match on the `aws.partner/salesforce.com` prefix).
LOCAL_SOURCE = "aws.partner/salesforce.com/00D000000000000AAA/0YL000000000000AAA"


@dataclass
class BusInfo:
    logical_id: str
    name: str
    arn: str
    rules: dict[str, Any] = field(default_factory=dict)  # rule name -> its event pattern
    archive: str | None = None

    def document(self) -> dict[str, Any]:
        return {"name": self.name, "arn": self.arn, "rules": self.rules, "archive": self.archive}


def create_buses(
    events: Any, sqs: Any, template: Mapping[str, Any], resolver: Resolver, stack_name: str
) -> dict[str, BusInfo]:
    """Create the template's buses, rules (with their targets), archives and queue policies; adds the
    buses' and rules' names and ARNs to `resolver`. Returns the buses by logical id."""
    buses: dict[str, BusInfo] = {}
    for logical_id, resource in resources_of_type(template, BUS).items():
        if not resolver.resource_enabled(logical_id):
            continue
        props = resolver.resolve(resource.get("Properties") or {})
        name = str(props.get("Name") or "")
        if not name or "/" in name:
            plain = physical_name(stack_name, logical_id, 256)
            if name:
                log.info("event bus %s: %s is served locally as %s (moto's rules refuse '/')", logical_id, name, plain)
            name = plain
        arn = str(events.create_event_bus(Name=name)["EventBusArn"])
        buses[logical_id] = BusInfo(logical_id, name, arn)
        resolver.refs[logical_id] = name
        resolver.attributes[(logical_id, "Arn")] = arn
        resolver.attributes[(logical_id, "Name")] = name
    by_name = {bus.name: bus for bus in buses.values()}

    for logical_id, resource in resources_of_type(template, RULE).items():
        if not resolver.resource_enabled(logical_id):
            continue
        raw = dict(resource.get("Properties") or {})
        targets = raw.pop("Targets", [])
        props = resolver.resolve(raw)
        if "ScheduleExpression" in props:
            continue  # a schedule is the Scheduler's (devstack.sources), not a bus's
        name = str(props.get("Name") or physical_name(stack_name, logical_id, 64))
        bus_name = str(props.get("EventBusName") or "default")
        pattern = props.get("EventPattern") or {}
        arn = events.put_rule(
            Name=name,
            EventBusName=bus_name,
            EventPattern=pattern if isinstance(pattern, str) else json.dumps(pattern),
            State=str(props.get("State", "ENABLED")),
            Description=str(props.get("Description", ""))[:512],
        )["RuleArn"]
        resolver.attributes[(logical_id, "Arn")] = arn
        resolver.refs[logical_id] = f"{bus_name}|{name}" if bus_name != "default" else name
        wanted = [_target(t) for t in resolver.resolve(targets) or []]
        if wanted:
            events.put_targets(Rule=name, EventBusName=bus_name, Targets=wanted)
        if bus_name in by_name:
            by_name[bus_name].rules[name] = pattern if not isinstance(pattern, str) else json.loads(pattern)

    by_arn = {bus.arn: bus for bus in buses.values()}
    for logical_id, resource in resources_of_type(template, ARCHIVE).items():
        if not resolver.resource_enabled(logical_id):
            continue
        props = resolver.resolve(resource.get("Properties") or {})
        name = str(props.get("ArchiveName") or physical_name(stack_name, logical_id, 48))
        request: dict[str, Any] = {"ArchiveName": name, "EventSourceArn": str(props["SourceArn"])}
        if "RetentionDays" in props:
            request["RetentionDays"] = int(props["RetentionDays"])
        if props.get("EventPattern"):
            pattern = props["EventPattern"]
            request["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
        events.create_archive(**request)
        resolver.refs[logical_id] = name
        if request["EventSourceArn"] in by_arn:
            by_arn[request["EventSourceArn"]].archive = name

    # Kept as the queues' Policy attribute (moto does not enforce it: the template test checks it).
    for logical_id, resource in resources_of_type(template, QUEUE_POLICY).items():
        if not resolver.resource_enabled(logical_id):
            continue
        props = resolver.resolve(resource.get("Properties") or {})
        for url in props.get("Queues") or []:
            sqs.set_queue_attributes(QueueUrl=str(url), Attributes={"Policy": json.dumps(props["PolicyDocument"])})
    return buses


def _target(target: Mapping[str, Any]) -> dict[str, Any]:
    """A rule target as PutTargets takes it (CloudFormation's property names are the API's)."""
    keys = ("Id", "Arn", "Input", "InputPath", "RoleArn", "DeadLetterConfig", "RetryPolicy", "SqsParameters")
    return {k: target[k] for k in keys if k in target and target[k] is not NO_VALUE}


def relayed_entry(body: Mapping[str, Any], bus_name: str, detail_type: str | None = None) -> dict[str, Any]:
    """The PutEvents entry for `body`: an EventBridge event as Event Relay delivers it (its `source`,
    `detail-type`, `time` and `detail` kept; EventBridge gives it a new `id`, as on each relay
    attempt), or just its `detail` (`payload`, `id`, ...), whose detail-type is `detail_type` or,
    for a change event, `<entityName>ChangeEvent` from its ChangeEventHeader."""
    if "detail" in body and "detail-type" in body:
        detail = body["detail"]
        kind = detail_type or str(body["detail-type"])
        source = str(body.get("source") or LOCAL_SOURCE)
        time = body.get("time")
    else:
        detail = body
        header = (body.get("payload") or {}).get("ChangeEventHeader") if isinstance(body.get("payload"), dict) else None
        kind = detail_type or (f"{header['entityName']}ChangeEvent" if isinstance(header, dict) else "")
        if not kind:
            raise ValueError("a detail without a ChangeEventHeader needs its detail-type (--detail-type)")
        source, time = LOCAL_SOURCE, None
    entry: dict[str, Any] = {
        "Source": source,
        "DetailType": kind,
        "Detail": json.dumps(detail),
        "EventBusName": bus_name,
    }
    entry["Time"] = datetime.fromisoformat(str(time).replace("Z", "+00:00")) if time else datetime.now(UTC)
    return entry


def choose_bus(buses: Mapping[str, Mapping[str, Any]], wanted: str | None, entry: Mapping[str, Any]) -> str:
    """The name of the bus to put `entry` on: `wanted` (a bus's name, or a word of its logical id:
    `changes` for SalesforceChangesBus, `events` for SalesforcePlatformEventsBus), else the bus one of
    whose rules matches the event (moto's own pattern matcher)."""
    if wanted:
        for logical_id, bus in buses.items():
            if wanted in (bus["name"], logical_id) or wanted.lower() in logical_id.lower():
                return str(bus["name"])
        raise KeyError(f"no bus {wanted!r} (the stack has {', '.join(buses)})")
    from moto.events.models import EventPattern

    event: Any = {"source": entry["Source"], "detail-type": entry["DetailType"], "detail": json.loads(entry["Detail"])}
    for bus in buses.values():
        if any(EventPattern(None, pattern).matches_event(event) for pattern in (bus.get("rules") or {}).values()):
            return str(bus["name"])
    raise KeyError(f"no rule of any bus matches detail-type {entry['DetailType']!r}: name the bus (--bus)")


def put_relayed_event(
    events: Any,
    buses: Mapping[str, Mapping[str, Any]],
    body: Mapping[str, Any],
    bus: str | None = None,
    detail_type: str | None = None,
) -> dict[str, Any]:
    """Put one Salesforce-shaped event on a local bus; the PutEvents answer's entry and the bus."""
    entry = relayed_entry(body, "", detail_type)
    entry["EventBusName"] = choose_bus(buses, bus, entry)
    answer = events.put_events(Entries=[entry])
    if answer.get("FailedEntryCount"):
        raise RuntimeError(f"PutEvents refused the event: {answer['Entries'][0]}")
    return {
        "bus": entry["EventBusName"],
        "detail_type": entry["DetailType"],
        "event_id": answer["Entries"][0]["EventId"],
    }
