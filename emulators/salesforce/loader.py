"""Builds the org schema: built-in standard objects + the connector's SFDX metadata."""

from __future__ import annotations

import os
from pathlib import Path

from . import ids
from .content import content_objects
from .person_schema import add_person_fields
from .schema import ObjectDef, Schema
from .sfdx import CustomObjectMeta, MetadataError, read_objects
from .standard_objects import STANDARD_ACTIVITY_TARGETS, auto_number, name_field, standard_objects, system_fields

SCHEMA_DIR_ENV = "SALESFORCE_EMULATOR_SCHEMA_DIR"
_OBJECTS_SUBPATH = Path("force-app", "main", "default", "objects")


def default_schema_dir() -> Path:
    """The SFDX project (`salesforce/` at the repo root) unless the environment names another."""
    configured = os.environ.get(SCHEMA_DIR_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "salesforce"


def objects_dir(schema_dir: Path) -> Path:
    """Accept the SFDX project root or its `objects/` folder itself."""
    nested = schema_dir / _OBJECTS_SUBPATH
    return nested if nested.is_dir() else schema_dir


class LoadedSchema:
    """The schema plus the facts derived from metadata that the write path needs."""

    def __init__(self, schema: Schema, person_field_map: dict[str, str]) -> None:
        self.schema = schema
        self.person_field_map = person_field_map


def _custom_object(meta: CustomObjectMeta, prefix: str) -> ObjectDef:
    obj = ObjectDef(name=meta.name, label=meta.label, label_plural=meta.plural_label, key_prefix=prefix, custom=True)
    for field_def in system_fields(owned=True):
        obj.add(field_def)
    if meta.name_field_type == "AutoNumber":
        obj.add(auto_number("Name", meta.name_field_label, length=80))
        obj.auto_number_formats["Name"] = meta.name_display_format or "{0}"
    else:
        obj.add(name_field("Name", meta.name_field_label, length=80))
    return obj


# Custom activity fields are defined once, on Activity (`objects/Activity/fields/`), and Salesforce puts each
# on both Task and Event; the Metadata API refuses a custom field deployed as Task's or Event's own (its
# field permissions still name Task.<field> and Event.<field>).
ACTIVITY_OBJECTS = ("Task", "Event")


def _objects_of(source_name: str, objects: dict[str, ObjectDef]) -> list[ObjectDef]:
    """The sObjects a metadata folder's fields land on."""
    names = ACTIVITY_OBJECTS if source_name == "Activity" else (source_name,)
    missing = [n for n in names if n not in objects]
    if missing:
        raise MetadataError(f"object {source_name} is neither custom nor a standard object the emulator knows")
    return [objects[n] for n in names]


def load_schema(schema_dir: Path | None = None) -> LoadedSchema:
    sources = read_objects(objects_dir(schema_dir or default_schema_dir()))
    customs = [s.custom_object for s in sources if s.custom_object is not None]
    targets = STANDARD_ACTIVITY_TARGETS + tuple(c.name for c in customs if c.enable_activities)
    objects = {o.name: o for o in [*standard_objects(targets), *content_objects()]}
    for index, meta in enumerate(sorted(customs, key=lambda c: c.name)):
        objects[meta.name] = _custom_object(meta, ids.custom_prefix(index))
    for source in sources:
        for obj in _objects_of(source.name, objects):
            for field_def in source.fields:
                if obj.field(field_def.name) is not None:
                    raise MetadataError(f"{obj.name}.{field_def.name} is defined twice")
                obj.add(field_def)
    for obj in objects.values():
        for field_def in obj.fields:
            missing = [t for t in field_def.reference_to if t not in objects]
            if missing:
                raise MetadataError(f"{obj.name}.{field_def.name} refers to unknown object(s) {missing}")
    person_map = add_person_fields(objects["Account"], objects["Contact"])
    return LoadedSchema(Schema(objects.values()), person_map)
