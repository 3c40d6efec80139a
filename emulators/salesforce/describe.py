"""describeGlobal, sObject describe and basic info bodies."""

from __future__ import annotations

from typing import Any

from . import ids
from .schema import ObjectDef, Schema
from .store import Store


def _urls(obj: ObjectDef, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def object_summary(obj: ObjectDef, version: str) -> dict[str, Any]:
    return {
        "activateable": False,
        "createable": obj.createable,
        "custom": obj.custom,
        "customSetting": False,
        "deletable": obj.deletable,
        "deprecatedAndHidden": False,
        "feedEnabled": False,
        "keyPrefix": obj.key_prefix,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        "layoutable": True,
        "mergeable": obj.name in {"Account", "Contact", "Lead", "Case"},
        "name": obj.name,
        "queryable": True,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "triggerable": True,
        "undeletable": obj.deletable,
        "updateable": obj.updateable,
        "urls": _urls(obj, version),
    }


def describe_global(schema: Schema, version: str) -> dict[str, Any]:
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [object_summary(obj, version) for obj in schema.objects],
    }


def describe_object(schema: Schema, store: Store, obj: ObjectDef, version: str) -> dict[str, Any]:
    body = object_summary(obj, version)
    body["fields"] = [f.describe() for f in obj.fields]
    body["recordTypeInfos"] = _record_type_infos(store, obj, version)
    body["childRelationships"] = [
        {
            "cascadeDelete": lookup.cascade_delete,
            "childSObject": child.name,
            "field": lookup.name,
            "relationshipName": lookup.child_relationship_name,
        }
        for child, lookup in schema.child_relationships(obj.name)
    ]
    return body


def _record_type_infos(store: Store, obj: ObjectDef, version: str) -> list[dict[str, Any]]:
    def info(record_type_id: str, name: str, developer_name: str, *, master: bool, default: bool) -> dict[str, Any]:
        return {
            "active": True,
            "available": True,
            "defaultRecordTypeMapping": default,
            "developerName": developer_name,
            "master": master,
            "name": name,
            "recordTypeId": record_type_id,
            "urls": {"layout": f"/services/data/v{version}/sobjects/{obj.name}/describe/layouts/{record_type_id}"},
        }

    record_types = [r for r in store.records("RecordType") if r.get("SobjectType") == obj.name and r.get("IsActive")]
    infos = [
        info(r["Id"], r["Name"], r["DeveloperName"], master=False, default=not r.get("IsPersonType"))
        for r in record_types
    ]
    infos.append(info(ids.MASTER_RECORD_TYPE_ID, "Master", "Master", master=True, default=not record_types))
    return infos
