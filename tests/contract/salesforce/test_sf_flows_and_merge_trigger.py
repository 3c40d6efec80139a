"""The Salesforce automation of issue 15 as deployed: the record-triggered flows that publish the social
platform events, and the after-delete triggers that publish Contact_Merged__e (their behaviour in an org is
the Apex test's, RecordMergePublisherTest; `make salesforce-check` parses the Apex and scans the flows).

Flow metadata as the Metadata API takes it (processType AutoLaunchedFlow, a start of triggerType
RecordAfterSave on an object, recordCreates on the platform event); loop safety: the connector's integration
user holds the custom permission the flows check, so its own writes are never sent back to the inbox."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from emulators.salesforce.loader import load_schema

PROJECT = Path(__file__).resolve().parents[3] / "salesforce"
DEFAULT = PROJECT / "force-app" / "main" / "default"
NS = {"md": "http://soap.sforce.com/2006/04/metadata"}
FLOWS = sorted((DEFAULT / "flows").glob("*.flow-meta.xml"))
INTEGRATION = "Service_Cloud_Connector_Integration"


def _root(path: Path) -> ET.Element:
    return ET.parse(path).getroot()  # noqa: S314 - the repo's own metadata


def _text(node: ET.Element, path: str) -> str | None:
    return node.findtext("/".join(f"md:{p}" for p in path.split("/")), namespaces=NS)


def _event_fields(event: str) -> set[str]:
    return {
        p.name.removesuffix(".field-meta.xml")
        for p in (DEFAULT / "objects" / event / "fields").glob("*.field-meta.xml")
    }


def _published(flow: ET.Element) -> list[ET.Element]:
    return flow.findall("md:recordCreates", NS)


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name.split(".")[0])
def test_each_flow_is_an_active_record_triggered_after_save_flow(path: Path) -> None:
    root = _root(path)

    assert (_text(root, "processType"), _text(root, "status")) == ("AutoLaunchedFlow", "Active")
    assert _text(root, "start/triggerType") == "RecordAfterSave"
    assert _text(root, "start/object")
    assert _text(root, "apiVersion") == json.loads((PROJECT / "sfdx-project.json").read_text())["sourceApiVersion"]


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name.split(".")[0])
def test_each_flow_publishes_one_social_platform_event_with_fields_the_event_has(path: Path) -> None:
    [create] = _published(_root(path))
    event = _text(create, "object") or ""
    assigned = {_text(a, "field") for a in create.findall("md:inputAssignments", NS)}

    assert re.fullmatch(r"Social_\w+__e", event)
    assert assigned <= _event_fields(event)
    # and every field the event requires is assigned
    required = {
        f
        for f in _event_fields(event)
        if _text(_root(DEFAULT / "objects" / event / "fields" / f"{f}.field-meta.xml"), "required") == "true"
    }
    assert required <= assigned


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name.split(".")[0])
def test_each_flow_publishes_nothing_for_the_connectors_own_writes(path: Path) -> None:
    # given the flow's first element after its start
    root = _root(path)
    first = _text(root, "start/connector/targetReference")
    [decision] = [d for d in root.findall("md:decisions", NS) if _text(d, "name") == first]
    [condition] = decision.findall("md:rules/md:conditions", NS)
    # then it goes on only when the running user lacks the integration user's custom permission
    assert _text(condition, "leftValueReference") == f"$Permission.{INTEGRATION}"
    assert (_text(condition, "operator"), _text(condition, "rightValue/booleanValue")) == ("EqualTo", "false")


def test_the_integration_user_holds_the_custom_permission_and_the_agents_do_not() -> None:
    def granted(permission_set: str) -> set[str | None]:
        root = _root(DEFAULT / "permissionsets" / f"{permission_set}.permissionset-meta.xml")
        return {_text(c, "name") for c in root.findall("md:customPermissions", NS) if _text(c, "enabled") == "true"}

    assert (DEFAULT / "customPermissions" / f"{INTEGRATION}.customPermission-meta.xml").is_file()
    assert granted("Service_Cloud_Connector") == {INTEGRATION}
    assert INTEGRATION not in granted("Service_Cloud_Connector_Agent")


def test_a_flow_publishes_each_record_change_event_of_the_route_but_the_engagement() -> None:
    published = sorted(_text(c, "object") or "" for path in FLOWS for c in _published(_root(path)))
    # engagement.send has no record-triggered flow: the route's workflow itself records the Social_Engagement__c,
    # so a flow on that record would publish the connector's own record again; Apex or a screen flow publishes it
    assert published == ["Social_Agent_Reply__e", "Social_Contact_Linked__e", "Social_Conversation_Assigned__e"]


@pytest.mark.parametrize("sobject", ["Contact", "Account"])
def test_an_after_delete_trigger_on_each_merged_object_hands_trigger_old_to_the_publisher(sobject: str) -> None:
    trigger = DEFAULT / "triggers" / f"{sobject}MergeTrigger.trigger"
    source = trigger.read_text()

    assert re.search(rf"trigger {sobject}MergeTrigger on {sobject} \(after delete\)", source)
    assert f"RecordMergePublisher.publishMerges('{sobject}', Trigger.old);" in source
    meta = _root(trigger.with_name(trigger.name + "-meta.xml"))
    assert (_text(meta, "apiVersion"), _text(meta, "status")) == ("62.0", "Active")


def test_the_publisher_publishes_once_per_trigger_run_and_has_its_test_class() -> None:
    source = (DEFAULT / "classes" / "RecordMergePublisher.cls").read_text()
    test = (DEFAULT / "classes" / "RecordMergePublisherTest.cls").read_text()

    assert source.count("EventBus.publish(") == 1
    assert "MasterRecordId" in source
    assert "@IsTest" in test[:200]
    for behaviour in ("merge winner loser", "delete gone", "Test.getEventBus().deliver()", "i < 200"):
        assert behaviour in test, behaviour


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name.split(".")[0])
def test_every_record_field_a_flow_reads_is_in_the_org_schema(path: Path) -> None:
    # given the org schema the emulator loads from this very source (standard objects and the custom fields)
    schema = load_schema().schema
    root = _root(path)
    sobject = schema.object(_text(root, "start/object") or "")
    assert sobject is not None
    # then the start's conditions and every $Record field the flow reads are fields of the triggering object
    # (a flow naming a field the org lacks is refused on deploy), and a Get Records reads its object's fields
    read = {_text(f, "field") for f in root.findall("md:start/md:filters", NS)}
    read |= set(re.findall(r"\$Record\.(\w+)", path.read_text()))
    assert {name for name in read if sobject.field(name or "") is None} == set()
    for lookup in root.findall("md:recordLookups", NS):
        target = schema.object(_text(lookup, "object") or "")
        assert target is not None
        queried = {q.text for q in lookup.findall("md:queriedFields", NS)}
        assert {name for name in queried if target.field(name or "") is None} == set()
