"""describeGlobal, sObject describe, and the schema loaded from the SFDX source."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sf_client import Api, serving

from emulators.salesforce import create_app

REPO = Path(__file__).resolve().parents[3]


def _fields(sf: Api, sobject: str) -> dict[str, dict[str, Any]]:
    response = sf.get(f"/sobjects/{sobject}/describe")
    assert response.status_code == 200, response.text
    return {f["name"]: f for f in response.json()["fields"]}


def test_describe_global_lists_standard_and_custom_objects(sf: Api) -> None:
    # given the org
    # when its objects are listed
    body = sf.get("/sobjects").json()
    # then standard and custom objects are there with their key prefixes
    objects = {o["name"]: o for o in body["sobjects"]}
    assert {"Account", "Contact", "Lead", "Case", "Task", "Order", "User", "RecordType"} <= set(objects)
    assert objects["Contact"]["keyPrefix"] == "003"
    assert objects["Social_Conversation__c"]["custom"] is True
    assert objects["Social_Conversation__c"]["keyPrefix"].startswith("a0")


def test_describe_reports_custom_field_properties_from_the_metadata(sf: Api) -> None:
    # given Contact's custom fields in the SFDX source
    # when Contact is described
    fields = _fields(sf, "Contact")
    # then external id, uniqueness, length and picklist values match the XML
    customer_no = fields["Commerce_Customer_No__c"]
    assert (customer_no["type"], customer_no["length"]) == ("string", 80)
    assert customer_no["externalId"] is True and customer_no["unique"] is True and customer_no["custom"] is True
    loyalty = fields["Loyalty_External_Id__c"]
    assert loyalty["externalId"] is True and loyalty["unique"] is False
    status = fields["Commerce_Sync_Status__c"]
    assert status["type"] == "picklist" and status["restrictedPicklist"] is True
    assert [v["value"] for v in status["picklistValues"]] == ["Created", "Updated", "Synchronized", "Failed"]
    assert fields["Email_Opt_In__c"]["type"] == "boolean"
    assert fields["Commerce_Converted_At__c"]["type"] == "datetime"


def test_describe_reports_lookups_with_relationship_names(sf: Api) -> None:
    # given Order.Contact__c and Case.Order__c
    order_fields, case_fields = _fields(sf, "Order"), _fields(sf, "Case")
    # then the child-side relationship names end in __r, standard ones keep theirs
    assert order_fields["Contact__c"]["referenceTo"] == ["Contact"]
    assert order_fields["Contact__c"]["relationshipName"] == "Contact__r"
    assert case_fields["Order__c"]["relationshipName"] == "Order__r"
    assert case_fields["ContactId"]["relationshipName"] == "Contact"
    total = order_fields["Order_Total__c"]
    assert (total["type"], total["precision"], total["scale"]) == ("currency", 16, 2)


def test_describe_reports_standard_field_access(sf: Api) -> None:
    # given Contact's standard fields
    fields = _fields(sf, "Contact")
    # then required, read-only and system fields are described as in Salesforce
    assert fields["LastName"]["nillable"] is False and fields["LastName"]["createable"] is True
    assert fields["Name"]["createable"] is False and fields["Name"]["updateable"] is False
    assert fields["Id"]["type"] == "id"
    assert fields["CreatedDate"]["createable"] is False
    assert fields["AccountId"]["referenceTo"] == ["Account"]


# Every property a real org's field describe carries (SOAP API Field type, the REST describe's shape):
# https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm
REAL_FIELD_PROPERTIES = frozenset(
    {
        "aggregatable", "aiPredictionField", "autoNumber", "byteLength", "calculated", "calculatedFormula",
        "cascadeDelete", "caseSensitive", "compoundFieldName", "controllerName", "createable", "custom",
        "defaultValue", "defaultValueFormula", "defaultedOnCreate", "dependentPicklist", "deprecatedAndHidden",
        "digits", "displayLocationInDecimal", "encrypted", "externalId", "extraTypeInfo", "filterable",
        "filteredLookupInfo", "formulaTreatNullNumberAsZero", "groupable", "highScaleNumber", "htmlFormatted",
        "idLookup", "inlineHelpText", "label", "length", "mask", "maskType", "name", "nameField", "namePointing",
        "nillable", "permissionable", "picklistValues", "polymorphicForeignKey", "precision", "queryByDistance",
        "referenceTargetField", "referenceTo", "relationshipName", "relationshipOrder", "restrictedDelete",
        "restrictedPicklist", "scale", "searchPrefilterable", "soapType", "sortable", "type", "unique",
        "updateable", "writeRequiresMasterRead",
    }
)  # fmt: skip


def test_every_field_describe_carries_the_properties_a_real_org_answers(sf: Api) -> None:
    # given the objects the connector maps
    for sobject in ("Account", "Contact", "Lead", "Case", "Task", "User"):
        # when each is described / then each field carries every property of a real describe
        for name, described in _fields(sf, sobject).items():
            assert set(described) == REAL_FIELD_PROPERTIES, f"{sobject}.{name}"


def test_byte_length_counts_bytes_of_variable_length_fields_only(sf: Api) -> None:
    # given Contact's fields of several types
    fields = _fields(sf, "Contact")
    # then text is 3 bytes a character, an Id 18, and fixed-size values 0, as a real org says
    assert (fields["LastName"]["length"], fields["LastName"]["byteLength"]) == (80, 240)
    assert (fields["Id"]["length"], fields["Id"]["byteLength"]) == (18, 18)
    assert (fields["AccountId"]["length"], fields["AccountId"]["byteLength"]) == (18, 18)
    assert fields["CreatedDate"]["byteLength"] == 0
    assert fields["Email_Opt_In__c"]["byteLength"] == 0


def test_a_long_text_area_is_plain_text_and_cannot_be_filtered_sorted_or_grouped(sf: Api) -> None:
    # given Case.Description, a Long Text Area
    description = _fields(sf, "Case")["Description"]
    # then it says so, as a real org does
    assert (description["type"], description["length"], description["extraTypeInfo"]) == (
        "textarea",
        32000,
        "plaintextarea",
    )
    assert description["filterable"] is False and description["sortable"] is False
    assert description["groupable"] is False and description["htmlFormatted"] is False


def test_a_polymorphic_lookup_is_name_pointing(sf: Api) -> None:
    # given Task.WhoId (Contact or Lead) and Contact.AccountId (Account only)
    task, contact = _fields(sf, "Task"), _fields(sf, "Contact")
    # then only the polymorphic one points at its parent's Name
    assert task["WhoId"]["namePointing"] is True and task["WhoId"]["polymorphicForeignKey"] is True
    assert contact["AccountId"]["namePointing"] is False


def test_describe_lists_child_relationships(sf: Api) -> None:
    # given Contact, parent of orders and conversations through custom lookups
    body = sf.get("/sobjects/Contact/describe").json()
    # then its child relationships carry the metadata's relationship names
    children = {(c["childSObject"], c["field"]): c["relationshipName"] for c in body["childRelationships"]}
    assert children[("Social_Conversation__c", "Contact__c")] == "Social_Conversations__r"
    assert children[("Case", "ContactId")] == "Cases"


def test_account_describe_lists_record_types(sf: Api) -> None:
    # given the seeded Account record types of a new org (person accounts off)
    # when Account is described
    infos = sf.get("/sobjects/Account/describe").json()["recordTypeInfos"]
    # then business and master are listed
    assert {i["developerName"] for i in infos} == {"Business_Account", "Master"}
    assert [i["developerName"] for i in infos if i["defaultRecordTypeMapping"]] == ["Business_Account"]


def test_with_person_accounts_account_describe_lists_the_person_record_type(sf: Api) -> None:
    # given an org with person accounts enabled
    sf.admin("POST", "/settings", {"person_accounts": True})
    # when Account is described
    infos = sf.get("/sobjects/Account/describe").json()["recordTypeInfos"]
    # then business, person and master are listed, business still the default
    assert {i["developerName"] for i in infos} == {"Business_Account", "PersonAccount", "Master"}
    assert [i["developerName"] for i in infos if i["defaultRecordTypeMapping"]] == ["Business_Account"]


def test_unknown_object_describe_is_not_found(sf: Api) -> None:
    # given an object the org does not have
    # when it is described
    response = sf.get("/sobjects/Invoice__c/describe")
    # then 404 NOT_FOUND
    assert response.status_code == 404
    assert sf.error_of(response)["errorCode"] == "NOT_FOUND"


def test_a_field_added_to_the_sfdx_source_appears_in_describe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a copy of the SFDX project with one more Contact field
    project = tmp_path / "salesforce"
    shutil.copytree(REPO / "salesforce", project)
    field = project / "force-app/main/default/objects/Contact/fields/Favourite_Store__c.field-meta.xml"
    field.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <fullName>Favourite_Store__c</fullName>\n"
        "    <externalId>false</externalId>\n"
        "    <label>Favourite Store</label>\n"
        "    <length>40</length>\n"
        "    <required>false</required>\n"
        "    <type>Text</type>\n"
        "    <unique>false</unique>\n"
        "</CustomField>\n"
    )
    monkeypatch.setenv("SALESFORCE_EMULATOR_SCHEMA_DIR", str(project))
    # when an emulator starts on that project
    with serving(create_app()) as base_url:
        api = Api(base_url)
        fields = {f["name"]: f for f in api.get("/sobjects/Contact/describe").json()["fields"]}
        created = api.post("/sobjects/Contact", {"LastName": "Doe", "Favourite_Store__c": "Burlington"})
        api.admin("POST", "/settings", {"person_accounts": True})
        person_field = {f["name"] for f in api.get("/sobjects/Account/describe").json()["fields"]}
    # then the new field is described, writable, and mirrored on person accounts once enabled
    assert fields["Favourite_Store__c"]["length"] == 40
    assert created.status_code == 201
    assert "Favourite_Store__pc" in person_field


def test_a_custom_activity_field_is_on_both_task_and_event(sf: Api) -> None:
    # given the custom activity fields, defined once on Activity in the SFDX source (as the Metadata API
    # keeps them: a field deployed as Task's own is refused)
    # when Task and Event are described
    task, event = _fields(sf, "Task"), _fields(sf, "Event")
    # then each field is on both
    for name in ("Chat_Id__c", "Loyalty_Event_Id__c", "Social_Reply__c"):
        assert name in task and name in event, name
    assert task["Social_Reply__c"]["type"] == "boolean"
