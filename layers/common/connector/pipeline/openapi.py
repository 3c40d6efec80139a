"""The connector's OpenAPI document, generated from the same pydantic models that validate requests.

`python -m connector.pipeline.openapi > openapi.json` (or `make openapi`) merges every function's routes.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

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
        doc = json.loads(module.trigger.app.get_openapi_json_schema(title="x", version=version))
        for path, operations in doc.get("paths", {}).items():
            merged["paths"].setdefault(path, {}).update(operations)
        merged["components"]["schemas"].update(doc.get("components", {}).get("schemas", {}))
    return merged


if __name__ == "__main__":
    print(json.dumps(document(Path.cwd() / "functions"), indent=2))
