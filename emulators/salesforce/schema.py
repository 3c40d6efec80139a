"""The org's data model: objects, fields and relationships, looked up case-insensitively.

Built from the built-in standard objects (`standard_objects`) plus the SFDX source (`sfdx`),
so the connector's metadata and the emulator can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

# Field types as describe reports them.
STRING_TYPES = frozenset({"string", "textarea", "email", "phone", "url", "picklist", "multipicklist", "combobox"})
NUMBER_TYPES = frozenset({"currency", "double", "percent", "int"})
ID_TYPES = frozenset({"id", "reference"})

_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "currency": "xsd:double",
    "double": "xsd:double",
    "percent": "xsd:double",
    "int": "xsd:int",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "base64": "xsd:base64Binary",
}


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    label: str = ""
    length: int = 0
    precision: int = 0
    scale: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    # A value the org fills in on create when the body has none (picklist default, checkbox).
    default: Any = None
    # The org always fills it on create (OwnerId, RecordTypeId), so it is never "missing".
    defaulted_on_create: bool = False
    external_id: bool = False
    unique: bool = False
    case_sensitive: bool = False
    picklist_values: tuple[str, ...] = ()
    restricted_picklist: bool = False
    reference_to: tuple[str, ...] = ()
    # The API name used to traverse this lookup from the child (Account, Contact__r).
    relationship_name: str | None = None
    # The name a parent uses for this lookup's children (Contacts, Social_Conversations__r).
    child_relationship_name: str | None = None
    cascade_delete: bool = False
    custom: bool = False
    auto_number: bool = False
    calculated: bool = False
    name_field: bool = False
    id_lookup: bool = False
    track_history: bool = False
    # Written by the org itself (audit fields, Id); never by a client.
    system: bool = False
    # An Account field that mirrors the person Contact's field (PersonEmail, X__pc). Salesforce shows
    # a mirrored external id as such, yet refuses it as an Account upsert key ("does not match an
    # External ID, Salesforce Id, or indexed field for Account"):
    # https://trailhead.salesforce.com/trailblazer-community/feed/0D54V00007T4Hm4SAF
    person_field: bool = False

    @property
    def keys_upserts(self) -> bool:
        """Usable as the key of an upsert or of a relationship by external id."""
        return (self.external_id and not self.person_field) or self.type == "id"

    @property
    def required_on_create(self) -> bool:
        return (
            self.createable
            and not self.nillable
            and self.default is None
            and not self.defaulted_on_create
            and not self.system
            and self.type != "boolean"
        )

    @property
    def is_text(self) -> bool:
        return self.type in STRING_TYPES

    @property
    def is_reference(self) -> bool:
        return self.type == "reference"

    @property
    def polymorphic(self) -> bool:
        return len(self.reference_to) > 1

    def with_changes(self, **changes: Any) -> FieldDef:
        return replace(self, **changes)

    def describe(self) -> dict[str, Any]:
        """The field as sObject Describe reports it: every property a real org's answer carries
        (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm),
        those the emulator does not model at their usual values (no formulas, masks, encryption,
        dependent picklists or field-level help)."""
        picklist = [
            {"active": True, "defaultValue": value == self.default, "label": value, "validFor": None, "value": value}
            for value in self.picklist_values
        ]
        digits = self.precision if self.type == "int" else 0
        # A Long Text Area (over 255 characters) can be neither filtered, sorted nor grouped on.
        long_text = self.type == "textarea" and self.length > 255
        return {
            "aggregatable": self.type != "textarea",
            "aiPredictionField": False,
            "autoNumber": self.auto_number,
            "byteLength": self._byte_length(),
            "calculated": self.calculated,
            "calculatedFormula": None,
            "cascadeDelete": self.cascade_delete,
            "caseSensitive": self.case_sensitive,
            "compoundFieldName": None,
            "controllerName": None,
            "createable": self.createable,
            "custom": self.custom,
            "defaultValue": self.default if self.type in {"boolean", "picklist"} else None,
            "defaultValueFormula": None,
            "defaultedOnCreate": (
                self.default is not None or self.defaulted_on_create or self.system or self.auto_number
            ),
            "dependentPicklist": False,
            "deprecatedAndHidden": False,
            "digits": digits,
            "displayLocationInDecimal": False,
            "encrypted": False,
            "externalId": self.external_id,
            # Text areas are plain text here (no rich text areas are modelled).
            "extraTypeInfo": "plaintextarea" if self.type == "textarea" else None,
            "filterable": not long_text,
            "filteredLookupInfo": None,
            "formulaTreatNullNumberAsZero": False,
            "groupable": not long_text and self.type not in {"textarea", "currency", "double", "percent", "datetime"},
            "highScaleNumber": False,
            "htmlFormatted": False,
            "idLookup": self.id_lookup or self.external_id or self.type == "id",
            "inlineHelpText": None,
            "label": self.label,
            "length": self.length,
            "mask": None,
            "maskType": None,
            "name": self.name,
            "nameField": self.name_field,
            # A polymorphic lookup (Task.WhoId, WhatId) names its parent through the Name object.
            "namePointing": self.polymorphic,
            "nillable": self.nillable,
            # Field-level security applies to optional fields; required and system fields have none.
            "permissionable": self.nillable and not self.system,
            "picklistValues": picklist,
            "polymorphicForeignKey": self.polymorphic,
            "precision": self.precision if self.type in {"currency", "double", "percent"} else 0,
            "queryByDistance": False,
            "referenceTargetField": None,
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "relationshipOrder": 0 if self.cascade_delete else None,
            "restrictedDelete": False,
            "restrictedPicklist": self.restricted_picklist,
            "scale": self.scale,
            "searchPrefilterable": False,
            "soapType": _SOAP_TYPES.get(self.type, "xsd:string"),
            "sortable": not long_text,
            "type": self.type,
            "unique": self.unique,
            "updateable": self.updateable,
            "writeRequiresMasterRead": False,
        }

    def _byte_length(self) -> int:
        """Bytes for variable-length fields (3 per character), an Id's 18, and 0 for fixed-size
        values (numbers, booleans, dates): a real org's describe says the same."""
        if self.type in ID_TYPES:
            return 18
        if self.type in STRING_TYPES:
            return self.length * 3
        return 0


@dataclass
class ObjectDef:
    name: str
    label: str
    label_plural: str
    key_prefix: str
    custom: bool = False
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    # Display format of an auto-number Name/number field ("SC-{000000}").
    auto_number_formats: dict[str, str] = field(default_factory=dict)
    _fields: dict[str, FieldDef] = field(default_factory=dict)
    _relationships: dict[str, FieldDef] = field(default_factory=dict)

    def add(self, field_def: FieldDef) -> None:
        self._fields[field_def.name.lower()] = field_def
        if field_def.relationship_name:
            self._relationships[field_def.relationship_name.lower()] = field_def

    def remove(self, name: str) -> None:
        """Take a field away (an org setting turned off, e.g. state and country picklists)."""
        field_def = self._fields.pop(name.lower(), None)
        if field_def is not None and field_def.relationship_name:
            self._relationships.pop(field_def.relationship_name.lower(), None)

    def field(self, name: str) -> FieldDef | None:
        return self._fields.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """The lookup field traversed by a relationship name (`Account`, `Contact__r`)."""
        return self._relationships.get(name.lower())

    @property
    def fields(self) -> Iterator[FieldDef]:
        return iter(self._fields.values())

    def unique_fields(self) -> list[FieldDef]:
        return [f for f in self._fields.values() if f.unique or f.external_id]


class Schema:
    def __init__(self, objects: Iterable[ObjectDef]) -> None:
        self._objects: dict[str, ObjectDef] = {}
        self._by_prefix: dict[str, ObjectDef] = {}
        for obj in objects:
            self._objects[obj.name.lower()] = obj
            self._by_prefix[obj.key_prefix] = obj

    def object(self, name: str) -> ObjectDef | None:
        return self._objects.get(name.lower())

    def object_for_id(self, record_id: str) -> ObjectDef | None:
        return self._by_prefix.get(record_id[:3])

    @property
    def objects(self) -> list[ObjectDef]:
        return sorted(self._objects.values(), key=lambda o: o.name)

    def child_relationships(self, parent: str) -> list[tuple[ObjectDef, FieldDef]]:
        """(child object, lookup field) pairs that point at `parent`."""
        found = []
        for obj in self.objects:
            for field_def in obj.fields:
                if field_def.is_reference and parent in field_def.reference_to:
                    found.append((obj, field_def))
        return found
