"""SOQL syntax tree (names are unresolved; the executor binds them to the schema)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from typing import Literal as TypingLiteral

LiteralKind = TypingLiteral["string", "number", "boolean", "null", "date", "datetime", "date_function"]


@dataclass(frozen=True)
class FieldPath:
    parts: tuple[str, ...]
    position: int

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Value:
    kind: LiteralKind
    value: Any
    position: int
    # For strings: (char, is_wildcard) pairs, used by LIKE.
    pattern: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class Comparison:
    field: FieldPath
    op: str  # = != < > <= >=
    value: Value


@dataclass(frozen=True)
class InList:
    field: FieldPath
    values: tuple[Value, ...]
    negated: bool


@dataclass(frozen=True)
class Like:
    field: FieldPath
    value: Value


@dataclass(frozen=True)
class Not:
    operand: Condition


@dataclass(frozen=True)
class BoolOp:
    op: TypingLiteral["AND", "OR"]
    operands: tuple[Condition, ...]


Condition = Comparison | InList | Like | Not | BoolOp


@dataclass(frozen=True)
class OrderItem:
    field: FieldPath
    descending: bool
    nulls_first: bool


@dataclass(frozen=True)
class Query:
    text: str
    fields: tuple[FieldPath, ...]
    count_only: bool
    sobject: str
    sobject_position: int
    where: Condition | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
