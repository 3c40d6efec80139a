"""The chat configuration checked against the org's describes: what fits, and how a misfit is named.

Describes are the Salesforce emulator's (built from its standard objects and the project's SFDX
source, the same shape the real sObject Describe answers), served by a stub that counts calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from connector.chat.schema_check import chat_end_problems, chat_schema_problems, holding_problem, routing_problems
from connector.config.chat import ChatConfig
from connector.crm.schema import OrgSchema
from emulators.salesforce.loader import load_schema

ORG = load_schema().schema


def describe(name: str) -> dict[str, Any]:
    obj = ORG.object(name)
    assert obj is not None
    return {"name": obj.name, "createable": obj.createable, "fields": [f.describe() for f in obj.fields]}


class StubOrg:
    """Answers describe_many from the emulator's schema; counts API calls and objects asked."""

    def __init__(self, overrides: Mapping[str, dict[str, Any]] | None = None) -> None:
        self.calls: list[list[str]] = []
        self.overrides = dict(overrides or {})

    def describe_many(self, sobjects: Sequence[str]) -> dict[str, dict[str, Any]]:
        self.calls.append(list(sobjects))
        found = {}
        for name in sobjects:
            if name in self.overrides:
                found[name] = self.overrides[name]
            elif ORG.object(name) is not None:
                found[name] = describe(name)
        return found


def chat(**section: Any) -> ChatConfig:
    return ChatConfig.model_validate(section)


def problems(config: ChatConfig, org: StubOrg | None = None) -> list[str]:
    return chat_schema_problems(config, OrgSchema(org or StubOrg()))


def field(name: str, type_: str, length: int = 0, **more: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "length": length, **more}


# -- the defaults ------------------------------------------------------------------------------------
def test_the_guides_default_configuration_fits_the_org() -> None:
    # given the default chat configuration (the guide's mapping table, email identification, bot list)
    # when it is checked against the org
    found = problems(ChatConfig())
    # then nothing is wrong
    assert found == []


def test_chat_ends_check_describes_its_objects_in_one_call() -> None:
    # given an org that counts describe calls
    org = StubOrg()
    # when chat end's check runs on the default configuration
    chat_end_problems(ChatConfig(), OrgSchema(org))
    # then the five mapped objects and the transcript file were described together, once
    assert len(org.calls) == 1
    assert sorted(org.calls[0]) == ["Account", "Case", "Contact", "ContentVersion", "Lead", "Task"]


def test_routings_check_describes_only_what_routing_and_the_bot_read_in_one_call() -> None:
    # given an org that counts describe calls
    org = StubOrg()
    # when the routing function's check runs on the default configuration
    routing_problems(ChatConfig(), OrgSchema(org))
    # then the identified objects and the bot's were described together, once (no file object)
    assert len(org.calls) == 1
    assert sorted(org.calls[0]) == ["Account", "Case", "Contact", "Lead", "Task"]


def test_a_case_mapping_that_does_not_fit_is_chat_ends_problem_not_routings() -> None:
    # given the transcript mapped into Case.Subject
    config = chat(field_mapping={"Case": {"Subject": "chat.transcript"}})
    # when each function's check runs
    # then chat end refuses it and routing does not care
    assert chat_end_problems(config, OrgSchema(StubOrg())) != []
    assert routing_problems(config, OrgSchema(StubOrg())) == []


def without_field(sobject: str, name: str) -> dict[str, Any]:
    body = describe(sobject)
    body["fields"] = [f for f in body["fields"] if f["name"] != name]
    return body


def test_an_org_without_the_chat_id_field_is_named() -> None:
    # given an org where Task lacks Chat_Id__c (the SFDX source not deployed)
    org = StubOrg({"Task": without_field("Task", "Chat_Id__c")})
    # when chat end's check runs
    found = chat_end_problems(ChatConfig(), OrgSchema(org))
    # then it says so
    assert found == ["Task.Chat_Id__c: Task has no field Chat_Id__c (deploy the connector's SFDX source, salesforce/)"]


def test_a_chat_id_field_that_is_no_external_id_is_named() -> None:
    # given Case.Chat_Id__c as a plain text field
    case = describe("Case")
    case["fields"] = [{**f, "externalId": False} if f["name"] == "Chat_Id__c" else f for f in case["fields"]]
    # when chat end's check runs
    found = chat_end_problems(ChatConfig(), OrgSchema(StubOrg({"Case": case})))
    # then it says an upsert by it is impossible
    assert found == ["Case.Chat_Id__c: Case.Chat_Id__c is not an External ID, a chat end could not be upserted by it"]


def test_an_org_where_files_cannot_be_created_is_named() -> None:
    # given an org (or an integration user) that cannot create ContentVersion records
    org = StubOrg({"ContentVersion": {**describe("ContentVersion"), "createable": False}})
    # when chat end's check runs
    found = chat_end_problems(ChatConfig(), OrgSchema(org))
    # then the transcript file is named
    assert found == [
        "ContentVersion: files cannot be created, a transcript over 32,000 characters could not be attached"
    ]


# -- field mapping -----------------------------------------------------------------------------------
def test_a_mapping_to_a_field_the_org_lacks_is_named() -> None:
    # given Contact.Shoe_Size__c, which the org does not have
    config = chat(field_mapping={"Contact": {"LastName": "visitor.name", "Shoe_Size__c": "prechat.shoe_size"}})
    # when checked / then the problem names the configuration path and the field
    assert problems(config) == ["chat.field_mapping.Contact.Shoe_Size__c: Contact has no field Shoe_Size__c"]


def test_a_transcript_into_a_short_text_field_is_refused_with_its_type() -> None:
    # given the transcript mapped into Case.Subject, a string(255)
    config = chat(field_mapping={"Case": {"Subject": "chat.transcript"}})
    # when checked / then
    assert problems(config) == [
        "chat.field_mapping.Case.Subject <- chat.transcript: Subject is string(255), "
        "cannot hold a transcript (long text)"
    ]


def test_every_problem_is_reported_not_only_the_first() -> None:
    # given two bad Contact fields and a bad Task field
    config = chat(
        field_mapping={
            "Contact": {"LastName": "visitor.name", "Shoe_Size__c": "visitor.email", "Hat__c": "visitor.name"},
            "Task": {"Subject": "offline.content"},
        }
    )
    # when checked / then all three are named
    found = problems(config)
    assert len(found) == 3
    assert any("Shoe_Size__c" in p for p in found)
    assert any("Hat__c" in p for p in found)
    assert any(p.startswith("chat.field_mapping.Task.Subject <- offline.content:") for p in found)


def test_a_read_only_field_cannot_be_mapped() -> None:
    # given a mapping into Contact.CreatedDate, which the org writes itself
    config = chat(field_mapping={"Contact": {"LastName": "visitor.name", "CreatedDate": "chat.start_time"}})
    # when checked / then
    assert problems(config) == [
        "chat.field_mapping.Contact.CreatedDate: Contact.CreatedDate cannot be written (not createable)"
    ]


def test_a_create_only_contact_field_is_refused_when_the_update_rule_overwrites() -> None:
    # given a Contact field that can be set on create but never updated
    contact = describe("Contact")
    contact["fields"] = [{**f, "updateable": False} if f["name"] == "Department" else f for f in contact["fields"]]
    org = StubOrg({"Contact": contact})
    # when checked with the overwrite rule / then the field is named; with do_not_update it fits
    assert problems(chat(update_rule="overwrite"), org) == [
        "chat.field_mapping.Contact.Department: Contact.Department cannot be updated, as the update rule overwrite does"
    ]
    assert problems(chat(update_rule="do_not_update"), StubOrg({"Contact": contact})) == []


def test_a_date_time_cannot_go_into_a_checkbox() -> None:
    # given the chat's start time mapped into a boolean field
    config = chat(field_mapping={"Contact": {"LastName": "visitor.name", "DoNotCall": "chat.start_time"}})
    org = StubOrg({"Contact": {**describe("Contact")}})
    org.overrides["Contact"]["fields"].append(field("DoNotCall", "boolean", createable=True, updateable=True))
    # when checked / then
    assert problems(config, org) == [
        "chat.field_mapping.Contact.DoNotCall <- chat.start_time: DoNotCall is boolean, "
        "cannot hold chat.start_time (a date/time)"
    ]


@pytest.mark.parametrize(
    ("kind", "salesforce_field", "fits"),
    [
        ("long_text", field("Description", "textarea", 32000), True),
        ("long_text", field("Notes__c", "textarea", 256), True),
        ("long_text", field("Street", "textarea", 255), False),
        ("long_text", field("Subject", "string", 255), False),
        ("text", field("Department", "string", 80), True),
        ("text", field("Phone", "phone", 40), True),
        ("text", field("Subject", "combobox", 255), True),
        ("text", field("Source__c", "picklist", 255, restrictedPicklist=False), True),
        ("text", field("Status", "picklist", 255, restrictedPicklist=True), False),
        ("text", field("Email", "email", 80), False),
        ("text", field("Website", "url", 255), False),
        ("email", field("Email", "email", 80), True),
        ("email", field("Note__c", "string", 255), True),
        ("email", field("Phone", "phone", 40), False),
        ("url", field("Website", "url", 255), True),
        ("url", field("Email", "email", 80), False),
        ("int", field("Visits__c", "double", 18), True),
        ("int", field("Visits__c", "string", 10), True),
        ("int", field("Opt__c", "boolean"), False),
        ("datetime", field("Started__c", "datetime"), True),
        ("datetime", field("Day__c", "date"), False),
        ("datetime", field("AccountId", "reference", 18), False),
    ],
)
def test_which_field_types_hold_which_chat_values(kind: Any, salesforce_field: dict[str, Any], fits: bool) -> None:
    # given a chat value kind and a Salesforce field / when asked / then it fits or it does not
    assert (holding_problem(salesforce_field, kind) is None) is fits


# -- identification ----------------------------------------------------------------------------------
def test_a_contact_condition_needs_its_field_on_the_lead_too() -> None:
    # given a Contact condition on Department, a field Leads do not have
    config = chat(
        identification={"contact_conditions": [{"chat_field": "prechat.department", "salesforce_field": "Department"}]}
    )
    # when checked / then the Lead is named
    assert problems(config) == [
        "chat.identification.contact_conditions[0].salesforce_field: Lead has no field Department"
    ]


def test_a_condition_on_a_long_text_area_cannot_be_filtered() -> None:
    # given an Account condition on Description (a Long Text Area, not filterable)
    config = chat(
        identification={
            "account_conditions": [{"chat_field": "custom_variables.note", "salesforce_field": "Description"}]
        }
    )
    # when checked / then
    assert problems(config) == [
        "chat.identification.account_conditions[0].salesforce_field: Account.Description (textarea(32000)) "
        "cannot be filtered on"
    ]


def test_a_number_is_not_compared_with_a_text_field() -> None:
    # given the visitor's visit count compared with the Contact's email
    config = chat(
        identification={"contact_conditions": [{"chat_field": "visitor.visit_times", "salesforce_field": "Email"}]}
    )
    # when checked / then both Contact and Lead are named
    assert problems(config) == [
        "chat.identification.contact_conditions[0].salesforce_field: Contact.Email is email, "
        "cannot be compared with visitor.visit_times (an integer)",
        "chat.identification.contact_conditions[0].salesforce_field: Lead.Email is email, "
        "cannot be compared with visitor.visit_times (an integer)",
    ]


# -- routing -----------------------------------------------------------------------------------------
def rule(field_path: str, **more: Any) -> dict[str, Any]:
    return {"name": "vip", "conditions": [{"field": field_path, "operator": "is_set"}], "department": "VIP", **more}


def test_a_routing_rule_through_the_account_owner_reaches_the_user_describe() -> None:
    # given a rule on the Account owner's email, the agent taken from it
    org = StubOrg()
    config = chat(routing={"rules": [rule("account.Owner.Email", agent_from="account.Owner.Email")]})
    # when checked
    found = problems(config, org)
    # then it fits, and User was described in a second call, only because a rule needs it
    assert found == []
    assert org.calls[1:] == [["User"]]


def test_a_default_configuration_never_describes_the_user() -> None:
    # given no routing rules / when checked / then User is never described
    org = StubOrg()
    problems(ChatConfig(), org)
    assert all("User" not in call for call in org.calls)


def test_a_routing_path_with_a_misspelt_field_is_named() -> None:
    # given account.Owner.Emial and contact.Shoe_Size__c
    config = chat(routing={"rules": [rule("account.Owner.Emial"), rule("contact.Shoe_Size__c")]})
    # when checked / then each is named where it stands
    assert problems(config) == [
        "chat.routing.rules[0].conditions[0].field account.Owner.Emial: User has no field Emial",
        "chat.routing.rules[1].conditions[0].field contact.Shoe_Size__c: Contact has no field Shoe_Size__c",
    ]


def test_a_routing_path_through_a_field_that_is_no_relationship_is_named() -> None:
    # given account.Name.Email (Name is a field, not a relationship)
    config = chat(routing={"rules": [rule("account.Name.Email")]})
    # when checked / then
    assert problems(config) == [
        "chat.routing.rules[0].conditions[0].field account.Name.Email: Account has no relationship Name"
    ]


# -- the chatbot's allow-list ------------------------------------------------------------------------
def test_a_bot_object_the_org_lacks_is_named() -> None:
    # given an allow-list with an object the org does not have
    config = chat(bot={"objects": {"Contact": ["Id", "Account.Name"], "Invoice__c": ["Id"]}, "createable": ["Contact"]})
    # when checked / then
    assert problems(config) == ["chat.bot.objects.Invoice__c: the org has no object Invoice__c"]


def test_a_bot_field_path_is_followed_through_its_relationship() -> None:
    # given Contact fields: one through the Account, one misspelt beyond it
    config = chat(bot={"objects": {"Contact": ["Account.Name", "Account.Nmae"]}, "createable": []})
    # when checked / then
    assert problems(config) == ["chat.bot.objects.Contact.Account.Nmae: Account has no field Nmae"]


def test_the_bot_cannot_create_what_the_org_does_not_let_be_created() -> None:
    # given User in the bot's createable objects (the org creates no User through this API)
    config = chat(bot={"objects": {"User": ["Id", "Email"]}, "createable": ["User"]})
    # when checked / then
    assert problems(config) == ["chat.bot.createable.User: User records cannot be created (not createable)"]
