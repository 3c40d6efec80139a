"""Record operations with Salesforce's validation rules: create, update, upsert, delete, read.

Every write path (REST, composite, collections, admin seed) goes through here, so the rules
are enforced the same way everywhere. Checks run in the order Salesforce reports them: body
shape and unknown fields, value types, field-level access, lengths and picklists, references,
required fields, uniqueness. Person-account rules plug in through `WriteHooks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from . import ids
from .errors import (
    ApiError,
    bad_request,
    fail,
    json_parser_error,
    no_such_column_on_entity,
    no_such_column_on_sobject,
    not_found,
)
from .schema import FieldDef, ObjectDef, Schema
from .store import Record, Store
from .values import Blob, blob_url, coerce, index_key, now, to_json

# Audit fields a client may set on create only when explicitly allowed (the admin seed), like
# Salesforce's "Set Audit Fields upon Record Creation" permission.
AUDIT_FIELDS = frozenset({"CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp"})
_READ_ONLY_HINT = (
    "Please check the security settings of this field and verify that it is read/write for your "
    "profile or permission set."
)
_COMPOUND_NAME_OBJECTS = frozenset({"Contact", "Lead", "User"})
# Children deleted with their parent (everything else pointing at a deleted record is cleared).
_CASCADE = frozenset({("Contact", "AccountId"), ("Order", "AccountId"), ("Task", "WhoId"), ("Task", "WhatId")})


class MultipleMatches(Exception):
    """Several records carry the external id a request named (answered with HTTP 300)."""

    def __init__(self, object_name: str, record_ids: list[str]) -> None:
        super().__init__(f"{len(record_ids)} {object_name} records match")
        self.object_name = object_name
        self.record_ids = record_ids


@dataclass(frozen=True)
class WriteRequest:
    obj: ObjectDef
    existing: Record | None
    changes: dict[str, Any]
    # Written by the org itself (e.g. the person Contact kept in step with its Account).
    internal: bool
    # The new record's Id when an admin data load names it (the seed); else one is issued.
    record_id: str | None = None

    @property
    def creating(self) -> bool:
        return self.existing is None


class WriteHooks(Protocol):
    """Object-specific rules layered on the generic write path."""

    def before_write(self, request: WriteRequest, record: Record) -> None: ...

    def after_write(self, request: WriteRequest, record: Record) -> None: ...

    def before_delete(self, obj: ObjectDef, record: Record, *, internal: bool) -> None: ...


class Records:
    def __init__(self, schema: Schema, store: Store, id_factory: ids.IdFactory) -> None:
        self.schema = schema
        self.store = store
        self._ids = id_factory
        self._auto_numbers: dict[tuple[str, str], int] = {}
        self.hooks: list[WriteHooks] = []
        # The running (integration) user; set once the org has seeded it.
        self.user_id = ""

    def reset_auto_numbers(self) -> None:
        self._auto_numbers.clear()

    # -- lookups -----------------------------------------------------------------------------

    def object(self, name: str) -> ObjectDef:
        """The sObject a REST path names, or 404 NOT_FOUND like /sobjects/{unknown}."""
        obj = self.schema.object(name)
        if obj is None:
            raise not_found()
        return obj

    def path_id(self, obj: ObjectDef, raw: str) -> str:
        """The 18-char id of a record id given in a URL path."""
        record_id = ids.normalize(raw)
        if record_id is None:
            raise bad_request("MALFORMED_ID", f"malformed id {raw}")
        if record_id[:3] != obj.key_prefix:
            raise not_found()
        return record_id

    def existing(self, obj: ObjectDef, record_id: str) -> Record:
        record = self.store.get(obj.name, record_id)
        if record is None:
            if self.store.get_deleted(obj.name, record_id) is not None:
                raise fail(404, "ENTITY_IS_DELETED", "entity is deleted")
            raise not_found()
        return record

    def external_id_field(self, obj: ObjectDef, name: str) -> FieldDef:
        field_def = obj.field(name)
        if field_def is None or not field_def.keys_upserts:
            # REST's answer to an upsert keyed on a field that is no external id of the object:
            # https://developer.salesforce.com/docs/platform/api-rest/guide/dome-upsert.md (NOT_FOUND)
            raise not_found(f"Provided external ID field does not exist or is not accessible: {name}")
        return field_def

    def find_by_external_id(self, obj: ObjectDef, field_def: FieldDef, raw: str) -> list[str]:
        if field_def.type == "id":
            record_id = ids.normalize(raw)
            if record_id is None:
                raise bad_request("MALFORMED_ID", f"malformed id {raw}")
            return [record_id] if self.store.get(obj.name, record_id) is not None else []
        value = coerce(field_def, raw)
        return self.store.find(obj.name, field_def, value) if value is not None else []

    # -- writes ------------------------------------------------------------------------------

    def create(
        self, obj: ObjectDef, body: Any, *, audit: bool = False, internal: bool = False, record_id: str | None = None
    ) -> str:
        """`record_id`: the Id the record takes (the admin seed only; the APIs never set an Id)."""
        if not obj.createable and not internal:
            raise bad_request("INVALID_TYPE_FOR_OPERATION", f"entity type cannot be inserted: {obj.name}")
        if record_id is not None:
            record_id = self._explicit_id(obj, record_id)
        changes = self._parse(obj, body, creating=True, audit=audit, internal=internal)
        return self._write(WriteRequest(obj, None, changes, internal, record_id))

    def _explicit_id(self, obj: ObjectDef, raw: str) -> str:
        """A seeded Id: well formed, of the object's key prefix, never used, and never one the
        emulator could issue itself later."""
        record_id = ids.normalize(raw)
        if record_id is None or record_id[:3] != obj.key_prefix or ids.issued_by_emulator(record_id):
            raise bad_request(
                "MALFORMED_ID", f"{obj.name}: Id {raw!r} is not a {obj.key_prefix} id outside the emulator's own range"
            )
        if self.store.get(obj.name, record_id) is not None or self.store.get_deleted(obj.name, record_id) is not None:
            raise bad_request("DUPLICATE_VALUE", f"{obj.name}: Id {record_id} is already used")
        return record_id

    def update(self, obj: ObjectDef, record_id: str, body: Any, *, internal: bool = False) -> None:
        if not obj.updateable and not internal:
            raise bad_request("INVALID_TYPE_FOR_OPERATION", f"entity type cannot be updated: {obj.name}")
        existing = self.existing(obj, record_id)
        changes = self._parse(obj, body, creating=False, audit=False, internal=internal)
        self._write(WriteRequest(obj, existing, changes, internal))

    def upsert(self, obj: ObjectDef, field_name: str, raw_value: str, body: Any) -> tuple[str, bool]:
        """(id, created) after upserting on an external id field (or Id)."""
        field_def = self.external_id_field(obj, field_name)
        if not isinstance(body, dict):
            raise json_parser_error("The request body must be a JSON object")
        matches = self.find_by_external_id(obj, field_def, raw_value)
        if field_def.type == "id":
            if not matches:
                raise not_found()
            self.update(obj, matches[0], body)
            return matches[0], False
        url_key = index_key(field_def, coerce(field_def, raw_value))
        payload = {k: v for k, v in body.items() if obj.field(k) is not field_def}
        for key, value in body.items():
            if obj.field(key) is field_def and index_key(field_def, coerce(field_def, value)) != url_key:
                raise bad_request(
                    "INVALID_FIELD",
                    f"The value of {field_def.name} in the request body does not match the external ID "
                    f"value in the URL: {raw_value}",
                    [field_def.name],
                )
        if len(matches) > 1:
            raise MultipleMatches(obj.name, matches)
        if matches:
            self.update(obj, matches[0], payload)
            return matches[0], False
        payload[field_def.name] = raw_value
        return self.create(obj, payload), True

    def delete(self, obj: ObjectDef, record_id: str, *, internal: bool = False) -> None:
        if not obj.deletable and not internal:
            raise bad_request("INVALID_TYPE_FOR_OPERATION", f"entity type cannot be deleted: {obj.name}")
        record = self.existing(obj, record_id)
        for hook in self.hooks:
            hook.before_delete(obj, record, internal=internal)
        self._delete(obj, record)

    # -- reads -------------------------------------------------------------------------------

    def render(
        self, obj: ObjectDef, record: Record, version: str, fields: list[FieldDef] | None = None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": {"type": obj.name, "url": record_url(version, obj.name, record["Id"])}}
        for field_def in fields if fields is not None else obj.fields:
            out[field_def.name] = shown(record, field_def.name, version, obj.name)
        return out

    def fields_param(self, obj: ObjectDef, raw: str | None) -> list[FieldDef] | None:
        """The `?fields=` list of a record GET (unknown names are an INVALID_FIELD, as in SOQL)."""
        if not raw:
            return None
        chosen = []
        for name in (part.strip() for part in raw.split(",")):
            field_def = obj.field(name)
            if field_def is None:
                raise no_such_column_on_entity(obj.name, name)
            chosen.append(field_def)
        return chosen

    # -- internals ---------------------------------------------------------------------------

    def _parse(self, obj: ObjectDef, body: Any, *, creating: bool, audit: bool, internal: bool) -> dict[str, Any]:
        if not isinstance(body, Mapping):
            raise json_parser_error("Cannot deserialize instance of the sObject from a non-object JSON value")
        changes: dict[str, Any] = {}
        references: list[tuple[FieldDef, Any]] = []
        for key, raw in body.items():
            if key == "attributes":
                continue
            field_def = obj.field(key)
            if field_def is not None:
                changes[field_def.name] = coerce(field_def, raw)
                continue
            lookup = obj.relationship(key)
            if lookup is None:
                raise no_such_column_on_sobject(obj.name, key)
            references.append((lookup, raw))
        if not internal:
            written = [*changes, *(lookup.name for lookup, _ in references)]
            denied = [name for name in written if not self._writable(obj, name, creating=creating, audit=audit)]
            if denied:
                raise bad_request(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {', '.join(denied)}. {_READ_ONLY_HINT}",
                    denied,
                )
        for lookup, raw in references:
            if lookup.name in changes:
                raise bad_request(
                    "INVALID_FIELD",
                    f"Cannot specify both an external ID reference {lookup.relationship_name} and a "
                    f"salesforce id, {lookup.name}",
                )
            changes[lookup.name] = self._resolve_foreign_key(lookup, raw)
        return changes

    def _writable(self, obj: ObjectDef, name: str, *, creating: bool, audit: bool) -> bool:
        field_def = obj.field(name)
        assert field_def is not None
        if audit and creating and name in AUDIT_FIELDS:
            return True
        return field_def.createable if creating else field_def.updateable

    def _resolve_foreign_key(self, lookup: FieldDef, raw: Any) -> str:
        """The id a relationship-by-external-id (`"Account": {"Ext__c": "x"}`) points at."""
        name = lookup.relationship_name or lookup.name
        if not isinstance(raw, Mapping):
            raise json_parser_error(f"Cannot deserialize instance of {name} from a non-object JSON value")
        attributes = raw.get("attributes") if isinstance(raw.get("attributes"), Mapping) else {}
        wanted_type = attributes.get("type") if isinstance(attributes, Mapping) else None
        if lookup.polymorphic and not wanted_type:
            raise bad_request("INVALID_FIELD", f"The polymorphic foreign key {name} requires an attributes type")
        target = self.schema.object(wanted_type or lookup.reference_to[0])
        if target is None or target.name not in lookup.reference_to:
            raise bad_request("INVALID_FIELD", f"Invalid foreign key type {wanted_type} for {name}")
        keys = [k for k in raw if k != "attributes"]
        if len(keys) != 1:
            raise bad_request("INVALID_FIELD", f"The foreign key {name} must name exactly one external ID field")
        field_def = target.field(keys[0])
        if field_def is None:
            raise no_such_column_on_sobject(target.name, keys[0])
        if not field_def.keys_upserts:
            raise bad_request(
                "INVALID_FIELD", f"Field {field_def.name} is not an external ID field in entity {target.name}"
            )
        value = raw[keys[0]]
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # a JSON number names a text key as its digits, as in Salesforce
        matches = self.find_by_external_id(target, field_def, value) if isinstance(value, str) else []
        if not matches:
            raise bad_request(
                "INVALID_FIELD",
                f"Foreign key external ID: {value} not found for field {field_def.name} in entity {target.name}",
            )
        if len(matches) > 1:
            raise bad_request(
                "DUPLICATE_EXTERNAL_ID",
                f"Foreign key external ID: {value} matched more than one record for field {field_def.name} "
                f"in entity {target.name}",
            )
        return matches[0]

    def _write(self, request: WriteRequest) -> str:
        obj, existing, changes = request.obj, request.existing, request.changes
        record = self._merge(request)
        for hook in self.hooks:
            hook.before_write(request, record)
        self._derive(obj, existing, record)
        self._check_required(request, record)
        self._check_references(obj, changes if existing is not None else record)
        self._check_unique(obj, record, changes if existing is not None else record)
        if existing is None:
            self.store.insert(obj.name, record)
        else:
            self.store.replace(obj.name, record)
        for hook in self.hooks:
            hook.after_write(request, record)
        return str(record["Id"])

    def _merge(self, request: WriteRequest) -> Record:
        obj, existing, changes = request.obj, request.existing, request.changes
        moment = now()
        if existing is not None:
            record = dict(existing)
            record.update(changes)
            record.update(LastModifiedDate=moment, SystemModstamp=moment, LastModifiedById=self.user_id)
            return record
        record = {f.name: f.default for f in obj.fields}
        record.update(changes)
        record.update(Id=request.record_id or self._ids.new(obj.key_prefix), IsDeleted=False)
        # Audit fields are only in `changes` when the caller may set them (admin seed).
        record["CreatedDate"] = changes.get("CreatedDate") or moment
        record["CreatedById"] = changes.get("CreatedById") or self.user_id
        record["LastModifiedDate"] = changes.get("LastModifiedDate") or record["CreatedDate"]
        record["LastModifiedById"] = changes.get("LastModifiedById") or record["CreatedById"]
        record["SystemModstamp"] = changes.get("SystemModstamp") or record["LastModifiedDate"]
        if obj.field("OwnerId") is not None and record.get("OwnerId") is None:
            record["OwnerId"] = self.user_id
        for name, pattern in obj.auto_number_formats.items():
            record[name] = self._next_auto_number(obj.name, name, pattern)
        return record

    def _next_auto_number(self, object_name: str, field_name: str, pattern: str) -> str:
        key = (object_name, field_name)
        self._auto_numbers[key] = number = self._auto_numbers.get(key, 0) + 1
        start, _, rest = pattern.partition("{")
        digits, _, end = rest.partition("}")
        return f"{start}{number:0{len(digits)}d}{end}" if digits else f"{start}{number}{end}"

    def _derive(self, obj: ObjectDef, existing: Record | None, record: Record) -> None:
        """Fields the org computes from others."""
        if obj.name in _COMPOUND_NAME_OBJECTS:
            record["Name"] = compound_name(record)
        if obj.name == "Case":
            record["IsClosed"] = record.get("Status") == "Closed"
            if record["IsClosed"] and not (existing or {}).get("IsClosed"):
                record["ClosedDate"] = record["LastModifiedDate"]
            elif not record["IsClosed"]:
                record["ClosedDate"] = None
        if obj.name == "Task":
            record["IsClosed"] = record.get("Status") == "Completed"
        if obj.name == "Order" and record.get("TotalAmount") is None:
            record["TotalAmount"] = 0.0

    def _check_required(self, request: WriteRequest, record: Record) -> None:
        obj = request.obj
        if request.creating:
            missing = [f.name for f in obj.fields if f.required_on_create and record.get(f.name) is None]
        else:
            missing = [
                name
                for name, value in request.changes.items()
                if value is None and not _field(obj, name).nillable and not _field(obj, name).system
            ]
        if missing:
            raise required_fields_missing(missing)

    def _check_references(self, obj: ObjectDef, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            if value is None:
                continue  # before the field look-up: a new record is mostly empty fields
            field_def = obj.field(name)
            if field_def is None or not field_def.is_reference or field_def.system:
                continue
            target = self.schema.object_for_id(value)
            if target is None or target.name not in field_def.reference_to:
                raise bad_request(
                    "FIELD_INTEGRITY_EXCEPTION", f"{field_def.label}: id value of incorrect type: {value}", [name]
                )
            if self.store.get(target.name, value) is None:
                if self.store.get_deleted(target.name, value) is not None:
                    # "You can't reference an object that has been deleted" (StatusCode ENTITY_IS_DELETED,
                    # https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm).
                    raise bad_request("ENTITY_IS_DELETED", "entity is deleted", [name])
                raise bad_request("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [name])

    def _check_unique(self, obj: ObjectDef, record: Record, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            if value is None:
                continue
            field_def = obj.field(name)
            if field_def is None or not field_def.unique:
                continue
            others = [i for i in self.store.find(obj.name, field_def, value) if i != record["Id"]]
            if others:
                raise bad_request(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {field_def.name} duplicates value on record with id: {others[0]}",
                )

    def _delete(self, obj: ObjectDef, record: Record) -> None:
        record_id = record["Id"]
        for child, lookup in self.schema.child_relationships(obj.name):
            for row in self.store.records(child.name):
                if row.get(lookup.name) != record_id:
                    continue
                if (child.name, lookup.name) in _CASCADE or lookup.cascade_delete:
                    if self.store.get(child.name, row["Id"]) is not None:
                        self._delete(child, row)
                else:
                    self.store.replace(child.name, {**row, lookup.name: None})
        self.store.delete(obj.name, record_id, {**record, "IsDeleted": True})


def _field(obj: ObjectDef, name: str) -> FieldDef:
    field_def = obj.field(name)
    assert field_def is not None, name
    return field_def


def compound_name(record: Mapping[str, Any]) -> str | None:
    parts = [record.get("FirstName"), record.get("LastName")]
    return " ".join(p for p in parts if p) or None


def shown(record: Record, field_name: str, version: str, object_name: str) -> Any:
    """A stored value as the REST API shows it (a blob as the URL of its bytes)."""
    value = record.get(field_name)
    if isinstance(value, Blob):
        return blob_url(version, object_name, record["Id"], field_name)
    return to_json(value)


def record_url(version: str, object_name: str, record_id: str) -> str:
    return f"/services/data/v{version}/sobjects/{object_name}/{record_id}"


def required_fields_missing(names: list[str]) -> ApiError:
    return bad_request("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(names)}]", names)
