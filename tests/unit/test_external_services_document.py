"""The External Services document (`make openapi` writes openapi-external-services.json): the routes
Salesforce calls, within the limits Salesforce documents for External Services (help.salesforce.com:
"System Limits", "Schema Definitions", "OpenAPI 2.0 and 3.0 Support", "Naming and Description
Conventions"; each rule cited in connector.pipeline.external_services), and still describing what the
routes accept."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from connector.pipeline.external_services import external_services_document
from connector.pipeline.openapi import document

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
EVENTS = ROOT / "events"
SALESFORCE_ROUTES = {
    ("post", "/v1/iam/loyalty/actions"),
    ("get", "/v1/iam/loyalty/customers/{key}"),
    ("get", "/v1/iam/loyalty/customers/{key}/activity"),
    ("post", "/v1/iam/social/salesforce-events"),
}
# "Naming and Description Conventions": names become Apex class, property and method names.
APEX_IDENTIFIER = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$")
MAX_JSON_SCHEMA_CHARACTERS = 10_000_000  # "System Limits": max schema size (JSON)


@pytest.fixture(scope="module")
def es_document() -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SYNC_STATE_TABLE", "SyncState")
        patch.setenv("IDEMPOTENCY_TABLE", "Idempotency")
        return external_services_document(FUNCTIONS)


@pytest.fixture(scope="module")
def connector_document() -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SYNC_STATE_TABLE", "SyncState")
        patch.setenv("IDEMPOTENCY_TABLE", "Idempotency")
        return document(FUNCTIONS)


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in doc["paths"].items() for method, op in ops.items()]


def walk(node: Any, key: str | None = None) -> Any:
    """Every (key, value) pair in the document, at any depth."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield k, v
            yield from walk(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item, key)


def test_it_publishes_the_salesforce_routes_only(es_document: dict[str, Any]) -> None:
    assert {(method, path) for method, path, _ in operations(es_document)} == SALESFORCE_ROUTES


def test_it_is_a_valid_openapi_3_0_document(es_document: dict[str, Any]) -> None:
    # "OpenAPI 2.0 and 3.0 Support": 3.1 is not among them
    assert es_document["openapi"].startswith("3.0.")
    validate(es_document)


def test_every_operation_id_is_a_unique_apex_identifier_of_at_most_80_characters(es_document: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(es_document)]

    assert len(set(ids)) == len(ids)
    assert [i for i in ids if not APEX_IDENTIFIER.match(i) or len(i) > 80] == []


def test_every_component_and_property_name_is_an_apex_identifier(es_document: dict[str, Any]) -> None:
    names = set(es_document["components"]["schemas"])
    names |= {name for key, value in walk(es_document) if key == "properties" for name in value}

    assert sorted(n for n in names if not APEX_IDENTIFIER.match(n)) == []


def test_no_schema_uses_not_or_a_union_or_a_3_1_form(es_document: dict[str, Any]) -> None:
    # "Schema Definitions": no `not`; a oneOf member is told by its schema's name (discriminator
    # mapping ignored), which our event types are not; 3.1's forms are not 3.0's
    refused = {"not", "oneOf", "anyOf", "allOf", "const", "propertyNames", "prefixItems", "$defs", "discriminator"}
    found = {key for key, _ in walk(es_document) if key in refused}
    type_lists = [value for key, value in walk(es_document) if key == "type" and isinstance(value, list)]

    assert found == set()
    assert type_lists == []


def test_json_is_the_only_media_type_and_no_response_declares_headers(es_document: dict[str, Any]) -> None:
    media = {m for key, value in walk(es_document) if key == "content" for m in value}

    assert media == {"application/json"}
    assert [s for _, _, op in operations(es_document) for s, r in op["responses"].items() if "headers" in r] == []


def test_a_get_operation_has_no_request_body(es_document: dict[str, Any]) -> None:
    # "Schema Definitions": a GET with a request body fails validation
    assert [path for method, path, op in operations(es_document) if method == "get" and "requestBody" in op] == []


def test_it_is_under_the_json_schema_size_limit(es_document: dict[str, Any]) -> None:
    assert len(json.dumps(es_document)) < MAX_JSON_SCHEMA_CHARACTERS


def test_its_server_is_a_placeholder_for_the_named_credential(es_document: dict[str, Any]) -> None:
    [server] = es_document["servers"]

    assert "<api-id>" in server["url"] and "<region>" in server["url"]


def test_every_reference_resolves_and_every_component_is_referenced(es_document: dict[str, Any]) -> None:
    components = es_document["components"]["schemas"]
    refs = {value.rsplit("/", 1)[1] for key, value in walk(es_document) if key == "$ref"}

    assert refs == set(components)


def test_the_signature_answer_is_api_gateways_403_not_x_signatures_401(es_document: dict[str, Any]) -> None:
    for _, _, op in operations(es_document):
        assert "401" not in op["responses"]
        assert "403" in op["responses"]


def test_the_loyalty_action_names_every_event_type_its_hmac_twin_takes(
    es_document: dict[str, Any], connector_document: dict[str, Any]
) -> None:
    # Given the event types the HMAC route's body models take (their discriminator's mapping)
    body = connector_document["paths"]["/v1/loyalty/actions"]["post"]["requestBody"]["content"]["application/json"]
    union = next(value for key, value in walk(body) if key == "discriminator")
    # When the External Services body is read
    schema = es_document["paths"]["/v1/iam/loyalty/actions"]["post"]["requestBody"]["content"]["application/json"]
    # Then its event_type is an enum of exactly those
    assert set(schema["schema"]["properties"]["event_type"]["enum"]) == set(union["mapping"])


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with the document's components, for a validator."""
    return {**schema, "components": doc["components"]}


LOYALTY_ACTIONS = (
    "offer.issue", "offer.revoke", "offer.redeem", "offer.unredeem", "offer.extend", "offer.reissue",
    "reward.purchase", "points.award", "note.add",
    "customer.enroll", "customer.update", "customer.sync", "customer.merge",
)  # fmt: skip
SALESFORCE_EVENTS = ("conversation.contact_linked", "conversation.assigned", "conversation.reply", "engagement.send")


@pytest.mark.parametrize(
    ("path", "event_types"),
    [("/v1/iam/loyalty/actions", LOYALTY_ACTIONS), ("/v1/iam/social/salesforce-events", SALESFORCE_EVENTS)],
)
def test_every_example_body_of_a_route_is_valid_against_its_external_services_schema(
    es_document: dict[str, Any], path: str, event_types: tuple[str, ...]
) -> None:
    # Given the route's example bodies (events/, each accepted by the route as it stands)
    examples = [json.loads((EVENTS / f"{event_type}.json").read_text()) for event_type in event_types]
    schema = es_document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    validator = OAS30Validator(resolve(es_document, schema))
    # When each is validated against the External Services schema
    refused = {example["event_type"]: [e.message for e in validator.iter_errors(example)] for example in examples}
    # Then none is refused: a flow can send whatever the route takes
    assert examples
    assert {event_type: messages for event_type, messages in refused.items() if messages} == {}
