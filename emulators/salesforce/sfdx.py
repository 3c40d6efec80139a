"""Reads custom objects and fields from SFDX source (`objects/<Object>/fields/*.field-meta.xml`).

Only the metadata that changes API behaviour is read; anything the emulator cannot honour (an
unknown field type, a lookup without a target) fails loudly at start-up rather than letting the
emulator drift from what would be deployed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .schema import FieldDef

_NS = {"md": "http://soap.sforce.com/2006/04/metadata"}

# Metadata field type -> (describe type, default length when the XML gives none).
_TYPES: dict[str, tuple[str, int]] = {
    "Text": ("string", 255),
    "TextArea": ("textarea", 255),
    "LongTextArea": ("textarea", 32768),
    "Html": ("textarea", 32768),
    "Email": ("email", 80),
    "Phone": ("phone", 40),
    "Url": ("url", 255),
    "Picklist": ("picklist", 255),
    "Checkbox": ("boolean", 0),
    "Currency": ("currency", 0),
    "Number": ("double", 0),
    "Percent": ("percent", 0),
    "Date": ("date", 0),
    "DateTime": ("datetime", 0),
    "Lookup": ("reference", 18),
}


class MetadataError(ValueError):
    pass


@dataclass(frozen=True)
class CustomObjectMeta:
    name: str
    label: str
    plural_label: str
    name_field_label: str
    name_field_type: str
    name_display_format: str | None
    enable_activities: bool


def _text(node: ET.Element, tag: str, default: str | None = None) -> str | None:
    found = node.find(f"md:{tag}", _NS)
    return found.text.strip() if found is not None and found.text else default


def _flag(node: ET.Element, tag: str) -> bool:
    return (_text(node, tag) or "false").lower() == "true"


def _int(node: ET.Element, tag: str, default: int) -> int:
    raw = _text(node, tag)
    return int(raw) if raw is not None else default


def read_object(path: Path) -> CustomObjectMeta:
    root = ET.parse(path).getroot()  # noqa: S314 - the repo's own metadata
    name = path.name.removesuffix(".object-meta.xml")
    name_field = root.find("md:nameField", _NS)
    if name_field is None:
        raise MetadataError(f"{path}: custom object without nameField")
    return CustomObjectMeta(
        name=name,
        label=_text(root, "label", name) or name,
        plural_label=_text(root, "pluralLabel", name) or name,
        name_field_label=_text(name_field, "label", "Name") or "Name",
        name_field_type=_text(name_field, "type", "Text") or "Text",
        name_display_format=_text(name_field, "displayFormat"),
        enable_activities=_flag(root, "enableActivities"),
    )


def read_field(path: Path) -> FieldDef:
    root = ET.parse(path).getroot()  # noqa: S314 - the repo's own metadata
    name = _text(root, "fullName")
    meta_type = _text(root, "type")
    if not name or not meta_type:
        raise MetadataError(f"{path}: fullName and type are required")
    if meta_type not in _TYPES:
        raise MetadataError(f"{path}: field type {meta_type} is not supported by the emulator")
    api_type, default_length = _TYPES[meta_type]
    required = _flag(root, "required")
    kwargs: dict[str, Any] = {
        "label": _text(root, "label", name),
        "length": _int(root, "length", default_length),
        "custom": True,
        "nillable": not required and api_type != "boolean",
        "external_id": _flag(root, "externalId"),
        "unique": _flag(root, "unique"),
        "case_sensitive": _flag(root, "caseSensitive"),
        "track_history": _flag(root, "trackHistory"),
    }
    if api_type in {"currency", "double", "percent"}:
        kwargs["precision"] = _int(root, "precision", 18)
        kwargs["scale"] = _int(root, "scale", 0)
    if api_type == "boolean":
        kwargs["default"] = (_text(root, "defaultValue") or "false").lower() == "true"
    if api_type == "picklist":
        value_set = root.find("md:valueSet", _NS)
        if value_set is None:
            raise MetadataError(f"{path}: picklist without valueSet")
        values = value_set.findall("md:valueSetDefinition/md:value", _NS)
        kwargs["picklist_values"] = tuple(_text(v, "fullName") or "" for v in values)
        kwargs["restricted_picklist"] = _flag(value_set, "restricted")
        defaults = [_text(v, "fullName") for v in values if _flag(v, "default")]
        kwargs["default"] = defaults[0] if defaults else None
    if api_type == "reference":
        target = _text(root, "referenceTo")
        child_name = _text(root, "relationshipName")
        if not target or not child_name:
            raise MetadataError(f"{path}: a lookup needs referenceTo and relationshipName")
        kwargs["reference_to"] = (target,)
        # On the child the lookup is traversed as <field>__r; the metadata's relationshipName
        # names the parent's view of its children (<relationshipName>__r in subqueries).
        kwargs["relationship_name"] = name.removesuffix("__c") + "__r"
        kwargs["child_relationship_name"] = child_name + "__r"
        kwargs["cascade_delete"] = _text(root, "deleteConstraint") == "Cascade"
    return FieldDef(name=name, type=api_type, **kwargs)


@dataclass(frozen=True)
class ObjectSource:
    name: str
    custom_object: CustomObjectMeta | None
    fields: list[FieldDef]


def read_objects(objects_dir: Path) -> list[ObjectSource]:
    """Every object folder under `objects/`, in name order."""
    if not objects_dir.is_dir():
        raise MetadataError(f"SFDX objects folder not found: {objects_dir}")
    sources = []
    for folder in sorted(p for p in objects_dir.iterdir() if p.is_dir()):
        # A platform event (`__e`) is no sObject the REST API stores: it cannot be queried (SOQL refuses
        # it), read, updated or deleted, and only Salesforce publishes the connector's (its triggers and
        # flows). The emulator publishes none, so it leaves them out: `/sobjects/<event>` is NOT_FOUND
        # rather than a writable record store (Platform Events Developer Guide, "Considerations for
        # Defining and Publishing Platform Events": no SOQL support).
        if folder.name.endswith("__e"):
            continue
        object_file = folder / f"{folder.name}.object-meta.xml"
        custom = None
        # A standard object's own object-meta.xml (e.g. enabling history) changes no API shape.
        if folder.name.endswith("__c"):
            if not object_file.exists():
                raise MetadataError(f"{folder}: custom object without {object_file.name}")
            custom = read_object(object_file)
        fields = [read_field(p) for p in sorted((folder / "fields").glob("*.field-meta.xml"))]
        sources.append(ObjectSource(folder.name, custom, fields))
    return sources
