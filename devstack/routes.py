"""HttpApi route selection, as API Gateway does it: the most specific route wins.

A literal path beats one with `{variables}`, fewer variables beat more, a greedy `{proxy+}`
comes last, a method beats `ANY`, and `$default` catches what nothing else matched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from devstack.template import Route

_VARIABLE = re.compile(r"^\{([^{}+]+)(\+?)\}$")


@dataclass(frozen=True)
class _Compiled:
    route: Route
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    rank: tuple[int, int, int, int]


def _compile(route: Route) -> _Compiled:
    parts: list[str] = []
    names: list[str] = []
    greedy = 0
    literals = 0
    for segment in route.path.strip("/").split("/") if route.path.strip("/") else []:
        match = _VARIABLE.match(segment)
        if match:
            names.append(match.group(1))
            if match.group(2):
                greedy = 1
                parts.append("(.+)")
            else:
                parts.append("([^/]+)")
        else:
            literals += 1
            parts.append(re.escape(segment))
    pattern = re.compile("^/" + "/".join(parts) + "$")
    rank = (greedy, len(names), -literals, 1 if route.method == "ANY" else 0)
    return _Compiled(route, pattern, tuple(names), rank)


class RouteTable:
    def __init__(self, routes: Iterable[Route]) -> None:
        self._default: Route | None = None
        self._compiled: list[_Compiled] = []
        for route in routes:
            if route.path == "$default":
                self._default = route
            else:
                self._compiled.append(_compile(route))
        self._compiled.sort(key=lambda c: c.rank)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for `METHOD path` (path as sent, percent-encoded) and its decoded path parameters."""
        method = method.upper()
        for compiled in self._compiled:
            if compiled.route.method not in (method, "ANY"):
                continue
            found = compiled.pattern.match(path)
            if found:
                params = {name: unquote(value) for name, value in zip(compiled.names, found.groups(), strict=True)}
                return compiled.route, params
        if self._default is not None:
            return self._default, {}
        return None

    @property
    def routes(self) -> list[Route]:
        return [c.route for c in self._compiled] + ([self._default] if self._default else [])
