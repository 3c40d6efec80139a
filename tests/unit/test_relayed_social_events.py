"""A social platform event relayed from Salesforce (`Social_*__e`) becomes the canonical event of
`POST /v1/social/salesforce-events`: the same event, validated by the same model, whichever way it came."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from connector.errors import MappingError
from connector.relay.events import RelayedEvent
from connector.relay.social import SOCIAL_PLATFORM_EVENTS, translate_social_platform_event
from connector.social.salesforce_events import (
    ConversationAssigned,
    ConversationContactLinked,
    ConversationReply,
    EngagementSend,
)

ROOT = Path(__file__).resolve().parents[2]
OBJECTS = ROOT / "salesforce" / "force-app" / "main" / "default" / "objects"
EVENT_UUID = "9b2f6c1e-58a4-4d0a-9c53-7e1f0b2d4a61"
AGENT = {"Agent_Id__c": "005000000000001AAA", "Agent_Name__c": "Alex Kim", "Agent_Email__c": "alex.kim@brand.example"}
PAYLOADS: dict[str, dict[str, Any]] = {
    "Social_Contact_Linked__e": {
        "Conversation_Id__c": "conv-501",
        "Object__c": "Contact",
        "Record_Id__c": "003000000000003AAA",
        **AGENT,
    },
    "Social_Conversation_Assigned__e": {"Conversation_Id__c": "conv-501", "Team__c": "Support FR", **AGENT},
    "Social_Agent_Reply__e": {"Conversation_Id__c": "conv-501", "Text__c": "Votre commande part aujourd'hui.", **AGENT},
    "Social_Engagement_Send__e": {
        "Recipient__c": "+33612345678",
        "Channel__c": "whatsapp",
        "Consent__c": True,
        "Text__c": "Votre colis est prêt.",
        "Case_Id__c": "500000000000001AAA",
        **AGENT,
    },
}


def relayed(detail_type: str, eventbridge_id: str = "e-1", **fields: Any) -> RelayedEvent:
    """The event as Event Relay puts it on the partner bus (EventBridge's envelope around the platform
    event: its API name as detail-type, its fields under detail.payload, its EventUuid as detail.id)."""
    payload = {
        "CreatedDate": "2026-11-23T10:07:00.125Z",
        "CreatedById": "005000000000001AAA",
        **PAYLOADS.get(detail_type, {}),
        **fields,
    }
    return RelayedEvent.model_validate(
        {
            "version": "0",
            "id": eventbridge_id,
            "detail-type": detail_type,
            "source": "aws.partner/salesforce.com/00D000000000001AAA/0YL000000000001AAA",
            "account": "123456789012",
            "time": "2026-11-23T10:07:01Z",
            "region": "eu-west-1",
            "resources": [],
            "detail": {"payload": {k: v for k, v in payload.items() if v is not ...}, "id": EVENT_UUID},
        }
    )


@pytest.mark.parametrize(
    ("detail_type", "model"),
    [
        ("Social_Contact_Linked__e", ConversationContactLinked),
        ("Social_Conversation_Assigned__e", ConversationAssigned),
        ("Social_Agent_Reply__e", ConversationReply),
        ("Social_Engagement_Send__e", EngagementSend),
    ],
)
def test_each_social_platform_event_becomes_the_routes_event_of_its_type(detail_type: str, model: type) -> None:
    # when a social platform event is relayed
    events = translate_social_platform_event(relayed(detail_type))
    # then it is one event of the route's model, from the social family
    assert len(events) == 1
    assert isinstance(events[0], model)
    assert events[0].source == "social"


def test_the_event_id_is_the_platform_events_uuid_and_occurred_at_its_created_date() -> None:
    # when an agent's reply is relayed
    [event] = translate_social_platform_event(relayed("Social_Agent_Reply__e"))
    # then it is identified by the platform event's UUID and dated when the flow published it
    assert event.event_id == EVENT_UUID
    assert event.occurred_at == datetime(2026, 11, 23, 10, 7, 0, 125000, tzinfo=UTC)


def test_a_redelivery_of_the_same_platform_event_is_the_same_event() -> None:
    # given one platform event relayed twice (EventBridge gives each attempt its own id)
    first = translate_social_platform_event(relayed("Social_Agent_Reply__e", eventbridge_id="e-1"))
    again = translate_social_platform_event(relayed("Social_Agent_Reply__e", eventbridge_id="e-2"))
    # then both are one event: same id, same body
    assert first[0].compact_json() == again[0].compact_json()


def test_a_created_date_in_epoch_milliseconds_is_the_same_instant() -> None:
    # when the event's CreatedDate comes as the Pub/Sub API gives it (milliseconds since the epoch)
    [event] = translate_social_platform_event(relayed("Social_Agent_Reply__e", CreatedDate=1795428420125))
    # then it is the same instant as the ISO form
    assert event.occurred_at == datetime(2026, 11, 23, 10, 7, 0, 125000, tzinfo=UTC)


def test_a_reply_carries_the_text_and_the_agent_it_is_sent_as() -> None:
    [event] = translate_social_platform_event(relayed("Social_Agent_Reply__e"))

    assert isinstance(event, ConversationReply)
    assert event.data.conversation_id == "conv-501"
    assert event.data.text == "Votre commande part aujourd'hui."
    assert (event.data.agent.id, event.data.agent.name, event.data.agent.email) == (
        "005000000000001AAA",
        "Alex Kim",
        "alex.kim@brand.example",
    )


def test_a_contact_link_names_the_object_and_the_record() -> None:
    [event] = translate_social_platform_event(relayed("Social_Contact_Linked__e", Object__c="PersonAccount"))

    assert isinstance(event, ConversationContactLinked)
    assert (event.data.salesforce_object, event.data.salesforce_id) == ("PersonAccount", "003000000000003AAA")


def test_an_engagement_carries_recipient_channel_consent_and_case() -> None:
    [event] = translate_social_platform_event(relayed("Social_Engagement_Send__e"))

    assert isinstance(event, EngagementSend)
    data = event.data
    assert (data.recipient, data.channel, data.consent, data.salesforce_case_id) == (
        "+33612345678",
        "whatsapp",
        True,
        "500000000000001AAA",
    )


def test_a_hand_back_without_an_agent_or_case_leaves_them_out() -> None:
    # given a hand-back published by an automated flow (no agent, no Case)
    event = relayed(
        "Social_Conversation_Assigned__e", Agent_Id__c=None, Agent_Name__c=None, Agent_Email__c=None, Case_Id__c=None
    )
    # when it is translated
    [assigned] = translate_social_platform_event(event)
    # then the route's event has neither
    assert isinstance(assigned, ConversationAssigned)
    assert assigned.data.agent is None
    assert assigned.data.salesforce_case_id is None


@pytest.mark.parametrize(
    ("detail_type", "field"),
    [
        ("Social_Contact_Linked__e", "Conversation_Id__c"),
        ("Social_Contact_Linked__e", "Record_Id__c"),
        ("Social_Conversation_Assigned__e", "Team__c"),
        ("Social_Agent_Reply__e", "Text__c"),
        ("Social_Agent_Reply__e", "Agent_Email__c"),
        ("Social_Engagement_Send__e", "Recipient__c"),
        ("Social_Engagement_Send__e", "Consent__c"),
        ("Social_Agent_Reply__e", "CreatedDate"),
    ],
)
def test_a_payload_without_a_field_the_route_needs_is_refused_naming_it(detail_type: str, field: str) -> None:
    # when the payload lacks the field (or the flow left it null)
    for value in (..., None):
        with pytest.raises(ValidationError) as refused:
            translate_social_platform_event(relayed(detail_type, **{field: value}))
        # then the error names the platform event's field
        assert [e["loc"] for e in refused.value.errors()] == [(field,)]


def test_a_value_the_route_refuses_is_refused_the_same_way() -> None:
    # when a contact link names something that is not a Salesforce Id
    with pytest.raises(ValidationError) as refused:
        translate_social_platform_event(relayed("Social_Contact_Linked__e", Record_Id__c="not an id"))
    # then the route's own rule refuses it, naming the route's field
    assert [e["loc"] for e in refused.value.errors()] == [("data", "salesforce_id")]


def test_an_agent_named_without_an_email_is_refused_naming_the_email() -> None:
    with pytest.raises(ValidationError) as refused:
        translate_social_platform_event(relayed("Social_Conversation_Assigned__e", Agent_Email__c=None))

    assert [e["loc"] for e in refused.value.errors()] == [("data", "agent", "email")]


def test_another_event_type_is_a_mapping_error_naming_the_detail_type() -> None:
    # when the events channel relays an event this translation does not know
    with pytest.raises(MappingError) as refused:
        translate_social_platform_event(relayed("Contact_Merged__e"))
    # then it is refused naming detail-type
    assert refused.value.loc == ["detail-type"]


@pytest.mark.parametrize("detail_type", sorted(SOCIAL_PLATFORM_EVENTS))
def test_each_payload_model_reads_exactly_the_fields_its_platform_event_defines(detail_type: str) -> None:
    # given the platform event's fields in the SFDX source (salesforce/force-app/.../objects/<event>/fields)
    defined = {
        p.name.removesuffix(".field-meta.xml") for p in (OBJECTS / detail_type / "fields").glob("*.field-meta.xml")
    }
    payload_model = SOCIAL_PLATFORM_EVENTS[detail_type][0]
    # then the translation reads those and the standard CreatedDate, no field the org would not send
    read = {field.alias for field in payload_model.model_fields.values()}
    assert read == defined | {"CreatedDate"}


SAMPLES = sorted((ROOT / "events" / "relay").glob("Social_*__e.json"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_each_sample_platform_event_is_the_routes_example_of_its_type(path: Path) -> None:
    # given a sample of events/relay/ (a social platform event as Event Relay delivers it)
    relayed_sample = RelayedEvent.model_validate(json.loads(path.read_text()))
    # when it is translated
    [event] = translate_social_platform_event(relayed_sample)
    # then it carries the same data as the route's own example of that event type (events/<event_type>.json),
    # under the platform event's UUID
    example = json.loads((ROOT / "events" / f"{event.event_type}.json").read_text())
    assert event.data == type(event).model_validate(example).data
    assert event.event_id == relayed_sample.detail.id
