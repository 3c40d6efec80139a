"""Every metadata file of the kinds below lists its elements in the order of its type in the Metadata
API's WSDL, where each type is an `xsd:sequence` of its fields (`fullName` first, then the rest in the
alphabetical order the Metadata API Developer Guide's field tables follow). A deploy parses each file
against that sequence and refuses an element out of it ("Error parsing file: Element {...}visibleLines
invalid at this location in type CustomField"): these files are hand-written, so the order is checked.
Offline: no org is needed to see it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

DEFAULT = Path(__file__).resolve().parents[3] / "salesforce" / "force-app" / "main" / "default"
# The kinds whose WSDL sequence is alphabetical after fullName (CustomField, CustomObject,
# PermissionSet, PlatformEventChannel, PlatformEventChannelMember, EventRelayConfig); Flow and
# LightningComponentBundle are not, and are left out.
ALPHABETICAL_KINDS = (
    "objects",
    "permissionsets",
    "platformEventChannels",
    "platformEventChannelMembers",
    "eventRelays",
)
FILES = sorted(p for kind in ALPHABETICAL_KINDS for p in (DEFAULT / kind).rglob("*-meta.xml"))


def element_names(path: Path) -> list[str]:
    names: list[str] = []
    for child in ET.parse(path).getroot():  # noqa: S314 - the repo's own metadata
        name = str(child.tag).rpartition("}")[2]
        if name != "fullName" and (not names or names[-1] != name):
            names.append(name)  # a repeated element (fieldPermissions, enrichedFields) is one run
    return names


def test_the_check_reads_the_hand_written_metadata() -> None:
    assert len(FILES) > 50


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(DEFAULT)))
def test_a_metadata_file_lists_its_elements_in_the_order_the_metadata_api_parses(path: Path) -> None:
    names = element_names(path)
    assert names == sorted(names), f"{path.name}: {names}"
