"""Generated requests (schemathesis) against a running local stack, from the connector's OpenAPI document.

Each request is signed as a sender signs it (DESIGN §2: `X-Signature` over the exact bytes sent,
with the route family's local secret), so the generated cases reach the models instead of all
stopping at the 401. Each route gets schema-valid (positive) and schema-invalid (negative) cases,
and each case these checks:

- `not_a_server_error`: never a 5xx for anything a caller sent;
- `status_code_conformance`: every status answered is one the document names for that route;
- `rejected_writes_nothing`: a refused request (4xx) made no write in the Salesforce emulator,
  nor in the stack's DynamoDB tables and SQS queues (`devstack.aws_traces`);
- `positive_data_acceptance` (schemathesis's own, on schema-valid cases): accepted, or refused only
  for the state of what it names (404 unknown, 409 conflict), or with a 422 of one of the route's
  `x-unstated-rules` (counted apart): a rule of the functions that the document does not state fails.

Used by tests/e2e/test_generated_requests.py (a few cases per route) and `bench/schema_fuzz.py`
(>= 1,000 per route), which prints the figures.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import requests.auth

from devstack.aws_traces import AwsWrites
from devstack.signing import HEADER, secret_for, sign

ROOT = Path(__file__).resolve().parents[1]
# The Salesforce emulator's counted operations that can change records (/_admin/counters); a
# composite or collection call among them may also only read (describes, retrieve by ids).
WRITE_OPERATIONS = ("create", "update", "upsert", "delete", "composite", "collections")
CHECK_NAMES = ("not_a_server_error", "status_code_conformance", "rejected_writes_nothing", "positive_data_acceptance")
# What answers a schema-valid request: done (2xx), or refused for the state of what it names (404
# unknown, 409 invalid state change or in progress; DESIGN §2), or a 5xx (counted by not_a_server_error).
# Not 401 (every case is signed), not 400/413 (the body is JSON, and under 256 KiB), not 422 (but for
# the document's `x-unstated-rules`, which the runner checks itself).
ACCEPTED_STATUSES = ("2xx", "404", "409", "5xx")


class SignedRequests(requests.auth.AuthBase):
    """The signing hook: every request schemathesis sends is signed over its final path (query
    included) and body bytes, with the secret of the route's family."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        path = request.path_url
        body = request.body or b""
        raw = body.encode() if isinstance(body, str) else bytes(body)
        request.headers[HEADER] = sign(secret_for(path), str(request.method), path, raw)
        return request


@dataclass
class Report:
    """What a run saw: cases sent per route, statuses, and the failures of each check (with the
    first few examples, to reproduce)."""

    cases: collections.Counter[str] = field(default_factory=collections.Counter)
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    failures: collections.Counter[str] = field(default_factory=collections.Counter)
    examples: list[str] = field(default_factory=list)
    failed_routes: collections.Counter[str] = field(default_factory=collections.Counter)
    # Schema-valid cases refused with a 422 by a rule the document states beyond the schema (route,
    # the rule's type): allowed, and counted.
    valid_refused: collections.Counter[str] = field(default_factory=collections.Counter)

    def fail(self, check: str, route: str, status: int, detail: str) -> None:
        self.failures[check] += 1
        self.failed_routes[f"{check}: {route}"] += 1
        # The first two of each check on each route, so that every kind of failure shows.
        if self.failed_routes[f"{check}: {route}"] <= 2 and len(self.examples) < 60:
            self.examples.append(f"{check}: {route} -> {status}: {detail[:600]}")

    def lines(self) -> list[str]:
        out = [f"cases: {sum(self.cases.values())} over {len(self.cases)} routes"]
        out += [f"  {route}: {count}" for route, count in sorted(self.cases.items())]
        out.append("failures by check: " + ", ".join(f"{name} {self.failures[name]}" for name in CHECK_NAMES))
        out.append("statuses seen: " + ", ".join(f"{status} x {n}" for status, n in sorted(self.statuses.items())))
        out += [f"  {where}: {n}" for where, n in sorted(self.failed_routes.items())]
        out += [f"  e.g. {example}" for example in self.examples]
        out.append(f"schema-valid cases refused by an x-unstated-rule: {sum(self.valid_refused.values())}")
        out += [f"  {where}: {n}" for where, n in self.valid_refused.most_common(40)]
        return out


def openapi_document() -> dict[str, Any]:
    """The document `make openapi` writes, generated from the functions' models (what they validate)."""
    # Importing a function's app.py reads these at declaration; their values do not matter here.
    os.environ.setdefault("SYNC_STATE_TABLE", "SyncState")
    os.environ.setdefault("IDEMPOTENCY_TABLE", "Idempotency")
    from connector.pipeline.openapi import document

    return document(ROOT / "functions")


class SalesforceWrites:
    """Writes the Salesforce emulator received, from its counters and its request log."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.trust_env = False  # never through a proxy

    def counted(self) -> collections.Counter[str]:
        by_operation: Mapping[str, int] = self.http.get(f"{self.url}/_admin/counters", timeout=60).json()
        by_operation = by_operation.get("by_operation", {})  # type: ignore[assignment]
        return collections.Counter({name: int(by_operation.get(name, 0)) for name in WRITE_OPERATIONS})

    def since(self, before: collections.Counter[str]) -> list[str]:
        """The writes made since `before` (a `counted()`): "METHOD path" of each."""
        calls = sum((self.counted() - before).values())
        if not calls:
            return []
        log = self.http.get(f"{self.url}/_admin/requests", timeout=60).json()
        latest = [entry for entry in log if entry["method"] != "GET"][-calls:]
        return [f"{entry['method']} {entry['path']}" for entry in latest if is_write(entry)]


def is_write(entry: Mapping[str, Any]) -> bool:
    """Whether a logged Salesforce call changed a record: a write the org refused (a PATCH of an
    Id that does not exist, answered 404) changed nothing."""
    if int(entry.get("status") or 200) >= 300:
        return False
    sent = entry.get("json")
    body: dict[str, Any] = sent if isinstance(sent, dict) else {}
    if entry["path"].endswith("/composite"):  # e.g. the cold start's describes
        return any(sub.get("method", "GET") != "GET" for sub in body.get("compositeRequest", []))
    # sObject collections: a POST with ids only retrieves
    return not (entry["method"] == "POST" and "/composite/sobjects/" in entry["path"] and "ids" in body)


def run(
    health: Mapping[str, Any],
    max_examples: int,
    *,
    routes: Callable[[str], bool] = lambda label: True,
    aws_checks_per_route: int | None = None,
) -> Report:
    """Send up to `max_examples` positive and as many negative generated cases to each route of
    the document (those `routes` keeps) through the stack whose health document is `health`.

    Salesforce's writes are checked around every refused case; DynamoDB's and SQS's around every
    one too unless `aws_checks_per_route` bounds them: a snapshot of the stack's AWS costs a scan
    of every table and a call per queue (about 0.3 s on a quiet machine, seconds under load),
    twice per case, so the bounded run in `make test` looks at the first refused cases (whose queues
    settled) of each route and mode while `make bench` looks at them all."""
    import schemathesis
    from schemathesis.config import SchemathesisConfig

    checks = {"checks": {"positive_data_acceptance": {"expected-statuses": list(ACCEPTED_STATUSES)}}}
    schema = schemathesis.openapi.from_dict(openapi_document(), config=SchemathesisConfig.from_dict(checks))
    sender = requests.Session()
    sender.trust_env = False
    sender.auth = SignedRequests()
    salesforce = SalesforceWrites(str(health["salesforce"]))
    aws = AwsWrites(health)
    report = Report()
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err raises here: the document is ours
        label = f"{operation.method.upper()} {operation.path}"
        if routes(label):
            tokens = dict(health.get("native_webhook_tokens", {}))
            gateway = str(health["gateway"])
            limit = aws_checks_per_route
            _exercise(operation, label, max_examples, gateway, sender, salesforce, aws, limit, report, tokens)
    return report


def _exercise(
    operation: Any,
    label: str,
    max_examples: int,
    base_url: str,
    sender: requests.Session,
    salesforce: SalesforceWrites,
    aws: AwsWrites,
    aws_limit: int | None,
    report: Report,
    tokens: Mapping[str, str],
) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode
    from schemathesis.core.failures import FailureGroup
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    # The two checks schemathesis names, applied here to every answer and counted (schemathesis's
    # own raise at the end of a route's run, which would stop it at its first finding).
    documented = {str(status).upper() for status in operation.definition.raw.get("responses", {})}

    unstated = {
        (tuple(rule["loc"]), rule["type"])
        for rule in operation.definition.raw.get("responses", {}).get("422", {}).get("x-unstated-rules", [])
    }

    def accepted(case: Any, response: requests.Response) -> bool:
        try:
            case.validate_response(response, checks=[positive_data_acceptance])
        except FailureGroup:
            return False
        return True

    aws_checked = {True: 0, False: 0}  # refused cases whose AWS writes were looked at, per mode
    # Snapshots taken per mode, refused or not: whether a case is refused is known only once it is
    # answered, and most schema-valid cases are accepted (each look waits for their queued work),
    # so a bounded run also bounds its tries (3 per look), or it waited on every accepted case.
    aws_tries = {True: 0, False: 0}

    def conformance(status: int) -> bool:
        return str(status) in documented or f"{str(status)[0]}XX" in documented or "DEFAULT" in documented

    def send(case: Any, positive: bool) -> None:
        if positive:
            _as_a_sender_sends(case, label, tokens, report)
        looked_at_aws = aws_limit is None or (aws_checked[positive] < aws_limit and aws_tries[positive] < 3 * aws_limit)
        before_aws = aws.settled() if looked_at_aws else None
        aws_tries[positive] += looked_at_aws
        before = salesforce.counted()
        response = case.call(base_url=base_url, session=sender, timeout=60)
        report.cases[label] += 1
        report.statuses[response.status_code] += 1
        if response.status_code >= 500:
            report.fail("not_a_server_error", label, response.status_code, _reproduce(case, response))
        if not conformance(response.status_code):
            report.fail("status_code_conformance", label, response.status_code, _reproduce(case, response))
        if positive and not accepted(case, response):
            rules = _refused_by(response)
            if rules and all(any(_is_within(rule, stated) for stated in unstated) for rule in rules):
                report.valid_refused[f"{label} " + ",".join(sorted(kind for _, kind in rules))] += 1
            else:
                report.fail("positive_data_acceptance", label, response.status_code, _reproduce(case, response))
        if 400 <= response.status_code < 500:
            written = salesforce.since(before)
            if before_aws is not None:
                written += aws.since(before_aws)
                aws_checked[positive] += 1
            if written:
                report.fail("rejected_writes_nothing", label, response.status_code, f"wrote {written}")

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        # Derandomized: the same cases each run, so a failure reproduces.
        run_cases = settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )(given(case=operation.as_strategy(generation_mode=mode))(_sender(send, mode.is_positive)))
        run_cases()


def _as_a_sender_sends(case: Any, label: str, tokens: Mapping[str, str], report: Report) -> None:
    """What the document says a sender does beyond the body's schema, done to a schema-valid case as
    the signing hook signs it: a native route's URL carries the family's token (the credential, as
    X-Signature is elsewhere), and each event has an event_id of its own (DESIGN §2: a reused one
    is a replay, or a 422 `reused` with another payload, one of the x-unstated-rules)."""
    if "token" in (case.path_parameters or {}):
        family = label.split("/")[2]
        case.path_parameters["token"] = tokens.get(family, case.path_parameters["token"])
    if isinstance(case.body, dict) and isinstance(case.body.get("event_id"), str):
        unique = f".{sum(report.cases.values())}"
        case.body["event_id"] = case.body["event_id"][: 128 - len(unique)] + unique


def _reproduce(case: Any, response: requests.Response) -> str:
    return f"sent {response.request.path_url} {str(case.body)[:300]!r}; answered {response.text[:200]!r}"


def _sender(send: Callable[[Any, bool], None], positive: bool) -> Callable[[Any], None]:
    def send_case(case: Any) -> None:
        send(case, positive)

    return send_case


def _is_within(error: tuple[tuple[Any, ...], str], rule: tuple[tuple[Any, ...], str]) -> bool:
    """Whether an error (loc, type) is the rule's: the same type, at the rule's loc or under it."""
    (loc, kind), (rule_loc, rule_kind) = error, rule
    return kind == rule_kind and loc[: len(rule_loc)] == rule_loc


def _refused_by(response: requests.Response) -> set[tuple[tuple[Any, ...], str]]:
    """The (loc, type) of each error a 422 names; empty for any other answer."""
    if response.status_code != 422:
        return set()
    try:
        return {(tuple(e.get("loc", [])), str(e.get("type"))) for e in response.json().get("errors", [])}
    except (ValueError, AttributeError):
        return set()
