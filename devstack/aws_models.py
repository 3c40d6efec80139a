"""The botocore service models the layer ships, trimmed to the operations the connector calls.

botocore decodes a client's whole service model when the client is made: SSM's is 800 kB of JSON
(154 operations, 1,347 shapes, mostly documentation), decoded at every cold start to read one
parameter. botocore looks for models first in its loader's data path (`AWS_DATA_PATH`, documented:
https://docs.aws.amazon.com/botocore/latest/reference/loaders.html), so the layer ships the same
model holding only the parameter reads (`connector/aws_models/`), and `connector.aws_session` puts
that directory first on the data path. Only `service-2` is shipped: the endpoint rule set,
partitions, endpoints, paginators and waiters stay the runtime's own, so endpoint resolution is the
runtime's in every partition (an `endpoints.json` of our own would not be: botocore then resolves
endpoints the legacy way, `compute_endpoint_resolver_builtin_defaults` in botocore/args.py).

`python -m devstack.aws_models` writes the trimmed models from the installed botocore;
tests/unit/test_shipped_aws_models.py fails when the shipped ones differ from that.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import botocore

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "layers" / "common" / "connector" / "aws_models"
# service -> (API version, the operations the connector calls). SSM: Powertools' SSMProvider,
# `get` (GetParameter), `get_multiple` (the GetParametersByPath paginator) and
# `get_parameters_by_name` (GetParameters), on the connector-config parameter.
TRIMMED: dict[str, tuple[str, tuple[str, ...]]] = {
    "ssm": ("2014-11-06", ("GetParameter", "GetParameters", "GetParametersByPath")),
}


def installed_model(service: str, version: str) -> dict[str, Any]:
    data = Path(botocore.__file__).parent / "data" / service / version
    plain = data / "service-2.json"
    raw = plain.read_bytes() if plain.exists() else gzip.decompress((data / "service-2.json.gz").read_bytes())
    model: dict[str, Any] = json.loads(raw)
    return model


def _without_documentation(node: Any) -> Any:
    # Documentation only feeds docstrings; nothing a request is built from.
    if isinstance(node, dict):
        return {key: _without_documentation(value) for key, value in node.items() if key != "documentation"}
    if isinstance(node, list):
        return [_without_documentation(value) for value in node]
    return node


def trimmed(model: dict[str, Any], operations: tuple[str, ...]) -> dict[str, Any]:
    """The model with `operations` and every shape they reach (input, output, errors, members)."""
    kept_operations = {name: model["operations"][name] for name in operations}
    shapes: set[str] = set()
    pending = [
        ref["shape"]
        for operation in kept_operations.values()
        for ref in (operation.get("input"), operation.get("output"), *operation.get("errors", []))
        if ref
    ]
    while pending:
        name = pending.pop()
        if name in shapes:
            continue
        shapes.add(name)
        shape = model["shapes"][name]
        refs = [*shape.get("members", {}).values(), *(shape[key] for key in ("member", "key", "value") if key in shape)]
        pending.extend(ref["shape"] for ref in refs)
    return _without_documentation(
        {
            "version": model["version"],
            "metadata": model["metadata"],
            "operations": kept_operations,
            "shapes": {name: model["shapes"][name] for name in sorted(shapes)},
        }
    )


def render(model: dict[str, Any]) -> str:
    return json.dumps(model, indent=1, sort_keys=True) + "\n"


def expected() -> dict[Path, str]:
    """Shipped path -> the text it should hold, from the installed botocore."""
    return {
        SHIPPED / service / version / "service-2.json": render(trimmed(installed_model(service, version), operations))
        for service, (version, operations) in TRIMMED.items()
    }


def main() -> None:
    for path, text in expected().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"{path.relative_to(ROOT)}: {len(text):,} bytes")


if __name__ == "__main__":
    main()
