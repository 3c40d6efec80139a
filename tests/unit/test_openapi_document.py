"""The OpenAPI document is generated from the request models, for every function's routes."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import TypeAdapter

from connector.pipeline.openapi import document
from connector.value_types import ExternalKey

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def test_every_commerce_route_is_published_with_its_models(monkeypatch) -> None:
    monkeypatch.setenv("SYNC_STATE_TABLE", "SyncState")
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "Idempotency")

    doc = document(FUNCTIONS)

    assert {"/v1/commerce/customers", "/v1/commerce/orders", "/v1/commerce/cases"} <= set(doc["paths"])
    assert "post" in doc["paths"]["/v1/commerce/orders"]
    assert "get" in doc["paths"]["/v1/commerce/orders/{order_no}"]
    assert {"CustomerChanged", "OrderChanged", "ContactUsSubmitted"} <= set(doc["components"]["schemas"])
    assert doc["components"]["securitySchemes"]["signature"]["name"] == "X-Signature"


def test_every_route_documents_400_401_404_409_413_and_503(monkeypatch) -> None:
    # Given the document of every function
    monkeypatch.setenv("SYNC_STATE_TABLE", "SyncState")
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "Idempotency")
    doc = document(FUNCTIONS)

    # When the statuses each operation documents are collected
    missing = {
        f"{method.upper()} {path}": sorted({"400", "401", "404", "409", "413", "503"} - set(operation["responses"]))
        for path, operations in doc["paths"].items()
        for method, operation in operations.items()
    }

    # Then none lacks one of the answers any route can give
    assert {route: statuses for route, statuses in missing.items() if statuses} == {}


def _resolve(doc: dict, ref: str) -> dict:
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_an_email_is_published_with_its_format_and_the_pattern_the_model_applies(monkeypatch) -> None:
    # Given the document
    monkeypatch.setenv("SYNC_STATE_TABLE", "SyncState")
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "Idempotency")
    doc = document(FUNCTIONS)

    # When the registered customer's email is read from it
    customer = doc["components"]["schemas"]["Customer"]["properties"]["email"]

    # Then it says email format, and states the address rule the connector checks
    assert customer["format"] == "email"
    assert customer["pattern"] and customer["maxLength"] == 80


@pytest.mark.parametrize(
    ("path", "family"),
    [
        ("/v1/commerce/customers", "commerce"),
        ("/v1/chat/events", "chat"),
        ("/v1/social/conversations", "social"),
        ("/v1/loyalty/actions", "loyalty"),
    ],
)
def test_a_routes_body_names_its_own_source_family_only(monkeypatch, path: str, family: str) -> None:
    # Given the document
    monkeypatch.setenv("SYNC_STATE_TABLE", "SyncState")
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "Idempotency")
    doc = document(FUNCTIONS)

    # When the route's body schema is read
    schema = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]

    # Then it allows the route's family as `source`, and nothing else
    [_, narrowed] = schema["allOf"]
    assert narrowed["properties"]["source"]["enum"] == [family]


def test_the_sync_state_route_names_the_four_families_as_source(monkeypatch) -> None:
    monkeypatch.setenv("SYNC_STATE_TABLE", "SyncState")
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "Idempotency")
    doc = document(FUNCTIONS)

    parameters = doc["paths"]["/v1/sync/{source}/{entity}/{key}"]["get"]["parameters"]

    [source] = [p for p in parameters if p["name"] == "source"]
    assert source["schema"]["enum"] == ["commerce", "chat", "social", "loyalty"]


@pytest.mark.parametrize(
    ("path", "name"),
    [("/v1/commerce/orders/{order_no}", "order_no"), ("/v1/social/users/{user_id}/activity", "user_id")],
)
def test_a_path_parameter_the_route_checks_is_published_with_its_rule(monkeypatch, path: str, name: str) -> None:
    # Given the document
    monkeypatch.setenv("SYNC_STATE_TABLE", "SyncState")
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "Idempotency")
    doc = document(FUNCTIONS)

    # When the route's path parameter is read
    [parameter] = [p for p in doc["paths"][path]["get"]["parameters"] if p["name"] == name]

    # Then it states the key rule the route applies (a 422 otherwise): the ExternalKey type's own
    # schema (letters, digits and . _ -, not only dots, at most 80)
    assert parameter["schema"] == TypeAdapter(ExternalKey).json_schema()
    assert parameter["schema"]["maxLength"] == 80
