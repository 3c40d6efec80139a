"""What fault injection (the shared `emulators.faults`) needs to know about Salesforce.

Besides the common keys a rule may name Salesforce's `errorCode`, `message` and `fields`. A rule
with neither `status` nor `errorCode` but with `latency_ms` only delays; any other rule fails, its
missing status or code taken from the other (SERVER_UNAVAILABLE and 503 when both are missing),
and the call answers Salesforce's error shape `[{"message", "errorCode", "fields"}]`.

`scope` says which part of a call a rule fails (the whole call by default):

    "subrequest"  one subrequest of a POST /composite, chosen by `referenceId` and/or `index`
                  (0-based); `match` is tried against the subrequest's "METHOD url". The others
                  run, and with allOrNone they answer PROCESSING_HALTED and the writes roll back,
                  as for any failed subrequest. `status` 300 answers an upsert's "several records
                  match" (a list of record URLs), which a real org gives on a non-unique external id.
    "record"      one record of an sObject collection call, chosen by `index` (0-based) and/or
                  `externalId` (the record's external-id value in an upsert, its Id in an update);
                  `match` is tried against the collection call. The record's result carries the
                  error as `{"statusCode", "message", "fields"}`; with allOrNone the others report
                  ALL_OR_NONE_OPERATION_ROLLED_BACK and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulators.faults import TRANSIENT_STATUS, WHOLE_REQUEST, Failure, FaultDialect, FaultSpec, FaultSpecError

from .errors import ApiError, SfError

SUBREQUEST = "subrequest"
RECORD = "record"
MULTIPLE_CHOICES = 300

DEFAULT_MESSAGES = {
    "SERVER_UNAVAILABLE": "Server temporarily unavailable, please try again later.",
    "UNABLE_TO_LOCK_ROW": "unable to obtain exclusive access to this record or 1 records",
    "REQUEST_LIMIT_EXCEEDED": "TotalRequests Limit exceeded.",
    "UNKNOWN_EXCEPTION": "An unexpected error occurred. Please include this ErrorId if you contact support: "
    "1234567890-12345 (-1234567890)",
    "INVALID_SESSION_ID": "Session expired or invalid",
    "ENTITY_IS_DELETED": "entity is deleted",
    "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY": "insufficient access rights on cross-reference id",
    # What real orgs answer when they do not say which unique field clashed.
    "DUPLICATE_VALUE": "duplicate value found: <unknown> duplicates value on record with id: <unknown>",
}
_STATUS_FOR_CODE = {
    "SERVER_UNAVAILABLE": 503,
    "UNABLE_TO_LOCK_ROW": 400,
    "REQUEST_LIMIT_EXCEEDED": 403,
    "UNKNOWN_EXCEPTION": 500,
    "INVALID_SESSION_ID": 401,
}
_CODE_FOR_STATUS = {
    503: "SERVER_UNAVAILABLE",
    502: "SERVER_UNAVAILABLE",
    504: "SERVER_UNAVAILABLE",
    500: "UNKNOWN_EXCEPTION",
    403: "REQUEST_LIMIT_EXCEEDED",
    400: "UNABLE_TO_LOCK_ROW",
    401: "INVALID_SESSION_ID",
}
_FALLBACK_CODE = "UNKNOWN_EXCEPTION"
_SELECTORS = {SUBREQUEST: ("referenceId", "index"), RECORD: ("index", "externalId")}


def _resolve(spec: FaultSpec) -> Failure | None:
    code, message = spec.text("errorCode"), spec.text("message")
    fields = _fields(spec.extra.get("fields"))
    if spec.status == MULTIPLE_CHOICES:
        if spec.extra.get("scope") != SUBREQUEST or code or message or fields:
            raise FaultSpecError("'status' 300 is a subrequest's answer only, without errorCode, message or fields.")
        return Failure(MULTIPLE_CHOICES)
    if spec.status is not None and spec.status < 400:
        raise FaultSpecError("'status' must be 300 or between 400 and 599.")
    if spec.status is None and code is None and spec.latency_ms:
        return None
    code = code or _CODE_FOR_STATUS.get(spec.status or TRANSIENT_STATUS, _FALLBACK_CODE)
    return Failure(spec.status or _STATUS_FOR_CODE.get(code, 400), code, message, fields)


def _fields(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(name, str) and name for name in value):
        raise FaultSpecError("'fields' must be a list of field names.")
    return tuple(value)


def _target(spec: FaultSpec) -> tuple[str, Mapping[str, Any]]:
    scope = spec.extra.get("scope", WHOLE_REQUEST)
    if scope not in (WHOLE_REQUEST, SUBREQUEST, RECORD):
        raise FaultSpecError(f"'scope' must be one of {[WHOLE_REQUEST, SUBREQUEST, RECORD]}.")
    allowed = _SELECTORS.get(scope, ())
    given = {key: spec.extra[key] for key in ("referenceId", "index", "externalId") if key in spec.extra}
    misplaced = sorted(set(given) - set(allowed))
    if misplaced:
        raise FaultSpecError(f"{misplaced} cannot select a part of scope '{scope}'.")
    if "index" in given and (
        not isinstance(given["index"], int) or isinstance(given["index"], bool) or given["index"] < 0
    ):
        raise FaultSpecError("'index' must be an integer from 0.")
    for key in ("referenceId", "externalId"):
        if key in given and (not isinstance(given[key], str) or not given[key]):
            raise FaultSpecError(f"'{key}' must be a non-empty string.")
    return scope, given


SALESFORCE = FaultDialect(
    _resolve,
    extra_keys=frozenset({"errorCode", "message", "fields", "scope", "referenceId", "index", "externalId"}),
    code_key="errorCode",
    target=_target,
    lowest_status=MULTIPLE_CHOICES,
)


def error_body(failure: Failure) -> list[dict[str, Any]]:
    """An injected error as Salesforce answers these: message and errorCode (and fields, if named)."""
    code = failure.code or _FALLBACK_CODE
    body: dict[str, Any] = {"message": failure.message or DEFAULT_MESSAGES.get(code, code), "errorCode": code}
    if failure.fields:
        body["fields"] = list(failure.fields)
    return [body]


def injected_error(failure: Failure) -> ApiError:
    """An injected failure of one part of a call, raised where a real error of that part would be."""
    code = failure.code or _FALLBACK_CODE
    message = failure.message or DEFAULT_MESSAGES.get(code, code)
    return ApiError(failure.status, [SfError(message, code, failure.fields)])
