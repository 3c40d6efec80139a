"""The Standard Contact Duplicate Rule, as a new org has it active.

What a real org does (https://help.salesforce.com/apex/HTViewHelpDoc?id=sales.duplicate_rules_standard_contact_rule.htm):
the rule runs on create ("Allow" with an alert, alert text "Use one of these records?") and only
reports on edit. Through the API an alert cannot be acknowledged, so a flagged insert fails with
DUPLICATES_DETECTED unless the request sends `Sforce-Duplicate-Rule-Header: allowSave=true`
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api/headers_duplicaterules.htm);
an org that switched the rule to "Block" refuses the insert whatever the header says. The
emulator's matching is the part of the Standard Contact Matching Rule the connector meets: same
first name, last name and email (case-insensitive, blank fields never match; the real rule is
fuzzy on names, which only makes it match more).

Modes, switched through `POST /_admin/settings {"duplicate_rule": ...}`: `alert` (default, like a
new org), `block`, `off`.
"""

from __future__ import annotations

from typing import Any, Literal

from .errors import ApiError, SfError
from .records import WriteRequest
from .schema import ObjectDef
from .store import Record, Store

DuplicateRuleMode = Literal["off", "alert", "block"]
HEADER = "Sforce-Duplicate-Rule-Header"
RULE = "Standard_Contact_Duplicate_Rule"
MATCH_RULE = "Standard_Contact_Match_Rule_v1_1"
ALERT_TEXT = "Use one of these records?"
ERROR_MESSAGE = "You're creating a duplicate record. We recommend you use an existing record instead."
_MATCHED_ON = ("FirstName", "LastName", "Email")
# Fields the store indexes for the rule (passed to `Store(also_indexed=...)`).
INDEXED = {"Contact": ("Email",)}


def allows_save(header: str | None) -> bool:
    """`allowSave=true; includeRecordDetails=false; ...` -> True (every member defaults to false)."""
    for part in (header or "").split(";"):
        name, _, value = part.partition("=")
        if name.strip().lower() == "allowsave":
            return value.strip().lower() == "true"
    return False


class DuplicateRules:
    """A write hook: flags Contact inserts made through the REST API (not the admin seed)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.mode: DuplicateRuleMode = "alert"
        # The running API request's header (None outside an API request: the admin seed is not checked).
        self.request_header: str | None = None
        self.in_api_request = False
        self.api_version = "62.0"

    def before_write(self, request: WriteRequest, record: Record) -> None:
        if self.mode == "off" or not self.in_api_request or request.internal or not request.creating:
            return
        if request.obj.name != "Contact":
            return
        if self.mode == "alert" and allows_save(self.request_header):
            return  # the alert acknowledged: saved, and the org's duplicate reports show it
        matches = self._matches(request.obj, record)
        if matches:
            raise self._refusal(matches)

    def after_write(self, request: WriteRequest, record: Record) -> None:
        return None

    def before_delete(self, obj: ObjectDef, record: Record, *, internal: bool) -> None:
        return None

    def _matches(self, obj: ObjectDef, record: Record) -> list[str]:
        wanted = [_folded(record.get(name)) for name in _MATCHED_ON]
        email = obj.field("Email")
        if not all(wanted) or email is None:
            return []
        # Candidates through the store's Email index (INDEXED), not a scan of every Contact.
        candidates = (self._store.get(obj.name, i) for i in self._store.find(obj.name, email, record.get("Email")))
        return [
            str(row["Id"])
            for row in candidates
            if row is not None
            and row["Id"] != record["Id"]
            and [_folded(row.get(name)) for name in _MATCHED_ON] == wanted
        ]

    def _url(self, record_id: str) -> str:
        return f"/services/data/v{self.api_version}/sobjects/Contact/{record_id}"

    def _refusal(self, matches: list[str]) -> ApiError:
        records = [
            {
                "additionalInformation": [],
                "fieldDiffs": [],
                "matchConfidence": 100.0,
                "record": {"attributes": {"type": "Contact", "url": self._url(i)}, "Id": i},
            }
            for i in matches
        ]
        result: dict[str, Any] = {
            "allowSave": self.mode == "alert",
            "duplicateRule": RULE,
            "duplicateRuleEntityType": "Contact",
            "errorMessage": ERROR_MESSAGE,
            "matchResults": [
                {
                    "entityType": "Contact",
                    "errors": [],
                    "matchEngine": "FuzzyMatchEngine",
                    "matchRecords": records,
                    "rule": MATCH_RULE,
                    "size": len(records),
                    "success": True,
                }
            ],
        }
        return ApiError(400, [SfError(ALERT_TEXT, "DUPLICATES_DETECTED", (), result)])


def _folded(value: Any) -> str:
    return value.strip().casefold() if isinstance(value, str) else ""
