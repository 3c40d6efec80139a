"""Salesforce error bodies mapped to typed errors that say whether a retry can help."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from connector.errors import PermanentError, TransientError

# Error codes Salesforce documents as temporary: the same request may succeed later.
TRANSIENT_CODES = frozenset(
    {
        "UNABLE_TO_LOCK_ROW",
        "REQUEST_LIMIT_EXCEEDED",
        "SERVER_UNAVAILABLE",
        "QUERY_TIMEOUT",
        "REQUEST_RUNNING_TOO_LONG",
        "TXN_SECURITY_METERING_ERROR",
        "UNKNOWN_EXCEPTION",
    }
)

# DUPLICATE_VALUE is transient only where the connector races itself: two concurrent upserts of
# one new external id, where the loser's retry is an update. On any other unique field (an
# email-unique custom field, another external id) the same write fails the same way every time.
DUPLICATE_VALUE = "DUPLICATE_VALUE"
# "duplicate value found: <field> duplicates value on record with id: <id>"; the org may say
# <unknown> for the field (https://docs.gearset.com/en/articles/4002241, https://salesforcedictionary.com/errors/duplicate-value-found).
_DUPLICATE_FIELD = re.compile(r"duplicate value found:\s*(\S+)\s+duplicates value", re.IGNORECASE)


@dataclass(frozen=True)
class ApiErrorDetail:
    error_code: str
    message: str
    fields: tuple[str, ...] = ()
    # DUPLICATES_DETECTED: the Ids of the records the org's duplicate rule matched.
    duplicates: tuple[str, ...] = ()


class SalesforceError(Exception):
    """A failed Salesforce call with the errors Salesforce reported.

    Raised as `TransientSalesforceError` or `PermanentSalesforceError` (see `salesforce_error`), so
    the pipeline's retry policy reads the type, not the status code.
    """

    def __init__(self, status: int, details: list[ApiErrorDetail], operation: str = "") -> None:
        self.status = status
        self.details = details
        self.operation = operation
        first = details[0] if details else ApiErrorDetail("UNKNOWN", "no error body")
        super().__init__(f"{operation} -> {status} {first.error_code}: {first.message}")

    @property
    def error_code(self) -> str:
        return self.details[0].error_code if self.details else "UNKNOWN"


class TransientSalesforceError(SalesforceError, TransientError):
    """Salesforce is down, busy, locked or over its limits: retry later."""


class PermanentSalesforceError(SalesforceError, PermanentError):
    """Salesforce refused the request itself: retrying the same request will not help."""


def duplicate_field(detail: ApiErrorDetail) -> str | None:
    """The unique field a DUPLICATE_VALUE names (in `fields`, else in its message), or None."""
    if detail.fields:
        return detail.fields[0]
    found = _DUPLICATE_FIELD.search(detail.message)
    return found.group(1) if found and found.group(1) != "<unknown>" else None


def is_raced_duplicate(details: list[ApiErrorDetail], upsert_field: str | None) -> bool:
    """A DUPLICATE_VALUE on the very field an upsert matched by: another writer inserted that key
    first, and the same upsert again is an update. An org that does not name the field ("duplicate
    value found: <unknown> duplicates value on record with id: <unknown>", the usual answer to two
    concurrent inserts of one new external id) is given the benefit of the doubt on an upsert: one
    more attempt is cheap, dead-lettering a customer for our own race is not."""
    if not details or details[0].error_code != DUPLICATE_VALUE or not upsert_field:
        return False
    field = duplicate_field(details[0])
    return field is None or field.lower() == upsert_field.lower()


def salesforce_error(
    status: int, details: list[ApiErrorDetail], operation: str = "", upsert_field: str | None = None
) -> SalesforceError:
    """The typed error of a refusal; `upsert_field` is the external-id field of an upsert (the only
    field on which a DUPLICATE_VALUE is worth a retry)."""
    code = details[0].error_code if details else "UNKNOWN"
    transient = status >= 500 or status == 429 or code in TRANSIENT_CODES or is_raced_duplicate(details, upsert_field)
    cls = TransientSalesforceError if transient else PermanentSalesforceError
    return cls(status, details, operation)


def parse_error_body(body: Any) -> list[ApiErrorDetail]:
    """Read the REST API's `[{"message","errorCode","fields"}]` (or the collections' `statusCode`)."""
    items = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
    details = []
    for item in items:
        if not isinstance(item, dict):
            continue
        code = item.get("errorCode") or item.get("statusCode") or item.get("error") or "UNKNOWN"
        message = item.get("message") or item.get("error_description") or ""
        details.append(ApiErrorDetail(str(code), str(message), tuple(item.get("fields") or ()), _matched_records(item)))
    return details


def _matched_records(item: dict[str, Any]) -> tuple[str, ...]:
    """The record Ids in a DUPLICATES_DETECTED error's duplicate result. REST answers spell the
    member `duplicateResut` (sic); sObject collections spell it `duplicateResult`."""
    result = item.get("duplicateResut") or item.get("duplicateResult")
    if not isinstance(result, dict):
        return ()
    ids: list[str] = []
    for match in result.get("matchResults") or ():
        for matched in (match or {}).get("matchRecords") or ():
            record = (matched or {}).get("record") or {}
            if isinstance(record.get("Id"), str):
                ids.append(record["Id"])
    return tuple(dict.fromkeys(ids))
