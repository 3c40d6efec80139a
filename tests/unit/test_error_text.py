"""What logs, sync state and the DLQ say about a failure never quotes the data that caused it."""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from connector.errors import MappingError, TransientError
from connector.pipeline.failures import error_text as _error_text
from connector.salesforce.errors import ApiErrorDetail, salesforce_error


def test_a_salesforce_error_keeps_its_code_and_fields_but_not_its_message() -> None:
    error = salesforce_error(
        400, [ApiErrorDetail("INVALID_EMAIL_ADDRESS", "invalid email address: jane@doe", ("Email",))], "upsert"
    )

    text = _error_text(error)

    assert "INVALID_EMAIL_ADDRESS" in text
    assert "Email" in text
    assert "jane@doe" not in text


def test_a_validation_error_is_named_without_its_input() -> None:
    class Person(BaseModel):
        age: int

    try:
        Person.model_validate({"age": "jane.doe@example.com"})
    except ValidationError as exc:
        text = _error_text(exc)

    assert text == "ValidationError"


def test_our_own_errors_keep_their_message() -> None:
    assert _error_text(TransientError("OCAPI answered 503")) == "TransientError: OCAPI answered 503"
    assert "customer_no" in _error_text(MappingError(["data", "customer", "customer_no"], "unknown"))
