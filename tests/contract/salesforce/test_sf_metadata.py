"""The SFDX source under salesforce/ stays deployable and consistent with itself."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[3] / "salesforce"
DEFAULT = PROJECT / "force-app" / "main" / "default"
NS = {"md": "http://soap.sforce.com/2006/04/metadata"}
FIELD_FILES = sorted(DEFAULT.glob("objects/*/fields/*.field-meta.xml"))


def _root(path: Path) -> ET.Element:
    return ET.parse(path).getroot()  # noqa: S314 - the repo's own metadata


def _text(node: ET.Element, tag: str) -> str | None:
    found = node.find(f"md:{tag}", NS)
    return found.text if found is not None else None


def test_project_targets_api_62() -> None:
    # given the SFDX project file
    project = json.loads((PROJECT / "sfdx-project.json").read_text())
    # then it deploys force-app with API 62.0
    assert project["sourceApiVersion"] == "62.0"
    assert [d["path"] for d in project["packageDirectories"]] == ["force-app"]


@pytest.mark.parametrize("path", FIELD_FILES, ids=lambda p: f"{p.parent.parent.name}.{p.stem}")
def test_field_file_is_named_after_its_full_name(path: Path) -> None:
    # given a field file
    root = _root(path)
    # then its fullName matches the file name and it has a label and a type
    assert _text(root, "fullName") == path.name.removesuffix(".field-meta.xml")
    assert _text(root, "label") and _text(root, "type")


def test_every_picklist_is_restricted() -> None:
    # given the picklist fields
    picklists = [p for p in FIELD_FILES if _text(_root(p), "type") == "Picklist"]
    # then each restricts its values, so a typo fails loudly in a real org too
    assert picklists
    for path in picklists:
        restricted = _root(path).find("md:valueSet/md:restricted", NS)
        assert restricted is not None and restricted.text == "true", path


def test_every_lookup_clears_on_delete() -> None:
    # given the lookup fields
    lookups = [p for p in FIELD_FILES if _text(_root(p), "type") == "Lookup"]
    # then deleting a parent clears them rather than blocking the delete
    assert lookups
    for path in lookups:
        assert _text(_root(path), "deleteConstraint") == "SetNull", path


def test_permission_set_covers_every_field_and_custom_object() -> None:
    # given the connector's permission set
    permissions = _root(DEFAULT / "permissionsets" / "Service_Cloud_Connector.permissionset-meta.xml")
    granted = {_text(f, "field") for f in permissions.findall("md:fieldPermissions", NS)}
    objects = {_text(o, "object") for o in permissions.findall("md:objectPermissions", NS)}
    # then every field file and every custom object is granted (a platform event's fields have no field-level
    # security: every field is in every event message, Platform Events Developer Guide, "Considerations for
    # Defining and Publishing Platform Events"; a fieldPermissions entry naming one fails the deploy)
    # A custom activity field is defined on Activity and granted on Task, where the connector writes it.
    sobject_fields = [p for p in FIELD_FILES if not p.parent.parent.name.endswith("__e")]
    on = {"Activity": "Task"}
    assert granted == {
        f"{on.get(p.parent.parent.name, p.parent.parent.name)}.{p.stem.removesuffix('.field-meta')}"
        for p in sobject_fields
    }
    assert objects == {p.name for p in (DEFAULT / "objects").iterdir() if p.name.endswith("__c")}
