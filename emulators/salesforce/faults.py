"""What fault injection (the shared `emulators.faults`) needs to know about Salesforce.

Besides the common keys a rule may name Salesforce's `errorCode` and `message`. A rule with
neither `status` nor `errorCode` but with `latency_ms` only delays; any other rule fails, its
missing status or code taken from the other (SERVER_UNAVAILABLE and 503 when both are missing),
and the call answers Salesforce's bare error shape `[{"message", "errorCode"}]`.
"""

from __future__ import annotations

from typing import Any

from emulators.faults import TRANSIENT_STATUS, Failure, FaultDialect, FaultSpec

DEFAULT_MESSAGES = {
    "SERVER_UNAVAILABLE": "Server temporarily unavailable, please try again later.",
    "UNABLE_TO_LOCK_ROW": "unable to obtain exclusive access to this record or 1 records",
    "REQUEST_LIMIT_EXCEEDED": "TotalRequests Limit exceeded.",
    "UNKNOWN_EXCEPTION": "An unexpected error occurred. Please include this ErrorId if you contact support: "
    "1234567890-12345 (-1234567890)",
    "INVALID_SESSION_ID": "Session expired or invalid",
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


def _resolve(spec: FaultSpec) -> Failure | None:
    code, message = spec.text("errorCode"), spec.text("message")
    if spec.status is None and code is None and spec.latency_ms:
        return None
    code = code or _CODE_FOR_STATUS.get(spec.status or TRANSIENT_STATUS, _FALLBACK_CODE)
    return Failure(spec.status or _STATUS_FOR_CODE.get(code, 400), code, message)


SALESFORCE = FaultDialect(_resolve, extra_keys=frozenset({"errorCode", "message"}), code_key="errorCode")


def error_body(failure: Failure) -> list[dict[str, Any]]:
    """An injected error as Salesforce answers these: message and errorCode, no fields."""
    code = failure.code or _FALLBACK_CODE
    return [{"message": failure.message or DEFAULT_MESSAGES.get(code, code), "errorCode": code}]
