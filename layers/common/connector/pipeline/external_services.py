"""The OpenAPI document of the routes Salesforce calls (/v1/iam/...), fit for Salesforce External
Services, so that an admin registers it over the Named Credential and gets one flow action per operation.

`python -m connector.pipeline.external_services > openapi-external-services.json` (`make openapi`).

It is the connector's own document (connector.pipeline.openapi, OpenAPI 3.1 from the pydantic models)
narrowed to the IAM twins and rewritten within what External Services documents
(help.salesforce.com, "Schema Definition Support" and its pages, cited by the rule each applies):

- OpenAPI 2.0 or 3.0 only ("OpenAPI 2.0 and 3.0 Support"): the document says 3.0.3, and 3.1's
  schema forms become 3.0's (`const` -> a one-value `enum`, `type: [T, "null"]` and `anyOf` with
  `{"type": "null"}` -> `nullable`, numeric `exclusiveMinimum` -> `minimum` + `exclusiveMinimum: true`,
  `examples` -> `example`); keywords 3.0 does not have (`propertyNames`, `prefixItems`, ...) are dropped.
- No `not` (not among the supported schema constructs of "Schema Definitions").
- No `oneOf` / `anyOf` / `allOf`: External Services tells a `oneOf` member by the discriminator's value
  taken as the schema's *name*, and ignores `discriminator/mapping` ("Schema Definitions"); our bodies are
  told apart by `event_type` values such as `points.award`, which no schema is named. A flow builds one
  object per action anyway, so each union is merged into one object (every member's properties, those
  all members require required, `event_type` the enum of every member's); a union of strings is one
  string with the loosest bounds. The route still validates every body against its own model (a 422
  naming the field).
- JSON media types only ("Media Type Directives and Mapping": application/json is supported, and it is
  the only one the routes speak); no response headers ("Response headers aren't supported").
- Operation ids valid Apex identifiers ("Naming and Description Conventions": the derived Apex class
  and property names require valid Apex identifier characters): letters, digits and single
  underscores, starting with a letter, not ending with one, <= 80 characters here.
- Size under "System Limits": a JSON schema of at most 10,000,000 characters.
- `servers` holds a placeholder: External Services calls the Named Credential's URL (the
  SalesforceRoutesUrl output) followed by the operation's path.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from connector.pipeline.intake import IAM_PREFIX
from connector.pipeline.openapi import IAM_TWIN, document

OPENAPI_VERSION = "3.0.3"
SERVER_PLACEHOLDER = "https://<api-id>.execute-api.<region>.amazonaws.com"
MAX_SCHEMA_CHARACTERS = 10_000_000  # "System Limits": max schema size (JSON)
MAX_OPERATION_ID = 80
APEX_IDENTIFIER = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$")
JSON = "application/json"
FORBIDDEN = {
    "description": "AWS Signature V4 missing, expired or not this role's (API Gateway's IAM authorizer)",
    "content": {JSON: {"schema": {"$ref": "#/components/schemas/MessageAnswer"}}},
}
# JSON Schema (3.1) keywords OpenAPI 3.0 does not have, and the union keywords External Services
# cannot take here (see the module's docstring).
_DROPPED = (
    "not",
    "propertyNames",
    "prefixItems",
    "contentMediaType",
    "contentEncoding",
    "patternProperties",
    "unevaluatedProperties",
    "dependentRequired",
    "dependentSchemas",
    "if",
    "then",
    "else",
    "$schema",
    "$id",
    "discriminator",
)
_UNIONS = ("allOf", "oneOf", "anyOf")


def operation_id(method: str, path: str) -> str:
    """`POST /v1/iam/loyalty/actions` -> `postLoyaltyActions`; a `{key}` segment reads `ByKey`."""
    words = [method.lower()]
    for segment in path.removeprefix(IAM_PREFIX).split("/"):
        if segment.startswith("{"):
            words.append("By")
            segment = segment.strip("{}")
        words.extend(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", segment) if part)
    return "".join(words)[:MAX_OPERATION_ID]


def external_services_document(functions_dir: Path, version: str = "1.0.0") -> dict[str, Any]:
    source = document(functions_dir, version)
    fitter = _Fitter(source["components"]["schemas"])
    paths: dict[str, Any] = {}
    for operations in source["paths"].values():
        for method, operation in operations.items():
            twin = operation.get(IAM_TWIN)
            if twin is None:
                continue
            paths.setdefault(twin, {})[method] = fitter.operation(method, twin, operation)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Service Cloud Connector (called by Salesforce)",
            "version": version,
            "description": (
                "The routes Salesforce calls through a Named Credential signed with AWS Signature V4 "
                "(service execute-api), for External Services flow actions."
            ),
        },
        "servers": [{"url": SERVER_PLACEHOLDER}],
        "paths": paths,
        "components": {"schemas": fitter.used_components(paths)},
    }


class _Fitter:
    """Rewrites schemas for External Services, resolving the components they use."""

    def __init__(self, components: dict[str, Any]) -> None:
        self.components = components
        self.fitted: dict[str, Any] = {}

    def operation(self, method: str, path: str, operation: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"operationId": operation_id(method, path)}
        for key in ("summary", "description"):
            if operation.get(key):
                out[key] = operation[key]
        if operation.get("parameters"):
            out["parameters"] = [
                {**parameter, "schema": self.fit(parameter.get("schema", {}))} for parameter in operation["parameters"]
            ]
        body = operation.get("requestBody", {}).get("content", {}).get(JSON)
        if body is not None:
            out["requestBody"] = {"required": True, "content": {JSON: {"schema": self.fit(body["schema"])}}}
        responses: dict[str, Any] = {}
        for status, response in operation.get("responses", {}).items():
            if status == "401":
                continue  # X-Signature: the IAM twin takes none; the gateway answers 403 instead
            fitted: dict[str, Any] = {"description": response.get("description", "")}
            content = response.get("content", {}).get(JSON)
            if content is not None:
                fitted["content"] = {JSON: {"schema": self.fit(content.get("schema", {}))}}
            responses[status] = fitted
        responses["403"] = copy.deepcopy(FORBIDDEN)
        self.fit({"$ref": "#/components/schemas/MessageAnswer"})
        out["responses"] = dict(sorted(responses.items()))
        return out

    def used_components(self, paths: dict[str, Any]) -> dict[str, Any]:
        """The fitted components the operations refer to, directly or through others (a union's
        members, merged into one object, are not: each would be one more Apex class)."""
        used: set[str] = set()
        pending = _refs(paths)
        while pending:
            name = pending.pop()
            if name not in used:
                used.add(name)
                pending |= _refs(self.fitted[name])
        return {name: self.fitted[name] for name in sorted(used)}

    # ------------------------------------------------------------------ schemas
    def fit(self, schema: Any) -> Any:
        if isinstance(schema, list):
            return [self.fit(item) for item in schema]
        if not isinstance(schema, dict):
            return schema
        node = {k: v for k, v in schema.items() if k not in _DROPPED}
        if "$ref" in node:
            self._component(node["$ref"])
            return {"$ref": node["$ref"]}  # 3.0 ignores a $ref's siblings
        nullable = False
        if "const" in node:
            node["enum"] = [node.pop("const")]
        if "examples" in node:
            examples = node.pop("examples")
            if isinstance(examples, list) and examples:
                node["example"] = examples[0]
        if isinstance(node.get("type"), list):
            types = [t for t in node["type"] if t != "null"]
            nullable = len(types) < len(node["type"])
            if len(types) == 1:
                node["type"] = types[0]
            else:
                node.pop("type")
        for bound, inclusive in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            if isinstance(node.get(bound), int | float) and not isinstance(node[bound], bool):
                node[inclusive], node[bound] = node[bound], True
        for keyword in _UNIONS:
            if keyword in node:
                members = [m for m in node.pop(keyword) if m != {"type": "null"}]
                nullable = nullable or len(members) < len(schema[keyword])
                merged = self._merge([self.fit(m) for m in members], every=keyword == "allOf")
                if "$ref" in merged:
                    return merged
                own = {k: v for k, v in node.items() if k in ("title", "description", "default")}
                node = {**merged, **{k: v for k, v in node.items() if k not in own}, **own}
        if "properties" in node:
            node["properties"] = {name: self.fit(value) for name, value in node["properties"].items()}
        if isinstance(node.get("items"), dict):
            node["items"] = self.fit(node["items"])
        if isinstance(node.get("additionalProperties"), dict):
            node["additionalProperties"] = self.fit(node["additionalProperties"])
        if node.get("default") is None:
            node.pop("default", None)
        if nullable:
            node["nullable"] = True
        return node

    def _component(self, ref: str) -> dict[str, Any]:
        name = ref.rsplit("/", 1)[1]
        if name not in self.fitted:
            self.fitted[name] = {}  # a model that refers to itself
            self.fitted[name] = self.fit(self.components[name])
        return dict(self.fitted[name])

    def _resolved(self, schema: dict[str, Any]) -> dict[str, Any]:
        return self._component(schema["$ref"]) if "$ref" in schema else schema

    def _merge(self, members: list[dict[str, Any]], every: bool) -> dict[str, Any]:
        """One schema standing for the members: all of them (`every`, allOf: later members narrow the
        earlier) or any one of them (oneOf/anyOf: what any member allows)."""
        if len(members) == 1:
            return members[0]
        resolved = [self._resolved(m) for m in members]
        if all(r.get("type") == "object" or "properties" in r for r in resolved):
            return self._merge_objects(resolved, every)
        kinds = {r.get("type") for r in resolved}
        if len(kinds) == 1 and None not in kinds:
            return self._merge_values(resolved, every)
        return {}  # values of several types: "any type (as Apex Object)"

    def _merge_objects(self, members: list[dict[str, Any]], every: bool) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for member in members:
            for name, value in member.get("properties", {}).items():
                if name not in properties or properties[name] == value:
                    properties[name] = value
                elif every:
                    properties[name] = {**properties[name], **value}
                else:
                    properties[name] = self._merge([properties[name], value], every=False)
        required_sets = [set(m.get("required", [])) for m in members]
        required = set().union(*required_sets) if every else set.intersection(*required_sets)
        merged: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            merged["required"] = sorted(required)
        return merged

    def _merge_values(self, members: list[dict[str, Any]], every: bool) -> dict[str, Any]:
        if every:
            merged: dict[str, Any] = {}
            for member in members:
                merged.update(member)
            return merged
        merged = {"type": members[0]["type"]}
        if all("enum" in m for m in members):
            merged["enum"] = list(dict.fromkeys(v for m in members for v in m["enum"]))
        for key in ("format", "pattern"):
            values = {json.dumps(m.get(key)) for m in members}
            if len(values) == 1 and members[0].get(key) is not None:
                merged[key] = members[0][key]
        for key, pick in (("maxLength", max), ("maximum", max), ("minLength", min), ("minimum", min)):
            if all(key in m for m in members):
                merged[key] = pick(m[key] for m in members)
        return merged


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


if __name__ == "__main__":
    print(json.dumps(external_services_document(Path.cwd() / "functions"), indent=2))
