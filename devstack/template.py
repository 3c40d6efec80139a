"""What the local stack reads from a SAM template: functions (with SAM Globals merged), their
HttpApi routes, SQS event sources and schedules, and the tables, queues and parameters to create."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.cfn import Resolver, TemplateError, is_intrinsic, to_text

FUNCTION = "AWS::Serverless::Function"
LAYER = "AWS::Serverless::LayerVersion"
TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"
HTTP_API = "AWS::Serverless::HttpApi"

DEFAULT_TIMEOUT = 3  # Lambda's own defaults when neither the function nor Globals say
DEFAULT_MEMORY = 128


@dataclass(frozen=True)
class Route:
    """One HttpApi route: `method` is upper case or ANY; `path` is the template's path or `$default`."""

    method: str
    path: str
    function: str
    event: str
    # The route's authorizer (`Auth: Authorizer:`): "AWS_IAM" (the gateway checks SigV4), or None.
    authorizer: str | None = None

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class SqsSource:
    event: str
    queue_arn: str
    batch_size: int = 10
    batching_window: int = 0
    report_batch_item_failures: bool = False
    maximum_concurrency: int | None = None
    enabled: bool = True


@dataclass(frozen=True)
class ScheduleSource:
    event: str
    expression: str
    input: str | None = None
    enabled: bool = True


@dataclass
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    runtime: str
    timeout: int
    memory: int
    architectures: list[str]
    environment: dict[str, str]
    layer_dirs: list[Path] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    sqs: list[SqsSource] = field(default_factory=list)
    schedules: list[ScheduleSource] = field(default_factory=list)


def resources_of_type(template: Mapping[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in (template.get("Resources") or {}).items()
        if isinstance(resource, dict) and resource.get("Type") == rtype
    }


def merge_globals(global_props: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals merge: maps merge key by key, lists concatenate, anything else is overridden."""
    out = copy.deepcopy(dict(global_props))
    for key, value in props.items():
        current = out.get(key)
        if (
            isinstance(current, dict)
            and isinstance(value, dict)
            and not is_intrinsic(current)
            and not is_intrinsic(value)
        ):
            out[key] = merge_globals(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            out[key] = current + copy.deepcopy(value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def function_properties(template: Mapping[str, Any], logical_id: str) -> dict[str, Any]:
    resource = (template.get("Resources") or {})[logical_id]
    globals_ = ((template.get("Globals") or {}).get("Function")) or {}
    return merge_globals(globals_, resource.get("Properties") or {})


def load_functions(template: Mapping[str, Any], resolver: Resolver, base_dir: Path) -> list[FunctionSpec]:
    """Every enabled AWS::Serverless::Function, its properties resolved."""
    layers = {
        logical_id: resource
        for logical_id, resource in resources_of_type(template, LAYER).items()
        if resolver.resource_enabled(logical_id)
    }
    specs: list[FunctionSpec] = []
    for logical_id in resources_of_type(template, FUNCTION):
        if not resolver.resource_enabled(logical_id):
            continue
        raw = function_properties(template, logical_id)
        layer_dirs = []
        for layer in raw.get("Layers") or []:
            if isinstance(layer, dict) and set(layer) == {"Ref"} and layer["Ref"] in layers:
                content = (layers[layer["Ref"]].get("Properties") or {}).get("ContentUri")
                if isinstance(content, str):
                    layer_dirs.append((base_dir / content).resolve())
        props = resolver.resolve(raw)
        code_uri = props.get("CodeUri")
        if not isinstance(code_uri, str) or code_uri.startswith("s3://"):
            raise TemplateError(f"{logical_id}: CodeUri must be a local directory, got {code_uri!r}")
        if props.get("PackageType", "Zip") != "Zip":
            raise TemplateError(f"{logical_id}: only Zip functions run locally")
        variables = ((props.get("Environment") or {}).get("Variables")) or {}
        spec = FunctionSpec(
            logical_id=logical_id,
            code_dir=(base_dir / code_uri).resolve(),
            handler=str(props.get("Handler", "app.handler")),
            runtime=str(props.get("Runtime", "")),
            timeout=int(props.get("Timeout", DEFAULT_TIMEOUT)),
            memory=int(props.get("MemorySize", DEFAULT_MEMORY)),
            architectures=[str(a) for a in props.get("Architectures") or ["x86_64"]],
            environment={str(k): to_text(v) for k, v in variables.items()},
            layer_dirs=layer_dirs,
        )
        for event_name, event in (props.get("Events") or {}).items():
            _add_event(spec, event_name, event or {})
        specs.append(spec)
    return specs


def _add_event(spec: FunctionSpec, name: str, event: Mapping[str, Any]) -> None:
    etype = event.get("Type")
    p = event.get("Properties") or {}
    if etype == "HttpApi":
        path, method = p.get("Path"), p.get("Method")
        if path is None and method is None:
            spec.routes.append(Route("ANY", "$default", spec.logical_id, name))
            return
        method = str(method or "ANY").upper()
        if method == "X-AMAZON-APIGATEWAY-ANY-METHOD":
            method = "ANY"
        spec.routes.append(
            Route(method, str(path or "/"), spec.logical_id, name, _authorizer(spec.logical_id, name, p))
        )
    elif etype == "SQS":
        concurrency = (p.get("ScalingConfig") or {}).get("MaximumConcurrency")
        spec.sqs.append(
            SqsSource(
                event=name,
                queue_arn=str(p["Queue"]),
                batch_size=int(p.get("BatchSize", 10)),
                batching_window=int(p.get("MaximumBatchingWindowInSeconds", 0)),
                report_batch_item_failures="ReportBatchItemFailures" in (p.get("FunctionResponseTypes") or []),
                maximum_concurrency=int(concurrency) if concurrency is not None else None,
                enabled=_truthy(p.get("Enabled", True)),
            )
        )
    elif etype == "Schedule":
        enabled = _truthy(p.get("Enabled", True)) and str(p.get("State", "ENABLED")).upper() != "DISABLED"
        payload = p.get("Input")
        spec.schedules.append(ScheduleSource(event=name, expression=str(p["Schedule"]), input=payload, enabled=enabled))
    # Other event types (Api, S3, ScheduleV2, ...) have no local counterpart: the stack logs them.


def _authorizer(logical_id: str, name: str, properties: Mapping[str, Any]) -> str | None:
    """The route's own authorizer. Only AWS_IAM is emulated (the gateway checks SigV4); another kind
    (JWT, Lambda) is refused here rather than served open. The HttpApi's DefaultAuthorizer is not
    read: the template sets none (tests/unit/test_salesforce_iam_template.py)."""
    authorizer = (properties.get("Auth") or {}).get("Authorizer")
    if authorizer in (None, "NONE"):
        return None
    if authorizer != "AWS_IAM":
        raise TemplateError(f"{logical_id}.{name}: authorizer {authorizer!r} is not emulated locally (AWS_IAM is)")
    return str(authorizer)


def _truthy(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")


def schedule_interval(expression: str) -> float | None:
    """Seconds between runs of a `rate(...)` expression; None for cron() (not run locally)."""
    match = _RATE.match(expression.strip())
    if not match:
        return None
    unit = match.group(2).rstrip("s")
    return int(match.group(1)) * {"minute": 60, "hour": 3600, "day": 86400}[unit]


def unsupported_events(template: Mapping[str, Any]) -> list[str]:
    """`Function.Event (Type)` for each event source the local stack does not emulate."""
    out = []
    for logical_id in resources_of_type(template, FUNCTION):
        props = function_properties(template, logical_id)
        for name, event in (props.get("Events") or {}).items():
            etype = (event or {}).get("Type")
            if etype not in ("HttpApi", "SQS", "Schedule"):
                out.append(f"{logical_id}.{name} ({etype})")
    return out
