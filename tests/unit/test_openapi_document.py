"""The OpenAPI document is generated from the request models, for every function's routes."""

from __future__ import annotations

from pathlib import Path

from connector.pipeline.openapi import document

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
