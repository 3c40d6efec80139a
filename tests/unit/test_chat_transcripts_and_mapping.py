"""Chat values for Salesforce: the transcript as text and its 32,000-character cut, the mapped
values, what a new Contact or Lead needs, and the three update rules."""

import json
from typing import Any

import pytest
from conftest import CONTRACT_EVENTS

from connector.chat.end_events import ChatEnded, OfflineMessageReceived
from connector.chat.mapping import apply_update_rule, mapped_values, person_defaults, text_lengths
from connector.chat.transcripts import CUT_MARKER, DESCRIPTION_LENGTH, chat_text, fit_description, offline_text
from connector.config.chat import DEFAULT_CHAT_FIELD_MAPPING
from connector.crm.schema import SObjectSchema


def chat_ended(**data: Any) -> ChatEnded:
    body = json.loads((CONTRACT_EVENTS / "chat.ended.json").read_text())
    body["data"].update(data)
    return ChatEnded.model_validate(body)


def test_the_transcript_is_the_metadata_then_one_line_per_message() -> None:
    # given the example chat
    # when it is written as text
    text = chat_text(chat_ended().data)
    # then a header, a blank line, and the messages in order with time, sender and text
    assert text.splitlines() == [
        "Chat chat-9001",
        "Agent: Alex Kim",
        "Started: 2026-11-23 09:40:00 UTC",
        "Ended: 2026-11-23 09:52:00 UTC",
        "Requesting page: https://shop.example.com/cart",
        "",
        "[2026-11-23 09:40:05 UTC] Sam Lee (visitor): Hi, my coupon fails.",
        "[2026-11-23 09:41:10 UTC] Alex Kim (agent): Let me check that for you.",
    ]


def test_an_offline_message_is_its_subject_and_content() -> None:
    body = json.loads((CONTRACT_EVENTS / "offline_message.received.json").read_text())
    text = offline_text(OfflineMessageReceived.model_validate(body).data)
    assert text.splitlines() == [
        "Offline message off-3001",
        "Subject: Return label",
        "",
        "Please send me a return label for order 00002001.",
    ]


def test_a_description_that_fits_is_kept_whole() -> None:
    description = fit_description("x" * DESCRIPTION_LENGTH)
    assert (len(description.text), description.cut) == (DESCRIPTION_LENGTH, False)


def test_a_longer_description_is_cut_to_32000_with_the_marker_and_kept_whole_aside() -> None:
    # given 40,000 characters
    text = "y" * 40_000
    # when fitted
    description = fit_description(text)
    # then exactly 32,000 ending with the marker, and the whole text kept for the file
    assert len(description.text) == DESCRIPTION_LENGTH
    assert description.text.endswith(CUT_MARKER)
    assert description.full_text == text


def test_the_default_mapping_gives_the_guide_table_values() -> None:
    data = chat_ended().data
    assert mapped_values("Contact", DEFAULT_CHAT_FIELD_MAPPING["Contact"], data) == {
        "LastName": "Sam Lee",
        "Phone": "+1 555 0111",
        "Email": "sam.lee@example.com",
        "Department": "Sales",
    }


def test_an_empty_chat_value_is_left_out() -> None:
    data = chat_ended(prechat={"phone": None, "department": ""}).data
    assert set(mapped_values("Contact", DEFAULT_CHAT_FIELD_MAPPING["Contact"], data)) == {"LastName", "Email"}


def test_a_long_visitor_name_is_cut_to_the_last_name_length() -> None:
    data = chat_ended(visitor={"name": "N" * 200, "email": "n@example.com"}).data
    assert len(mapped_values("Lead", DEFAULT_CHAT_FIELD_MAPPING["Lead"], data)["LastName"]) == 80


def test_a_custom_variable_is_cut_to_the_length_the_orgs_describe_gives_its_field() -> None:
    # given a custom variable longer than the Text(50) field it is mapped to, as the org describes it
    data = chat_ended(custom_variables={"account_number": "A" * 120}).data
    lengths = text_lengths(
        SObjectSchema.of({"name": "Contact", "fields": [{"name": "Account_No__c", "type": "string", "length": 50}]})
    )
    # when the mapped values are made
    values = mapped_values("Contact", {"Account_No__c": "custom_variables.account_number"}, data, lengths)
    # then the value fits the field instead of having the record refused
    assert values["Account_No__c"] == "A" * 50


def test_the_transcript_is_never_cut_by_the_field_length_but_by_its_own_marked_cut() -> None:
    # given a transcript longer than the Description field, as the org describes it
    data = chat_ended(
        chat={
            **chat_ended().data.chat.model_dump(mode="json"),
            "transcript": [{"time": "2026-11-23T09:40:05Z", "sender": "visitor", "name": "Sam", "text": "x" * 40_000}],
        }
    ).data
    lengths = {"description": 32_000}
    # when the mapped values are made
    values = mapped_values("Case", {"Description": "chat.transcript"}, data, lengths)
    # then it is left whole for fit_description (which marks the cut and attaches the file)
    assert len(values["Description"]) > 40_000


@pytest.mark.parametrize(
    ("visitor", "last_name"),
    [({"email": "pat.doe@example.com"}, "pat.doe"), ({}, "Chat visitor")],
)
def test_a_nameless_visitor_gets_a_last_name_from_the_email_or_a_placeholder(visitor: Any, last_name: str) -> None:
    data = chat_ended(visitor=visitor).data
    assert person_defaults("Contact", {}, data)["LastName"] == last_name


def test_a_lead_without_company_gets_not_provided() -> None:
    assert person_defaults("Lead", {"LastName": "X"}, chat_ended().data)["Company"] == "[not provided]"


RECORD = {"Id": "003", "LastName": "Known", "Phone": None, "Department": "", "Email": "a@x.io"}
VALUES = {"LastName": "Sam Lee", "Phone": "+1", "Department": "Sales", "Email": "a@x.io"}


def test_do_not_update_writes_nothing() -> None:
    assert apply_update_rule("do_not_update", RECORD, VALUES) == {}


def test_overwrite_writes_every_mapped_field_that_changes() -> None:
    changed = {"LastName": "Sam Lee", "Phone": "+1", "Department": "Sales"}
    assert apply_update_rule("overwrite", RECORD, VALUES) == changed


def test_fill_blank_fields_writes_only_blank_ones() -> None:
    assert apply_update_rule("fill_blank_fields", RECORD, VALUES) == {"Phone": "+1", "Department": "Sales"}
