"""CloudFormation templates: a YAML loader for the short-form tags and an intrinsic-function resolver.

Only what a SAM template needs locally: Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::If, Fn::Select,
Fn::Split, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::FindInMap, Fn::Base64, Condition, and the
pseudo parameters. Values come from the caller: parameter values, and the physical id and
attributes of each resource the local stack created.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
PARTITION = "aws"

_FUNCTIONS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
)


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that reads `!Ref x`, `!GetAtt a.b`, `!Sub ...` etc. into their long forms."""


# CloudFormation reads unquoted dates as strings: drop YAML 1.1's timestamp resolver.
CfnLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_any(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise yaml.constructor.ConstructorError(None, None, f"unexpected node {node!r}", node.start_mark)


def _function_constructor(name: str) -> Callable[[yaml.SafeLoader, yaml.Node], Any]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        return {f"Fn::{name}": _construct_any(loader, node)}

    return construct


def _construct_ref(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return {"Ref": _construct_any(loader, node)}


def _construct_condition(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return {"Condition": _construct_any(loader, node)}


def _construct_getatt(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    value = _construct_any(loader, node)
    if isinstance(value, str):
        logical_id, _, attribute = value.partition(".")
        value = [logical_id, attribute]
    return {"Fn::GetAtt": value}


for _name in _FUNCTIONS:
    CfnLoader.add_constructor(f"!{_name}", _function_constructor(_name))
CfnLoader.add_constructor("!Ref", _construct_ref)
CfnLoader.add_constructor("!Condition", _construct_condition)
CfnLoader.add_constructor("!GetAtt", _construct_getatt)


def load_template(path: str | Path) -> dict[str, Any]:
    """The template as plain data with intrinsics in their long form (JSON templates work too)."""
    text = Path(path).read_text()
    document = yaml.load(text, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader
    if not isinstance(document, dict) or "Resources" not in document:
        raise ValueError(f"{path}: not a CloudFormation template (no Resources)")
    return document


class TemplateError(ValueError):
    """The template asks for something the local stack cannot resolve."""


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def is_intrinsic(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and len(value) == 1
        and next(iter(value)) in ("Ref", "Condition", *(f"Fn::{n}" for n in (*_FUNCTIONS, "GetAtt")))
    )


class Resolver:
    """Evaluates intrinsic functions against local values.

    `refs` maps a logical id to what `Ref` returns for it; `attributes` maps (logical id, attribute)
    to what `Fn::GetAtt` returns. A resource of the template missing from both resolves to a
    stand-in (its logical id, or a made-up ARN), so that properties devstack never uses still
    evaluate.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, Any],
        refs: Mapping[str, Any] | None = None,
        attributes: Mapping[tuple[str, str], Any] | None = None,
        *,
        stack_name: str = "local",
        region: str = REGION,
        account_id: str = ACCOUNT_ID,
    ) -> None:
        self.template = template
        self.parameters = dict(parameters)
        self.refs = dict(refs or {})
        self.attributes = dict(attributes or {})
        self.pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": account_id,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account_id}:stack/{stack_name}/local",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        self._conditions: dict[str, bool] = {}

    # ------------------------------------------------------------------ public
    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic evaluated; `AWS::NoValue` entries are dropped."""
        if isinstance(value, dict):
            if is_intrinsic(value):
                key, argument = next(iter(value.items()))
                return self._intrinsic(key, argument)
            out: dict[str, Any] = {}
            for k, v in value.items():
                resolved = self.resolve(v)
                if resolved is not NO_VALUE:
                    out[k] = resolved
            return out
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not NO_VALUE]
        return value

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            conditions = self.template.get("Conditions") or {}
            if name not in conditions:
                raise TemplateError(f"unknown condition {name!r}")
            self._conditions[name] = bool(self.resolve(conditions[name]))
        return self._conditions[name]

    def resource_enabled(self, logical_id: str) -> bool:
        """False when the resource carries a Condition that evaluates to false."""
        resource = (self.template.get("Resources") or {}).get(logical_id) or {}
        cond = resource.get("Condition")
        return True if cond is None else self.condition(cond)

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        if name in (self.template.get("Parameters") or {}):
            raise TemplateError(f"parameter {name!r} has no value (no Default): pass --param {name}=...")
        if name in (self.template.get("Resources") or {}):
            return name
        raise TemplateError(f"Ref to unknown name {name!r}")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        if (logical_id, attribute) in self.attributes:
            return self.attributes[(logical_id, attribute)]
        resources = self.template.get("Resources") or {}
        if logical_id not in resources:
            raise TemplateError(f"Fn::GetAtt of unknown resource {logical_id!r}")
        rtype = str(resources[logical_id].get("Type", "")).split("::")
        service = rtype[1].lower() if len(rtype) > 1 else "local"
        if attribute == "Arn":
            return (
                f"arn:{PARTITION}:{service}:{self.pseudo['AWS::Region']}:{self.pseudo['AWS::AccountId']}:{logical_id}"
            )
        return f"{logical_id}.{attribute}"

    # ------------------------------------------------------------------ intrinsics
    def _intrinsic(self, key: str, arg: Any) -> Any:
        if key == "Ref":
            return self.ref(self._scalar(arg, "Ref"))
        if key == "Condition":
            return self.condition(self._scalar(arg, "Condition"))
        handler = getattr(self, "_fn_" + key.removeprefix("Fn::").lower(), None)
        if handler is None:
            raise TemplateError(f"{key} is not supported locally")
        return handler(arg)

    def _scalar(self, arg: Any, what: str) -> str:
        arg = self.resolve(arg)
        if not isinstance(arg, str):
            raise TemplateError(f"{what} expects a string, got {arg!r}")
        return arg

    def _fn_getatt(self, arg: Any) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        arg = self.resolve(arg)
        if not (isinstance(arg, list) and len(arg) == 2):
            raise TemplateError(f"Fn::GetAtt expects [LogicalId, Attribute], got {arg!r}")
        return self.get_att(str(arg[0]), str(arg[1]))

    def _fn_sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            if len(arg) != 2:
                raise TemplateError("Fn::Sub expects a string or [string, {variables}]")
            text, variables = arg[0], self.resolve(arg[1])
        else:
            text, variables = arg, {}
        if not isinstance(text, str):
            raise TemplateError("Fn::Sub expects a string")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = variables[name]
            elif "." in name and not name.startswith("AWS::"):
                logical_id, _, attribute = name.partition(".")
                value = self.get_att(logical_id, attribute)
            else:
                value = self.ref(name)
            return _to_text(value)

        return _SUB_VARIABLE.sub(replace, text)

    def _fn_join(self, arg: Any) -> str:
        arg = self.resolve(arg)
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list)):
            raise TemplateError("Fn::Join expects [delimiter, [values]]")
        return str(arg[0]).join(_to_text(v) for v in arg[1])

    def _fn_if(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 3):
            raise TemplateError("Fn::If expects [condition, value_if_true, value_if_false]")
        return self.resolve(arg[1] if self.condition(self._scalar(arg[0], "Fn::If")) else arg[2])

    def _fn_select(self, arg: Any) -> Any:
        arg = self.resolve(arg)
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list)):
            raise TemplateError("Fn::Select expects [index, [values]]")
        return arg[1][int(arg[0])]

    def _fn_split(self, arg: Any) -> list[str]:
        arg = self.resolve(arg)
        if not (isinstance(arg, list) and len(arg) == 2):
            raise TemplateError("Fn::Split expects [delimiter, string]")
        return str(arg[1]).split(str(arg[0]))

    def _fn_equals(self, arg: Any) -> bool:
        arg = self.resolve(arg)
        if not (isinstance(arg, list) and len(arg) == 2):
            raise TemplateError("Fn::Equals expects [a, b]")
        return _to_text(arg[0]) == _to_text(arg[1])

    def _fn_not(self, arg: Any) -> bool:
        arg = self.resolve(arg)
        if not (isinstance(arg, list) and len(arg) == 1):
            raise TemplateError("Fn::Not expects [condition]")
        return not bool(arg[0])

    def _fn_and(self, arg: Any) -> bool:
        return all(bool(v) for v in self.resolve(arg))

    def _fn_or(self, arg: Any) -> bool:
        return any(bool(v) for v in self.resolve(arg))

    def _fn_findinmap(self, arg: Any) -> Any:
        arg = self.resolve(arg)
        if not (isinstance(arg, list) and len(arg) >= 3):
            raise TemplateError("Fn::FindInMap expects [map, key, key]")
        mappings = self.template.get("Mappings") or {}
        try:
            return mappings[arg[0]][_to_text(arg[1])][_to_text(arg[2])]
        except KeyError as exc:
            if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return arg[3]["DefaultValue"]
            raise TemplateError(f"Fn::FindInMap: no entry {arg[:3]!r}") from exc

    def _fn_base64(self, arg: Any) -> str:
        return base64.b64encode(_to_text(self.resolve(arg)).encode()).decode()

    def _fn_tojsonstring(self, arg: Any) -> str:
        return json.dumps(self.resolve(arg), separators=(",", ":"))

    def _fn_length(self, arg: Any) -> int:
        return len(self.resolve(arg))

    def _fn_getazs(self, arg: Any) -> list[str]:
        region = self.resolve(arg) or self.pseudo["AWS::Region"]
        return [f"{region}a", f"{region}b", f"{region}c"]


def _to_text(value: Any) -> str:
    """How CloudFormation renders a scalar inside a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(_to_text(v) for v in value)
    return str(value)


def to_text(value: Any) -> str:
    return _to_text(value)


def parameter_defaults(template: Mapping[str, Any]) -> dict[str, Any]:
    """Each parameter's Default (list types split on commas); parameters without one are absent."""
    out: dict[str, Any] = {}
    for name, spec in (template.get("Parameters") or {}).items():
        if isinstance(spec, dict) and "Default" in spec:
            out[name] = coerce_parameter(spec, spec["Default"])
    return out


def coerce_parameter(spec: Mapping[str, Any], value: Any) -> Any:
    ptype = str(spec.get("Type", "String"))
    if (ptype == "CommaDelimitedList" or ptype.startswith("List<")) and isinstance(value, str):
        return [v.strip() for v in value.split(",")] if value else []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _to_text(value)
    return value if isinstance(value, (list, str)) else _to_text(value)
