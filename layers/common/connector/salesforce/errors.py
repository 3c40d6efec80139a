"""Salesforce error bodies mapped to typed errors that say whether a retry can help."""

from __future__ import annotations

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
        # Two concurrent upserts of one new external id: the loser's retry is an update.
        "DUPLICATE_VALUE",
    }
)


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


def salesforce_error(status: int, details: list[ApiErrorDetail], operation: str = "") -> SalesforceError:
    code = details[0].error_code if details else "UNKNOWN"
    transient = status >= 500 or status == 429 or code in TRANSIENT_CODES
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
