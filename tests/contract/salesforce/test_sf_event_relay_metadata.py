"""The SFDX source of issue 15's Salesforce side: the platform events, the two channels and their members,
the two Event Relays and their destination, as the Metadata API takes them.

Real shapes followed (cited in each file): CustomObject as a platform event (eventType HighVolume, the only
one a new event may have; publishBehavior), PlatformEventChannel (channelType data | event; a channel holds
change events or platform events, never both), PlatformEventChannelMember (full name
`<channel>_chn_<entity>`, enrichedFields), EventRelayConfig (created in STOP, destination
`callout:<named credential>`), and the Event Relay guide's legacy named credential (`arn:aws:<REGION>:<account>`)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[3] / "salesforce"
DEFAULT = PROJECT / "force-app" / "main" / "default"
NS = {"md": "http://soap.sforce.com/2006/04/metadata"}
CHANGES, EVENTS = "Service_Cloud_Connector_Changes__chn", "Service_Cloud_Connector_Events__chn"
RELAY_CREDENTIAL = DEFAULT / "namedCredentials" / "Service_Cloud_Connector_Event_Relay.namedCredential-meta.xml"
PLATFORM_EVENTS = sorted(p.name for p in (DEFAULT / "objects").iterdir() if p.name.endswith("__e"))
# The field types a platform event may have (Platform Events Developer Guide, "Platform Event Fields").
PLATFORM_EVENT_FIELD_TYPES = {"Checkbox", "Date", "DateTime", "Number", "Text", "LongTextArea"}


def _root(path: Path) -> ET.Element:
    return ET.parse(path).getroot()  # noqa: S314 - the repo's own metadata


def _text(node: ET.Element, tag: str) -> str | None:
    return node.findtext(f"md:{tag}", namespaces=NS)


def _members() -> dict[str, ET.Element]:
    folder = DEFAULT / "platformEventChannelMembers"
    return {p.name.removesuffix(".platformEventChannelMember-meta.xml"): _root(p) for p in folder.iterdir()}


def _members_of(channel: str) -> dict[str, ET.Element]:
    return {_text(m, "selectedEntity") or "": m for m in _members().values() if _text(m, "eventChannel") == channel}


def _relays() -> dict[str, ET.Element]:
    return {p.name: _root(p) for p in (DEFAULT / "eventRelays").glob("*.eventRelay-meta.xml")}


def test_one_channel_of_change_events_and_one_of_platform_events() -> None:
    channels = {
        p.name.removesuffix(".platformEventChannel-meta.xml"): _text(_root(p), "channelType")
        for p in (DEFAULT / "platformEventChannels").iterdir()
    }

    assert channels == {CHANGES: "data", EVENTS: "event"}


def test_the_changes_channel_selects_contact_and_account_with_their_link_keys_enriched() -> None:
    members = _members_of(CHANGES)
    enriched = {
        entity: sorted(n.text or "" for n in m.findall("md:enrichedFields/md:name", NS))
        for entity, m in members.items()
    }

    assert enriched == {
        "AccountChangeEvent": ["Commerce_Customer_No__c", "Loyalty_External_Id__c"],
        "ContactChangeEvent": ["Commerce_Customer_No__c", "Commerce_Site_Id__c", "Loyalty_External_Id__c"],
    }


def test_every_enriched_field_exists_on_its_object_in_the_source() -> None:
    for entity, member in _members_of(CHANGES).items():
        sobject = entity.removesuffix("ChangeEvent")
        for name in member.findall("md:enrichedFields/md:name", NS):
            assert (DEFAULT / "objects" / sobject / "fields" / f"{name.text}.field-meta.xml").is_file(), (
                sobject,
                name.text,
            )


def test_the_events_channel_carries_every_platform_event_of_the_source() -> None:
    assert sorted(_members_of(EVENTS)) == PLATFORM_EVENTS
    assert PLATFORM_EVENTS == [
        "Contact_Merged__e",
        "Social_Agent_Reply__e",
        "Social_Contact_Linked__e",
        "Social_Conversation_Assigned__e",
        "Social_Engagement_Send__e",
    ]


def test_every_member_is_named_after_its_channel_and_entity() -> None:
    for full_name, member in _members().items():
        channel, entity = _text(member, "eventChannel") or "", _text(member, "selectedEntity") or ""
        # double underscores are not allowed in a developer name: MyChannel__chn -> MyChannel_chn
        assert full_name == f"{channel.removesuffix('__chn')}_chn_{entity.replace('__', '_')}"


def test_each_channel_has_one_relay_created_stopped_to_the_relay_credential() -> None:
    relays = _relays()
    # then one relay per channel (a channel may not be reused by another relay), each in STOP, sending to
    # the named credential that names the AWS account and region
    assert sorted(_text(r, "eventChannel") or "" for r in relays.values()) == [CHANGES, EVENTS]
    for name, relay in relays.items():
        assert _text(relay, "state") == "STOP", name
        assert _text(relay, "destinationResourceName") == "callout:Service_Cloud_Connector_Event_Relay", name
        assert json.loads(_text(relay, "relayOption") or "{}") == {"ReplayRecovery": "EARLIEST"}, name


def test_the_relay_destination_is_replaced_from_the_environment_at_deploy() -> None:
    # given the relay's named credential and the project's replacements
    root = _root(RELAY_CREDENTIAL)
    replacements = json.loads((PROJECT / "sfdx-project.json").read_text())["replacements"]
    [replacement] = [r for r in replacements if r["filename"].endswith(RELAY_CREDENTIAL.name)]
    # then a legacy named credential, no authentication, whose URL (arn:aws:<REGION>:<account>) comes from
    # SCC_EVENT_RELAY_DESTINATION, so no account id is in the repository
    assert (_text(root, "namedCredentialType"), _text(root, "protocol"), _text(root, "principalType")) == (
        "Legacy",
        "NoAuthentication",
        "NamedUser",
    )
    assert _text(root, "endpoint") == replacement["stringToReplace"] == replacement["replaceWithEnv"]
    assert replacement["replaceWithEnv"] == "SCC_EVENT_RELAY_DESTINATION"


@pytest.mark.parametrize("event", PLATFORM_EVENTS)
def test_every_platform_event_is_high_volume_and_published_after_commit(event: str) -> None:
    root = _root(DEFAULT / "objects" / event / f"{event}.object-meta.xml")

    assert (_text(root, "eventType"), _text(root, "publishBehavior")) == ("HighVolume", "PublishAfterCommit")
    types = {_text(_root(p), "type") for p in (DEFAULT / "objects" / event / "fields").glob("*.field-meta.xml")}
    assert types <= PLATFORM_EVENT_FIELD_TYPES


def test_the_merge_event_carries_winner_loser_the_losers_link_keys_and_who_merged() -> None:
    fields = {
        p.name.removesuffix(".field-meta.xml"): (_text(_root(p), "type"), _text(_root(p), "length"))
        for p in (DEFAULT / "objects" / "Contact_Merged__e" / "fields").glob("*.field-meta.xml")
    }

    assert fields == {
        "Object__c": ("Text", "40"),
        "Winner_Id__c": ("Text", "18"),
        "Loser_Id__c": ("Text", "18"),
        "Loser_Commerce_Customer_No__c": ("Text", "255"),
        "Loser_Loyalty_External_Id__c": ("Text", "255"),
        "Merged_By__c": ("Text", "18"),
    }
