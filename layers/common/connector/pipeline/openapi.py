"""The connector's OpenAPI document, generated from the same pydantic models that validate requests.

`python -m connector.pipeline.openapi > openapi.json` (or `make openapi`) merges every function's routes.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from connector.pipeline.signature import source_family
from connector.value_types import SOURCE_FAMILIES

SIGNATURE_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "X-Signature",
    "description": 't=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<METHOD>.<path>.<raw body>")>',
}


def document(functions_dir: Path, version: str = "1.0.0") -> dict[str, Any]:
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Service Cloud Connector", "version": version},
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {"signature": SIGNATURE_SCHEME}},
        "security": [{"signature": []}],
    }
    for app_file in sorted(functions_dir.glob("*/app.py")):
        spec = importlib.util.spec_from_file_location(f"openapi_{app_file.parent.name}", app_file)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        trigger = getattr(module, "trigger", None)
        if trigger is None:
            continue  # a function fed by its queue only (the backfill) has no part in the HTTP API
        doc = json.loads(trigger.app.get_openapi_json_schema(title="x", version=version))
        for path, operations in doc.get("paths", {}).items():
            merged["paths"].setdefault(path, {}).update(operations)
        merged["components"]["schemas"].update(doc.get("components", {}).get("schemas", {}))
        for path, schemas in trigger.parameter_schemas.items():
            for operation in merged["paths"].get(path, {}).values():
                for parameter in operation.get("parameters", []):
                    if parameter.get("in") == "path" and parameter.get("name") in schemas:
                        parameter["schema"] = schemas[parameter["name"]]
    for path, operations in merged["paths"].items():
        for operation in operations.values():
            _state_the_family(path, operation)
    return merged


def _state_the_family(path: str, operation: dict[str, Any]) -> None:
    """The route fixes the source family (a body naming another is a 422, a sync-state read of no
    family a 404): the document says so, so that a client built from it never sends another.
    The models are shared by routes and know no family; the route adds its own to the body."""
    family = source_family(path)
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None and family is not None:
        narrowed = {"type": "object", "properties": {"source": {"type": "string", "enum": [family]}}}
        body["schema"] = {"allOf": [body["schema"], narrowed]}
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" and parameter.get("name") == "source" and path.startswith("/v1/sync/"):
            parameter["schema"] = {**parameter.get("schema", {}), "type": "string", "enum": list(SOURCE_FAMILIES)}


if __name__ == "__main__":
    print(json.dumps(document(Path.cwd() / "functions"), indent=2))
