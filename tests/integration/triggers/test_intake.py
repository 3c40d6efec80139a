"""Intake (DESIGN §2): what a trigger refuses before any workflow runs, and that a refusal writes
nothing to Salesforce and queues nothing."""

from __future__ import annotations

import json
import time
from typing import Any

from trigger_events import event_body

CUSTOMERS = "/v1/commerce/customers"


def assert_nothing_happened(connector: Any) -> None:
    assert connector.salesforce.calls() == 0
    assert connector.registration.queue_depth() == 0


def test_a_request_without_signature_is_401(connector: Any) -> None:
    body = event_body("customer.registered")

    status, answer = connector.registration.post(body, sign=False)

    assert status == 401
    assert "X-Signature" in answer["message"]
    assert_nothing_happened(connector)


def test_a_signature_older_than_300_seconds_is_401(connector: Any) -> None:
    body = event_body("customer.registered")

    status, _ = connector.registration.post(body, timestamp=int(time.time()) - 301)

    assert status == 401
    assert_nothing_happened(connector)


def test_a_signature_made_with_a_wrong_secret_is_401(connector: Any) -> None:
    body = event_body("customer.registered")

    status, _ = connector.registration.post(body, secret="not-the-commerce-secret")

    assert status == 401
    assert_nothing_happened(connector)


def test_another_familys_secret_never_opens_a_commerce_route(connector: Any) -> None:
    body = event_body("customer.registered")

    status, _ = connector.registration.post(body, secret=connector.family_secrets["chat"])

    assert status == 401
    assert_nothing_happened(connector)


def test_a_signature_of_another_body_is_401(connector: Any) -> None:
    body = event_body("customer.registered")
    signed_for = json.dumps(event_body("customer.registered")).encode()

    status, _ = connector.registration.post(
        body, headers={"X-Signature": connector.signature("POST", CUSTOMERS, signed_for)}
    )

    assert status == 401
    assert_nothing_happened(connector)


def test_a_signed_body_that_is_not_json_is_400(connector: Any) -> None:
    status, answer = connector.registration.post(path=CUSTOMERS, raw=b'{"event_id": "evt-1", ')

    assert status == 400
    assert "JSON" in answer["message"]
    assert_nothing_happened(connector)


def test_a_signed_json_body_that_is_not_utf8_is_400_not_401(connector: Any) -> None:
    # Given a body signed over its raw bytes, which are not UTF-8
    raw = json.dumps(event_body("customer.registered")).encode().replace(b"registered", b"regis\xfftered")

    # When it is posted through the gateway's event (base64, as API Gateway passes it)
    status, answer = connector.registration.post(path=CUSTOMERS, raw=raw)

    # Then the signature holds over those bytes, and the answer is the malformed-JSON 400
    assert status == 400
    assert "malformed JSON" in answer["message"]
    assert_nothing_happened(connector)


def test_a_body_over_256_kib_is_413_before_its_signature_is_checked(connector: Any) -> None:
    body = event_body("customer.registered")
    body["data"]["padding"] = "x" * (256 * 1024)

    status, _ = connector.registration.post(body, sign=False)

    assert status == 413
    assert_nothing_happened(connector)


def test_a_body_of_exactly_256_kib_passes_the_size_check(connector: Any) -> None:
    raw = b'{"pad":"' + b"x" * (256 * 1024 - 10) + b'"}'
    assert len(raw) == 256 * 1024

    status, _ = connector.registration.post(path=CUSTOMERS, raw=raw)

    assert status == 422  # past size, signature and JSON checks: refused by the schema
    assert_nothing_happened(connector)


def test_a_missing_field_is_422_naming_it(connector: Any) -> None:
    body = event_body("customer.registered")
    del body["data"]["customer"]["customer_no"]

    status, answer = connector.registration.post(body)

    assert status == 422
    assert ["data", "customer", "customer_no"] in [e["loc"] for e in answer["errors"]]
    assert_nothing_happened(connector)


def test_an_event_type_the_route_does_not_take_is_422_naming_event_type(connector: Any) -> None:
    body = event_body("order.created")

    status, answer = connector.registration.post(body, path=CUSTOMERS)

    assert status == 422
    assert [e["loc"] for e in answer["errors"]] == [["event_type"]]
    assert_nothing_happened(connector)


def test_a_source_of_another_family_is_422_naming_source(connector: Any) -> None:
    body = event_body("customer.registered")
    body["source"] = "chat"

    status, answer = connector.registration.post(body)

    assert status == 422
    assert ["source"] in [e["loc"] for e in answer["errors"]]
    assert_nothing_happened(connector)


def test_an_occurred_at_that_is_not_rfc3339_is_422_naming_it(connector: Any) -> None:
    body = event_body("customer.registered", occurred_at="yesterday at noon")

    status, answer = connector.registration.post(body)

    assert status == 422
    assert ["occurred_at"] in [e["loc"] for e in answer["errors"]]
    assert_nothing_happened(connector)


def test_an_unknown_route_is_404(connector: Any) -> None:
    body = event_body("customer.registered")

    status, _ = connector.registration.post(body, path="/v1/commerce/refunds")

    assert status == 404
    assert_nothing_happened(connector)


def test_a_route_without_a_source_family_is_401(connector: Any) -> None:
    body = event_body("customer.registered")

    status, _ = connector.registration.post(body, path="/v1/unknown/customers")

    assert status == 401
    assert_nothing_happened(connector)
