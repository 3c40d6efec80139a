"""The connector's OpenAPI document, generated from the same pydantic models that validate requests.

`python -m connector.pipeline.openapi > openapi.json` (or `make openapi`) merges every function's routes.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from connector.envelope import UnstatedRule
from connector.pipeline.intake import IAM_PREFIX
from connector.pipeline.signature import source_family
from connector.value_types import SOURCE_FAMILIES

# On an operation that also answers at /v1/iam/... (trigger.iam_twins): that path.
IAM_TWIN = "x-iam-twin"
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
                    if parameter.get("in") in ("path", "query") and parameter.get("name") in schemas:
                        parameter["schema"] = schemas[parameter["name"]]
        for path, body in module.trigger.request_bodies.items():
            for operation in merged["paths"].get(path, {}).values():
                _state_the_body(operation, body, merged["components"]["schemas"])
        for path in trigger.iam_twin_paths:
            # The same route for Salesforce's Named Credential (AWS Signature V4 checked by the gateway):
            # connector.pipeline.external_services publishes these twins alone.
            for operation in merged["paths"].get(path, {}).values():
                operation[IAM_TWIN] = IAM_PREFIX + path.removeprefix("/v1/")
        for path, rules in module.trigger.unstated_rules.items():
            documented_path = re.sub(r"<(\w+)>", r"{\1}", path)
            for operation in merged["paths"].get(documented_path, {}).values():
                _state_unstated_rules(operation, rules)
    for path, operations in merged["paths"].items():
        for operation in operations.values():
            _state_the_family(path, operation)
    return merged


def _state_the_body(operation: dict[str, Any], body: Any, components: dict[str, Any]) -> None:
    """A native route's body: the schema of the type its translation validates with (its models in
    the document's components, as Powertools puts the envelope routes')."""
    schema = TypeAdapter(body).json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}


def _state_unstated_rules(operation: dict[str, Any], rules: tuple[UnstatedRule, ...]) -> None:
    """Every rule the route applies beyond its schema, under its 422: `x-unstated-rules`, each with the
    loc and the type of the error it answers (devstack/fuzz.py accepts that 422, and no other, for a
    schema-valid request)."""
    refusal = operation.get("responses", {}).get("422")
    if refusal is not None and rules:
        refusal["x-unstated-rules"] = [rule.document() for rule in rules]
        refusal["description"] += "; beyond the schema: " + "; ".join(rule.rule for rule in rules)


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
