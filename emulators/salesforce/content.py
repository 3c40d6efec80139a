"""Salesforce Files: ContentVersion (a file's bytes), ContentDocument (the file) and
ContentDocumentLink (where the file is shared), as the REST API shows them.

What a real org does, and this emulator with it:
- A ContentVersion is inserted as JSON with its bytes base64-encoded in `VersionData` (a
  non-multipart body, up to 37.5 MB of base64: https://developer.salesforce.com/docs/atlas.en-us.
  api_rest.meta/api_rest/dome_sobject_insert_update_blob.htm); `PathOnClient` is required.
- Inserting the first version creates its ContentDocument (`ContentDocumentId`, read-only here);
  `FirstPublishLocationId` names the record the file is shared with, and the org links the
  document to it (a ContentDocumentLink with that `LinkedEntityId`), so
  `SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId = '<record>'` finds it
  (object reference: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/
  sforce_api_objects_contentversion.htm).
- A record GET or a query shows a blob field as the URL of its bytes
  (`/services/data/vNN.N/sobjects/ContentVersion/<id>/VersionData`); a GET of that URL answers the
  bytes themselves (sObject Blob Get), which a composite request does not support
  (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html).
Not modelled: libraries, sharing to the owner, new versions of a document, ContentDocument deletes.
"""

from __future__ import annotations

from .errors import bad_request
from .records import Records, WriteRequest
from .schema import ObjectDef
from .standard_objects import _field, _object, lookup, name_field, picklist, read_only, text, textarea
from .store import Record
from .values import BLOB_TYPE, Blob

CONTENT_VERSION = "ContentVersion"
CONTENT_DOCUMENT = "ContentDocument"
CONTENT_DOCUMENT_LINK = "ContentDocumentLink"
# The objects a file may be first published on (those the connector attaches files to).
PUBLISH_LOCATIONS = ("Account", "Contact", "Lead", "Case", "Task")


def content_objects() -> list[ObjectDef]:
    """ContentDocument, ContentVersion and ContentDocumentLink, as describe reports what is modelled."""
    document = _object(
        CONTENT_DOCUMENT,
        "069",
        [
            name_field("Title", "Title", 255),
            read_only(lookup("LatestPublishedVersionId", (CONTENT_VERSION,), "LatestPublishedVersion", None)),
        ],
        createable=False,
        plural="Content Documents",
    )
    version = _object(
        CONTENT_VERSION,
        "068",
        [
            text("Title", 255, name_field=True),
            text("PathOnClient", 500, nillable=False),
            textarea("Description", 1000),
            _field("VersionData", BLOB_TYPE, label="Version Data", updateable=False),
            read_only(_field("ContentSize", "int", label="Size")),
            read_only(lookup("ContentDocumentId", (CONTENT_DOCUMENT,), "ContentDocument", "ContentVersions")),
            lookup(
                "FirstPublishLocationId",
                PUBLISH_LOCATIONS,
                "FirstPublishLocation",
                None,
                label="First Publish Location ID",
                updateable=False,
            ),
        ],
        plural="Content Versions",
    )
    link = _object(
        CONTENT_DOCUMENT_LINK,
        "06A",
        [
            lookup("LinkedEntityId", PUBLISH_LOCATIONS, "LinkedEntity", None, nillable=False, updateable=False),
            lookup(
                "ContentDocumentId",
                (CONTENT_DOCUMENT,),
                "ContentDocument",
                "ContentDocumentLinks",
                nillable=False,
                updateable=False,
            ),
            picklist("ShareType", ("V", "C", "I"), default="V"),
            picklist("Visibility", ("AllUsers", "InternalUsers", "SharedUsers")),
        ],
        owned=False,
        plural="Content Document Links",
    )
    return [document, version, link]


class ContentRules:
    """The org's own work around a new ContentVersion: its document, its size, its first link."""

    def __init__(self, records: Records) -> None:
        self._records = records

    def before_write(self, request: WriteRequest, record: Record) -> None:
        if request.obj.name != CONTENT_VERSION or not request.creating:
            return
        blob = record.get("VersionData")
        if not isinstance(blob, Blob):
            # Salesforce-stored content needs its bytes (a link would use ContentUrl, not modelled).
            raise bad_request("REQUIRED_FIELD_MISSING", "Required fields are missing: [VersionData]", ["VersionData"])
        if not record.get("Title"):
            record["Title"] = str(record.get("PathOnClient") or "").rsplit("/", 1)[-1].rsplit(".", 1)[0] or "file"
        record["ContentSize"] = len(blob.data)
        document = self._records.schema.object(CONTENT_DOCUMENT)
        assert document is not None
        record["ContentDocumentId"] = self._records.create(document, {"Title": record["Title"]}, internal=True)

    def after_write(self, request: WriteRequest, record: Record) -> None:
        if request.obj.name != CONTENT_VERSION or not request.creating:
            return
        schema = self._records.schema
        document, link = schema.object(CONTENT_DOCUMENT), schema.object(CONTENT_DOCUMENT_LINK)
        assert document is not None and link is not None
        self._records.update(
            document, record["ContentDocumentId"], {"LatestPublishedVersionId": record["Id"]}, internal=True
        )
        if record.get("FirstPublishLocationId"):
            self._records.create(
                link,
                {"LinkedEntityId": record["FirstPublishLocationId"], "ContentDocumentId": record["ContentDocumentId"]},
                internal=True,
            )

    def before_delete(self, obj: ObjectDef, record: Record, *, internal: bool) -> None:
        return None
