"""The platform events and event channels of the SFDX source (issue 15) neither break the emulator's
schema nor become sObjects it stores: a real org cannot query a platform event (SOQL refuses it) nor
read, update or delete one, and only Salesforce itself publishes the connector's (its triggers and flows;
Platform Events Developer Guide, "Considerations for Defining and Publishing Platform Events")."""

from __future__ import annotations

from pathlib import Path

import pytest
from sf_client import Api

REPO = Path(__file__).resolve().parents[3]
OBJECTS = REPO / "salesforce" / "force-app" / "main" / "default" / "objects"
PLATFORM_EVENTS = sorted(p.name for p in OBJECTS.iterdir() if p.name.endswith("__e"))


def test_the_source_defines_the_merge_and_the_four_social_platform_events() -> None:
    assert PLATFORM_EVENTS == [
        "Contact_Merged__e",
        "Social_Agent_Reply__e",
        "Social_Contact_Linked__e",
        "Social_Conversation_Assigned__e",
        "Social_Engagement_Send__e",
    ]


def test_the_org_still_lists_its_objects_and_no_platform_event(sf: Api) -> None:
    # when the emulated org's objects are listed
    names = {o["name"] for o in sf.get("/sobjects").json()["sobjects"]}
    # then the custom objects are there, and no platform event is an sObject of it
    assert {"Contact", "Account", "Social_Conversation__c", "Social_Engagement__c"} <= names
    assert names.isdisjoint(PLATFORM_EVENTS)


@pytest.mark.parametrize("event", PLATFORM_EVENTS)
def test_a_platform_event_is_no_record_the_api_writes(sf: Api, event: str) -> None:
    # when a client tries to create one as a record
    created = sf.post(f"/sobjects/{event}", {"Conversation_Id__c": "conv-501"})
    # then it is refused as an unknown sObject, and nothing is stored
    assert created.status_code == 404, created.text
    assert sf.error_of(created)["errorCode"] == "NOT_FOUND"


@pytest.mark.parametrize("event", PLATFORM_EVENTS)
def test_a_platform_event_cannot_be_queried(sf: Api, event: str) -> None:
    # when a client queries one with SOQL
    response = sf.query(f"SELECT Id FROM {event}")
    # then the query is refused naming an invalid type, as a real org refuses it
    assert response.status_code == 400, response.text
    assert sf.error_of(response)["errorCode"] == "INVALID_TYPE"
