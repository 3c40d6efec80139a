"""Dependent Salesforce writes sent as ONE API call: a plain request when there is one step, a
composite request (allOrNone, `@{ref.id}` references) when there are several."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from connector.salesforce.client import SalesforceClient, path_segment


def ref_id(ref: str) -> str:
    """The composite reference to the Id a step produced."""
    return f"@{{{ref}.id}}"


def resolved(value: str, results: dict[str, dict[str, Any]]) -> str:
    """`value` itself, or what the composite reference `@{ref.field}` named once the plan ran
    ("" when that step answered no such field)."""
    if not (value.startswith("@{") and value.endswith("}")):
        return value
    ref, _, field = value[2:-1].partition(".")
    return str(results.get(ref, {}).get(field) or "")


@dataclass(frozen=True)
class _Step:
    ref: str
    kind: Literal["create", "update", "upsert", "get"]
    sobject: str
    key: str = ""  # the record Id (update, get) or the external id value (upsert)
    external_field: str = ""
    body: dict[str, Any] | None = None
    fields: tuple[str, ...] = ()

    @property
    def method(self) -> str:
        return {"create": "POST", "update": "PATCH", "upsert": "PATCH", "get": "GET"}[self.kind]

    @property
    def path(self) -> str:
        if self.kind == "create":
            return f"sobjects/{self.sobject}"
        if self.kind == "upsert":
            return f"sobjects/{self.sobject}/{self.external_field}/{path_segment(self.key)}"
        # An Id may be a composite reference (`@{account.id}`), resolved by Salesforce: kept as is.
        key = self.key if self.key.startswith("@{") else path_segment(self.key)
        if self.kind == "get":
            return f"sobjects/{self.sobject}/{key}?fields={','.join(self.fields)}"
        return f"sobjects/{self.sobject}/{key}"


class WritePlan:
    def __init__(self, salesforce: SalesforceClient) -> None:
        self._sf = salesforce
        self._steps: list[_Step] = []

    def __len__(self) -> int:
        return len(self._steps)

    def upsert(self, ref: str, sobject: str, field: str, value: str, body: dict[str, Any]) -> str:
        self._steps.append(_Step(ref, "upsert", sobject, value, field, body))
        return ref_id(ref)

    def create(self, ref: str, sobject: str, body: dict[str, Any]) -> str:
        self._steps.append(_Step(ref, "create", sobject, body=body))
        return ref_id(ref)

    def update(self, ref: str, sobject: str, record_id: str, body: dict[str, Any]) -> None:
        self._steps.append(_Step(ref, "update", sobject, record_id, body=body))

    def get(self, ref: str, sobject: str, record_id: str, fields: list[str]) -> None:
        self._steps.append(_Step(ref, "get", sobject, record_id, fields=tuple(fields)))

    def body_of(self, ref: str) -> dict[str, Any]:
        return dict(next(s for s in self._steps if s.ref == ref).body or {})

    def with_body(self, ref: str, body: dict[str, Any]) -> WritePlan:
        """The same plan again, the step `ref` sending `body` instead."""
        again = WritePlan(self._sf)
        again._steps = [replace(step, body=body) if step.ref == ref else step for step in self._steps]
        return again

    def run(self) -> dict[str, dict[str, Any]]:
        """Each step's response by reference: `{"id", "created"}` for writes, the record for gets."""
        if not self._steps:
            return {}
        if len(self._steps) == 1:
            return {self._steps[0].ref: self._run_alone(self._steps[0])}
        subrequests = []
        for step in self._steps:
            sub: dict[str, Any] = {"method": step.method, "url": self._sf.data_path(step.path), "referenceId": step.ref}
            if step.body is not None:
                sub["body"] = step.body
            subrequests.append(sub)
        out: dict[str, dict[str, Any]] = {}
        for result in self._sf.composite(subrequests):
            body = dict(result.body) if isinstance(result.body, dict) else {}
            step = next(s for s in self._steps if s.ref == result.reference_id)
            if step.kind == "create":
                body["created"] = True
            elif step.kind == "update":
                body = {"id": step.key, "created": False}
            elif step.kind == "upsert":
                body["created"] = result.status == 201 or bool(body.get("created"))
            out[result.reference_id] = body
        return out

    def _run_alone(self, step: _Step) -> dict[str, Any]:
        if step.kind == "get":
            return self._sf.get(step.sobject, step.key, step.fields)
        if step.kind == "upsert":
            result = self._sf.upsert(step.sobject, step.external_field, step.key, step.body or {})
            return {"id": result.id, "created": result.created}
        if step.kind == "create":
            return {"id": self._sf.create(step.sobject, step.body or {}), "created": True}
        self._sf.update(step.sobject, step.key, step.body or {})
        return {"id": step.key, "created": False}
