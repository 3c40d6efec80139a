"""The rest of the inbound contract (DESIGN §2) as a sender meets it through API Gateway: secret
rotation, query strings and binary bodies in the signature, every example body accepted, extra
fields welcome, our own AWS outage answered 503 with Retry-After, and never a 500 for what a
caller sent."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from trigger_events import event_body

CUSTOMERS = "/v1/commerce/customers"


def v1(secret: str, timestamp: int, method: str, path: str, raw: bytes) -> str:
    base = f"{timestamp}.{method}.{path}.".encode() + raw
    return hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def test_during_a_secret_rotation_a_signature_with_old_and_new_values_is_accepted(connector: Any) -> None:
    body = event_body("customer.registered")
    raw = json.dumps(body).encode()
    t = int(time.time())
    old = v1("the-retired-secret", t, "POST", CUSTOMERS, raw)
    new = v1(connector.family_secrets["commerce"], t, "POST", CUSTOMERS, raw)

    status, _ = connector.registration.post(body, headers={"X-Signature": f"t={t},v1={old},v1={new}"})

    assert status == 200


def test_a_signature_must_cover_the_query_string(connector: Any) -> None:
    body = event_body("customer.registered")
    raw = json.dumps(body).encode()
    signed_without_query = connector.signature("POST", CUSTOMERS, raw)

    refused = connector.registration.post(
        body, path=f"{CUSTOMERS}?trace=1", headers={"X-Signature": signed_without_query}
    )
    accepted = connector.registration.post(body, path=f"{CUSTOMERS}?trace=1")

    assert (refused.status, accepted.status) == (401, 200)


def test_a_json_body_sent_without_content_type_is_accepted(connector: Any) -> None:
    body = event_body("customer.registered")
    raw = json.dumps(body).encode()
    event = connector.registration.http_event("POST", CUSTOMERS, raw, content_type=None)

    status, _ = connector.registration.answer_of(event)

    assert status == 200


def test_a_body_declared_as_another_media_type_is_refused_with_a_4xx(connector: Any) -> None:
    body = event_body("customer.registered")

    status, _ = connector.registration.post(body, headers={"Content-Type": "application/octet-stream"})

    assert 400 <= status < 500
    assert connector.salesforce.calls() == 0


def test_a_signature_from_the_future_beyond_300_seconds_is_401(connector: Any) -> None:
    status, _ = connector.registration.post(event_body("customer.registered"), timestamp=int(time.time()) + 301)

    assert status == 401


def test_fields_the_contract_does_not_name_are_welcome(connector: Any) -> None:
    body = event_body("customer.registered", storefront_extension={"loyalty_tier": "gold"})
    body["trace_id"] = "abc"
    body["data"]["customer"]["c_favourite_colour"] = "teal"

    status, _ = connector.registration.post(body)

    assert status == 200


OCAPI_DOCUMENTS = {
    "customers": [
        {"customer_no": "00001002", "email": "li.wei@example.com", "first_name": "Li", "last_name": "Wei"},
    ],
    "orders": [
        {
            "order_no": "00002001",
            "site_id": "RefArch",
            "order_total": 129.99,
            "currency": "USD",
            "customer_info": {"customer_no": "00001001", "email": "jane.doe@example.com", "customer_name": "Jane Doe"},
        },
        {
            "order_no": "00002002",
            "site_id": "RefArch",
            "order_total": 42.0,
            "currency": "USD",
            "customer_info": {"email": "gus@example.com", "customer_name": "Gus Guest"},
        },
    ],
}
COMMERCE_EXAMPLES = [
    "customer.registered",
    "customer.registered.minimal",
    "customer.updated",
    "customer.opted_in",
    "order.created",
    "order.created.guest-header-only",
    "order.updated",
    "contact_us.submitted",
]


@pytest.mark.parametrize("name", COMMERCE_EXAMPLES)
def test_every_commerce_example_body_is_accepted_as_it_stands(connector: Any, name: str) -> None:
    connector.storefront.seed(OCAPI_DOCUMENTS)
    body = event_body(name)

    status, answer = connector.send(body)

    assert (status, answer.get("status")) == (200, "synced"), answer


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"[]", id="a-json-array"),
        pytest.param(b"null", id="json-null"),
        pytest.param(b'"customer.registered"', id="a-json-string"),
        pytest.param(b"{}", id="an-empty-object"),
        pytest.param(
            b'{"event_id": 1, "event_type": null, "occurred_at": [], "source": {}, "data": 7}', id="wrong-types"
        ),
        pytest.param(
            b'{"event_type": "customer.registered", "data": {"customer": {"customer_no": ""}}}', id="empty-key"
        ),
        pytest.param(json.dumps({"a" * 10_000: "\u0000\ud7ff"}).encode(), id="odd-keys"),
    ],
)
def test_a_signed_body_of_the_wrong_shape_is_422_never_500(connector: Any, raw: bytes) -> None:
    status, answer = connector.registration.post(path=CUSTOMERS, raw=raw)

    assert status == 422
    assert answer["errors"]
    assert connector.salesforce.calls() == 0


def test_deeply_nested_json_is_refused_as_a_4xx_never_500(connector: Any) -> None:
    raw = b'{"data":' * 5000 + b"1" + b"}" * 5000

    status, _ = connector.registration.post(path=CUSTOMERS, raw=raw)

    assert 400 <= status < 500


def test_a_body_that_is_not_utf8_is_400(connector: Any) -> None:
    status, _ = connector.registration.post(
        path=CUSTOMERS, raw=b'{"event_id": "\xff\xfe"}', headers={"Content-Type": "application/octet-stream"}
    )

    assert status == 400


def test_when_our_own_state_table_is_unavailable_the_answer_is_503_with_retry_after(connector: Any) -> None:
    connector.aws.dynamodb.delete_table(TableName=connector.aws.sync_state_table)

    status, _ = connector.registration.post(event_body("customer.registered"))

    assert status == 503
    assert connector.registration.last_headers.get("retry-after")
    assert connector.salesforce.calls() == 0


def test_when_our_idempotency_table_is_unavailable_the_answer_is_503_with_retry_after(connector: Any) -> None:
    connector.aws.dynamodb.delete_table(TableName=connector.aws.idempotency_table)

    status, _ = connector.registration.post(event_body("customer.registered"))

    assert status == 503
    assert connector.registration.last_headers.get("retry-after")


def test_when_the_webhook_secret_cannot_be_read_the_answer_is_503_not_401(connector: Any) -> None:
    connector.aws.secrets.delete_secret(
        SecretId=connector.aws.secret_arns["COMMERCE_WEBHOOK_SECRET_ARN"], ForceDeleteWithoutRecovery=True
    )

    status, _ = connector.registration.post(event_body("customer.registered"))

    assert status == 503
    assert connector.registration.last_headers.get("retry-after")
