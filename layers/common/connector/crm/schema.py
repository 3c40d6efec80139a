"""The org's schema as sObject Describe reports it, read once per container and kept.

A configuration names Salesforce objects, fields and relationship paths (`Owner.Email`); this
module answers whether they exist and what they are, from the describes of the objects involved.
Describes are loaded on demand, several objects to one API call (`describe_many`), and never
again for the container's life: the schema is checked at cold start, not per event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

FieldDescribe = Mapping[str, Any]


class Describer(Protocol):
    """What reads describes: `SalesforceClient.describe_many` (absent objects left out)."""

    def describe_many(self, sobjects: Sequence[str]) -> Mapping[str, Mapping[str, Any]]: ...


@dataclass(frozen=True)
class SObjectSchema:
    """One object's describe: its fields by name and by relationship name (case-insensitive, as
    Salesforce reads API names)."""

    name: str
    describe: Mapping[str, Any]
    _fields: dict[str, FieldDescribe] = field(default_factory=dict, repr=False)
    _relationships: dict[str, FieldDescribe] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, describe: Mapping[str, Any]) -> SObjectSchema:
        fields = {str(f["name"]).lower(): f for f in describe.get("fields") or ()}
        relationships = {str(f["relationshipName"]).lower(): f for f in fields.values() if f.get("relationshipName")}
        return cls(str(describe.get("name")), describe, fields, relationships)

    @property
    def createable(self) -> bool:
        return bool(self.describe.get("createable"))

    def field(self, name: str) -> FieldDescribe | None:
        return self._fields.get(name.lower())

    def relationship(self, name: str) -> FieldDescribe | None:
        """The lookup field a relationship name traverses (`Owner` -> OwnerId)."""
        return self._relationships.get(name.lower())


@dataclass(frozen=True)
class ResolvedPath:
    """Where a field path led: the field at its end and the object holding it, or the problem."""

    field: FieldDescribe | None = None
    sobject: str = ""
    problem: str | None = None


class OrgSchema:
    """Describes of the objects asked about so far; each object is described once."""

    def __init__(self, salesforce: Describer) -> None:
        self._salesforce = salesforce
        self._objects: dict[str, SObjectSchema | None] = {}

    def load(self, sobjects: Iterable[str]) -> None:
        """Describe, in as few API calls as can be, every object not described yet."""
        missing = [name for name in dict.fromkeys(sobjects) if name.lower() not in self._objects]
        if not missing:
            return
        found = {name.lower(): body for name, body in self._salesforce.describe_many(missing).items()}
        for name in missing:
            body = found.get(name.lower())
            self._objects[name.lower()] = SObjectSchema.of(body) if body is not None else None

    def known(self, name: str) -> SObjectSchema | None:
        """The object's schema if it was described already (never an API call), else None."""
        return self._objects.get(name.lower())

    def sobject(self, name: str) -> SObjectSchema | None:
        """The object's schema, or None when the org has no such object."""
        self.load([name])
        return self._objects[name.lower()]

    def resolve(self, paths: Sequence[tuple[str, str]]) -> list[ResolvedPath]:
        """Each (object, field path) followed through its relationships (`Account`, `Owner.Email`:
        Account.OwnerId -> User.Email). The objects each step reaches are described together, one
        API call per level of depth at most."""
        steps: list[tuple[str, list[str]]] = [(sobject, path.split(".")) for sobject, path in paths]
        done: dict[int, ResolvedPath] = {}
        while len(done) < len(steps):
            self.load(sobject for index, (sobject, _) in enumerate(steps) if index not in done)
            for index, (sobject, parts) in enumerate(steps):
                if index in done:
                    continue
                schema = self.sobject(sobject)
                if schema is None:
                    done[index] = ResolvedPath(problem=f"the org has no object {sobject}")
                    continue
                head, rest = parts[0], parts[1:]
                if not rest:
                    found = schema.field(head)
                    problem = None if found is not None else f"{schema.name} has no field {head}"
                    done[index] = ResolvedPath(found, schema.name, problem)
                    continue
                lookup = schema.relationship(head)
                targets = list(lookup.get("referenceTo") or ()) if lookup is not None else []
                if lookup is None or not targets:
                    done[index] = ResolvedPath(problem=f"{schema.name} has no relationship {head}")
                    continue
                # A polymorphic lookup (Owner of a Case: User or Group) is followed to its first
                # target, the one SOQL's own type resolution favours for fields such as Email.
                steps[index] = (str(targets[0]), rest)
        return [done[index] for index in range(len(steps))]


def type_label(field_describe: FieldDescribe) -> str:
    """A field's type as an admin reads it: `string(255)`, `textarea(32000)`, `email`."""
    kind = str(field_describe.get("type"))
    length = int(field_describe.get("length") or 0)
    if kind in {"string", "textarea"} and length:
        return f"{kind}({length})"
    if kind == "picklist" and field_describe.get("restrictedPicklist"):
        return "restricted picklist"
    return kind
