"""Change Data Capture events and Contact_Merged__e, as Event Relay puts them on the bus, read into the
canonical events (connector.relay.changes.translate_relayed_change).

Payloads are shaped as the Change Data Capture Developer Guide shows them: the header fields of
https://developer.salesforce.com/docs/platform/change-data-capture/guide/cdc-event-fields-header.html,
compound fields nested as in
https://developer.salesforce.com/docs/platform/change-data-capture/guide/cdc-subscribe-compound-fields.html,
gap events as in https://developer.salesforce.com/docs/platform/change-data-capture/guide/cdc-other-events-gap.html.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from connector.errors import MappingError
from connector.relay.changes import flat_field_name, translate_relayed_change
from connector.relay.events import RelayedEvent
from connector.relay.models import RecordChanged, RecordsMerged

CONTACT_1 = "0035f00000AbCdEAAV"
CONTACT_2 = "0035f00000AbCdFAAV"
USER = "0055f000005mc66AAA"
COMMIT_MS = 1714156685000


def relayed(
    detail_type: str, payload: dict[str, Any], event_uuid: str = "2b6b8d4e-7c1f-4f38-9a55-1c2d3e4f5a6b"
) -> RelayedEvent:
    return RelayedEvent.model_validate(
        {
            "version": "0",
            "id": "6f5c3a52-0a55-4b69-8f84-4d5e6f7a8b9c",
            "detail-type": detail_type,
            "source": "aws.partner/salesforce.com/00D5f000000ABCDEAA/0YLxx0000000001",
            "account": "123456789012",
            "time": "2026-12-03T10:00:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail": {"payload": payload, "schemaId": "Jx8Hz9ElkIUaBf-heF1ShA", "id": event_uuid},
        }
    )


def header(change_type: str = "UPDATE", record_ids: list[str] | None = None, **more: Any) -> dict[str, Any]:
    return {
        "entityName": "Contact",
        "recordIds": record_ids if record_ids is not None else [CONTACT_1],
        "changeType": change_type,
        "changeOrigin": "com/salesforce/api/rest/62.0;client=SfdcInternalAPI/",
        "transactionKey": "00006bec-ce66-0611-9018-30a98446c9f2",
        "sequenceNumber": 1,
        "commitTimestamp": COMMIT_MS,
        "commitNumber": 1100670838951,
        "commitUser": USER,
        "nulledFields": [],
        "diffFields": [],
        "changedFields": [],
        **more,
    }


def changes(events: list[Any]) -> list[RecordChanged]:
    assert all(isinstance(e, RecordChanged) for e in events)
    return list(events)


def test_an_update_of_email_and_mailing_city_names_their_flat_fields_without_the_system_ones() -> None:
    # given an UPDATE whose changedFields name Email, a MailingAddress part and LastModifiedDate
    payload = {
        "ChangeEventHeader": header(changedFields=["Email", "MailingAddress.City", "LastModifiedDate"]),
        "Email": "new@example.com",
        "MailingAddress": {"City": "Lyon"},
        "LastModifiedDate": "2026-12-03T10:00:00.000Z",
        "Commerce_Customer_No__c": "00001001",
        "Loyalty_External_Id__c": "ACC_EXT_1",
    }
    # when it is translated
    [event] = changes(translate_relayed_change(relayed("ContactChangeEvent", payload)))
    # then the change names Email and MailingCity, with the values and the enriched link keys
    assert event.data.changed_fields == ["Email", "MailingCity"]
    assert event.data.values == {
        "Email": "new@example.com",
        "MailingCity": "Lyon",
        "Commerce_Customer_No__c": "00001001",
        "Loyalty_External_Id__c": "ACC_EXT_1",
    }


def test_a_change_of_several_records_is_one_event_per_record_keyed_by_transaction_sequence_and_id() -> None:
    payload = {
        "ChangeEventHeader": header(record_ids=[CONTACT_1, CONTACT_2], changedFields=["Email"]),
        "Email": "x@example.com",
    }
    events = changes(translate_relayed_change(relayed("ContactChangeEvent", payload)))
    assert [e.data.record_id for e in events] == [CONTACT_1, CONTACT_2]
    assert [e.event_id for e in events] == [
        f"00006bec-ce66-0611-9018-30a98446c9f2.1.{CONTACT_1}",
        f"00006bec-ce66-0611-9018-30a98446c9f2.1.{CONTACT_2}",
    ]
    assert {e.entity().key for e in events} == {CONTACT_1, CONTACT_2}


def test_the_commit_timestamp_in_milliseconds_is_when_the_change_occurred() -> None:
    payload = {"ChangeEventHeader": header(changedFields=["Email"]), "Email": "x@example.com"}
    [event] = changes(translate_relayed_change(relayed("ContactChangeEvent", payload)))
    assert event.occurred_at == datetime.fromtimestamp(COMMIT_MS / 1000, UTC)
    assert event.data.commit_user == USER


def test_a_create_carries_every_non_null_field_with_compound_name_and_address_flattened() -> None:
    # given a CREATE as the guide's example shows one: Name and MailingAddress nested, empty changedFields
    payload = {
        "ChangeEventHeader": header("CREATE"),
        "Name": {"Salutation": None, "FirstName": "Ada", "LastName": "Lovelace"},
        "Email": "ada@example.com",
        "Phone": None,
        "MailingAddress": {"Street": "1 Rue de la Paix", "City": "Paris", "PostalCode": "75002", "Country": "FR"},
        "CreatedDate": "2026-12-03T10:00:00.000Z",
    }
    [event] = changes(translate_relayed_change(relayed("ContactChangeEvent", payload)))
    assert event.data.changed_fields == [
        "FirstName",
        "LastName",
        "Email",
        "MailingStreet",
        "MailingCity",
        "MailingPostalCode",
        "MailingCountry",
    ]
    assert "CreatedDate" not in event.data.values


def test_nulled_fields_are_named_flat_and_carried_as_nulls() -> None:
    payload = {
        "ChangeEventHeader": header(changedFields=["MailingAddress.Street"], nulledFields=["MailingAddress.Street"]),
        "MailingAddress": {"Street": None},
    }
    [event] = changes(translate_relayed_change(relayed("ContactChangeEvent", payload)))
    assert event.data.nulled_fields == ["MailingStreet"]
    assert event.data.values == {"MailingStreet": None}


@pytest.mark.parametrize(
    ("compound", "part", "flat"),
    [
        ("Name", "FirstName", "FirstName"),
        ("MailingAddress", "PostalCode", "MailingPostalCode"),
        ("BillingAddress", "Street", "BillingStreet"),
        ("PersonMailingAddress", "City", "PersonMailingCity"),
        ("Store_Location__c", "Latitude", "Store_Location__Latitude__s"),
    ],
)
def test_a_compound_fields_part_is_the_objects_own_field(compound: str, part: str, flat: str) -> None:
    assert flat_field_name(compound, part) == flat


def test_an_account_change_event_is_an_account_change() -> None:
    payload = {
        "ChangeEventHeader": header(
            entityName="Account", record_ids=["0015f00002JUXA8AAP"], changedFields=["BillingAddress.City"]
        ),
        "BillingAddress": {"City": "Nantes"},
    }
    [event] = changes(translate_relayed_change(relayed("AccountChangeEvent", payload)))
    assert (event.data.object, event.data.values) == ("Account", {"BillingCity": "Nantes"})
    assert event.entity().entity == "account"


def test_a_gap_event_names_its_records_and_carries_no_values() -> None:
    # given a GAP_UPDATE, which has a header only
    payload = {"ChangeEventHeader": header("GAP_UPDATE", record_ids=[CONTACT_1, CONTACT_2])}
    events = changes(translate_relayed_change(relayed("ContactChangeEvent", payload)))
    assert [(e.data.change_type, e.data.values, e.data.changed_fields) for e in events] == [("GAP_UPDATE", {}, [])] * 2


def test_an_overflow_event_which_names_no_record_is_refused_naming_the_change_type() -> None:
    payload = {"ChangeEventHeader": header("GAP_OVERFLOW", record_ids=[])}
    with pytest.raises(MappingError) as refused:
        translate_relayed_change(relayed("ContactChangeEvent", payload))
    assert refused.value.loc == ["detail", "payload", "ChangeEventHeader", "changeType"]


def test_a_change_without_a_header_is_refused_naming_it() -> None:
    with pytest.raises(MappingError) as refused:
        translate_relayed_change(relayed("ContactChangeEvent", {"Email": "x@example.com"}))
    assert refused.value.loc == ["detail", "payload", "ChangeEventHeader"]


def test_a_header_without_a_commit_timestamp_is_a_validation_error_naming_it() -> None:
    bad = header(changedFields=["Email"])
    del bad["commitTimestamp"]
    with pytest.raises(ValidationError) as refused:
        translate_relayed_change(relayed("ContactChangeEvent", {"ChangeEventHeader": bad}))
    assert refused.value.errors()[0]["loc"] == ("commitTimestamp",)


def test_a_record_id_that_is_not_a_salesforce_id_is_a_validation_error_naming_record_ids() -> None:
    with pytest.raises(ValidationError) as refused:
        translate_relayed_change(relayed("ContactChangeEvent", {"ChangeEventHeader": header(record_ids=["003'--"])}))
    assert refused.value.errors()[0]["loc"][0] == "recordIds"


def test_a_contact_change_event_that_says_it_is_about_accounts_is_refused_naming_entity_name() -> None:
    with pytest.raises(MappingError) as refused:
        translate_relayed_change(relayed("ContactChangeEvent", {"ChangeEventHeader": header(entityName="Account")}))
    assert refused.value.loc[-1] == "entityName"


def test_another_event_type_is_refused_naming_detail_type() -> None:
    with pytest.raises(MappingError) as refused:
        translate_relayed_change(relayed("LeadChangeEvent", {"ChangeEventHeader": header()}))
    assert refused.value.loc == ["detail-type"]


MERGED = {
    "CreatedDate": "2026-12-03T10:00:00.000Z",
    "CreatedById": USER,
    "Object__c": "Contact",
    "Winner_Id__c": CONTACT_1,
    "Loser_Id__c": CONTACT_2,
    "Loser_Commerce_Customer_No__c": "00001002",
    "Loser_Loyalty_External_Id__c": "ACC_EXT_2",
    "Merged_By__c": USER,
}


def test_contact_merged_is_a_merge_keyed_by_the_platform_events_uuid() -> None:
    [event] = translate_relayed_change(relayed("Contact_Merged__e", MERGED, event_uuid="e-uuid-1"))
    assert isinstance(event, RecordsMerged)
    assert event.event_id == "e-uuid-1"
    assert (event.data.winner_id, event.data.loser_id, event.data.commit_user) == (CONTACT_1, CONTACT_2, USER)
    assert event.data.loser_values == {"Commerce_Customer_No__c": "00001002", "Loyalty_External_Id__c": "ACC_EXT_2"}
    assert event.occurred_at == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def test_a_merge_without_a_winner_is_a_validation_error_naming_winner_id() -> None:
    payload = {k: v for k, v in MERGED.items() if k != "Winner_Id__c"}
    with pytest.raises(ValidationError) as refused:
        translate_relayed_change(relayed("Contact_Merged__e", payload))
    assert refused.value.errors()[0]["loc"] == ("Winner_Id__c",)


def test_a_merge_of_an_object_other_than_contact_or_account_is_refused_naming_object() -> None:
    with pytest.raises(ValidationError) as refused:
        translate_relayed_change(relayed("Contact_Merged__e", {**MERGED, "Object__c": "Lead"}))
    assert refused.value.errors()[0]["loc"] == ("Object__c",)


def test_a_diff_field_is_neither_carried_nor_named_changed() -> None:
    # given an UPDATE whose Description is sent as a diff (diffFields), beside a changed Email
    payload = {
        "ChangeEventHeader": header(changedFields=["Email", "Description"], diffFields=["Description"]),
        "Email": "x@example.com",
        "Description": "@@ -1,3 +1,4 @@",
    }
    [event] = changes(translate_relayed_change(relayed("ContactChangeEvent", payload)))
    assert event.data.changed_fields == ["Email"]
    assert "Description" not in event.data.values


def test_a_change_naming_no_record_is_refused_naming_record_ids() -> None:
    with pytest.raises(MappingError) as refused:
        translate_relayed_change(relayed("ContactChangeEvent", {"ChangeEventHeader": header(record_ids=[])}))
    assert refused.value.loc[-1] == "recordIds"


def test_a_merge_whose_loser_is_its_winner_is_refused_naming_the_loser() -> None:
    with pytest.raises(MappingError) as refused:
        translate_relayed_change(relayed("Contact_Merged__e", {**MERGED, "Loser_Id__c": CONTACT_1[:15]}))
    assert refused.value.loc[-1] == "Loser_Id__c"


def test_each_record_of_a_grouped_change_knows_how_many_the_event_named() -> None:
    payload = {
        "ChangeEventHeader": header(record_ids=[CONTACT_1, CONTACT_2], changedFields=["Email"]),
        "Email": "x@example.com",
    }
    events = changes(translate_relayed_change(relayed("ContactChangeEvent", payload)))
    assert [e.data.records_in_event for e in events] == [2, 2]
