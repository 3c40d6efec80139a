"""Errors in Salesforce's own shapes.

REST resources answer `[{"message", "errorCode", "fields"}]`; sObject collections put the same
error inside each result as `{"statusCode", "message", "fields"}`. Handlers raise `ApiError` and
the transport layer picks the shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

NOT_FOUND_MESSAGE = "The requested resource does not exist"


@dataclass(frozen=True)
class SfError:
    message: str
    error_code: str
    fields: tuple[str, ...] = ()
    # DUPLICATES_DETECTED carries the duplicate rule's result. Salesforce's REST resources spell
    # the member `duplicateResut` (sic, as real answers show: clients read `[0].duplicateResut`);
    # sObject collections, like the SOAP DuplicateError, spell it `duplicateResult`.
    duplicate_result: Any = None

    def as_rest(self) -> dict[str, Any]:
        head = {"duplicateResut": self.duplicate_result} if self.duplicate_result is not None else {}
        return {**head, "message": self.message, "errorCode": self.error_code, "fields": list(self.fields)}

    def as_collection_item(self) -> dict[str, Any]:
        item = {"statusCode": self.error_code, "message": self.message, "fields": list(self.fields)}
        return item | ({"duplicateResult": self.duplicate_result} if self.duplicate_result is not None else {})


@dataclass
class ApiError(Exception):
    status: int
    errors: list[SfError] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"{e.error_code}: {e.message}" for e in self.errors)

    def body(self) -> list[dict[str, Any]]:
        return [e.as_rest() for e in self.errors]


def fail(status: int, error_code: str, message: str, fields: Iterable[str] = ()) -> ApiError:
    return ApiError(status, [SfError(message, error_code, tuple(fields))])


def bad_request(error_code: str, message: str, fields: Iterable[str] = ()) -> ApiError:
    return fail(400, error_code, message, fields)


def not_found(message: str = NOT_FOUND_MESSAGE) -> ApiError:
    return fail(404, "NOT_FOUND", message)


def no_such_column_on_sobject(object_name: str, field_name: str) -> ApiError:
    """Unknown field in a write body (the wording differs from SOQL's, as in Salesforce)."""
    return bad_request("INVALID_FIELD", f"No such column '{field_name}' on sobject of type {object_name}")


def no_such_column_on_entity(object_name: str, field_name: str) -> ApiError:
    return bad_request(
        "INVALID_FIELD",
        f"No such column '{field_name}' on entity '{object_name}'. If you are attempting to use a "
        "custom field, be sure to append the '__c' after the custom field name. Please reference "
        "your WSDL or the describe call for the appropriate names.",
    )


def json_parser_error(message: str) -> ApiError:
    return bad_request("JSON_PARSER_ERROR", message)


def malformed_query(message: str) -> ApiError:
    return bad_request("MALFORMED_QUERY", message)


def invalid_type(object_name: str) -> ApiError:
    return bad_request(
        "INVALID_TYPE",
        f"sObject type '{object_name}' is not supported. If you are attempting to use a custom "
        "object, be sure to append the '__c' after the entity name. Please reference your WSDL or "
        "the describe call for the appropriate names.",
    )
