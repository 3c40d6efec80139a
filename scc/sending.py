"""`scc send`: a signed event body (or a signed GET) to a connector's API, as its senders sign
(DESIGN §2), with the secret of the route's source family."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests

from devstack.signing import HEADER, family_of, route_for, sign
from scc.target import CliError


@dataclass
class Sent:
    method: str
    path: str
    status: int
    reason: str
    body: Any  # the answer's JSON, or its text

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def route_from_body(body: bytes) -> str | None:
    """The route a body is posted to, from its `event_type`."""
    try:
        document: Any = json.loads(body)
    except ValueError:
        return None
    event_type = document.get("event_type") if isinstance(document, dict) else None
    return route_for(event_type) if isinstance(event_type, str) else None


def send_request(
    api_url: str,
    *,
    method: str,
    path: str,
    body: bytes = b"",
    secret: str | None,
    headers: dict[str, str] | None = None,
    trust_env: bool = True,
) -> Sent:
    """Sign (unless `secret` is None) and send; an answer of any status is returned, only a request
    that got no answer raises CliError."""
    out = dict(headers or {})
    if method == "POST":
        out.setdefault("Content-Type", "application/json")
    if secret is not None:
        out[HEADER] = sign(secret, method, path, body)
    http = requests.Session()
    http.trust_env = trust_env
    try:
        resp = http.request(method, api_url.rstrip("/") + path, data=body or None, headers=out, timeout=60)
    except requests.RequestException as exc:
        raise CliError(f"send: {method} {path}: {type(exc).__name__}") from None
    try:
        answer: Any = resp.json()
    except ValueError:
        answer = resp.text
    return Sent(method, path, resp.status_code, resp.reason or "", answer)


def family_for(path: str) -> str:
    family = family_of(path)
    if family is None:
        raise CliError(f"send: {path} is no route of a source family (/v1/<family>/...): pass --secret", code=2)
    return family
