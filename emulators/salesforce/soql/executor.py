"""Runs a parsed SOQL query against the store.

Binding checks every name and literal against the schema first (INVALID_TYPE, INVALID_FIELD,
filter type errors), then WHERE compiles to a predicate, ORDER BY to a comparator, and rows are
rendered like the REST API renders them (relationship fields nested under their relationship
name, null when the parent is absent).
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .. import ids
from ..errors import invalid_type
from ..records import record_url, shown
from ..schema import NUMBER_TYPES, FieldDef, ObjectDef, Schema
from ..store import Record, Store
from .lexer import error_at
from .nodes import BoolOp, Comparison, Condition, FieldPath, InList, Like, Not, Query, Value

Predicate = Callable[[Record], bool]
_INVALID_FIELD_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the custom field "
    "name. Please reference your WSDL or the describe call for the appropriate names."
)
_INVALID_RELATIONSHIP_HINT = (
    "If you are attempting to use a custom relationship, be sure to append the '__r' after the custom "
    "relationship name. Please reference your WSDL or the describe call for the appropriate names."
)


@dataclass(frozen=True)
class QueryResult:
    total_size: int
    records: list[dict[str, Any]]


@dataclass(frozen=True)
class _Bound:
    """A field path resolved against the schema."""

    hops: tuple[FieldDef, ...]  # lookups walked from the queried object
    field: FieldDef


def execute(
    query: Query, schema: Schema, store: Store, *, version: str, include_deleted: bool, now: datetime
) -> QueryResult:
    return _Execution(query, schema, store, version, now).run(include_deleted)


class _Execution:
    def __init__(self, query: Query, schema: Schema, store: Store, version: str, now: datetime) -> None:
        self.query = query
        self.schema = schema
        self.store = store
        self.version = version
        self.today = now.astimezone(UTC).date()
        obj = schema.object(query.sobject)
        if obj is None:
            raise invalid_type(query.sobject)
        self.obj = obj

    def run(self, include_deleted: bool) -> QueryResult:
        selected = self._bind_selection()
        predicate = self._compile(self.query.where) if self.query.where is not None else None
        order = [(self._bind_sortable(item.field), item.descending, item.nulls_first) for item in self.query.order_by]
        rows = self.store.records(self.obj.name, include_deleted=include_deleted)
        if predicate is not None:
            rows = [row for row in rows if predicate(row)]
        if order:
            rows.sort(key=functools.cmp_to_key(self._comparator(order)))
        offset = self.query.offset or 0
        end = None if self.query.limit is None else offset + self.query.limit
        rows = rows[offset:end]
        if self.query.count_only:
            return QueryResult(len(rows), [])
        return QueryResult(len(rows), [self._render(row, selected) for row in rows])

    # -- binding -----------------------------------------------------------------------------

    def _error(self, position: int, message: str, code: str = "INVALID_FIELD") -> Exception:
        return error_at(self.query.text, position, message, code=code)

    def _bind(self, path: FieldPath) -> _Bound:
        objects: list[ObjectDef] = [self.obj]
        hops: list[FieldDef] = []
        for part in path.parts[:-1]:
            lookup = objects[0].relationship(part) if len(objects) == 1 else None
            if lookup is None:
                raise self._error(
                    path.position,
                    f"Didn't understand relationship '{part}' in field path. " + _INVALID_RELATIONSHIP_HINT,
                )
            hops.append(lookup)
            objects = [o for o in (self.schema.object(t) for t in lookup.reference_to) if o is not None]
        name = path.parts[-1]
        found = next((f for f in (o.field(name) for o in objects) if f is not None), None)
        if found is None:
            raise self._error(
                path.position, f"No such column '{name}' on entity '{objects[0].name}'. " + _INVALID_FIELD_HINT
            )
        return _Bound(tuple(hops), found)

    def _bind_selection(self) -> list[_Bound]:
        bound, seen = [], set()
        for path in self.query.fields:
            key = path.text.lower()
            if key in seen:
                raise self._error(path.position, f"duplicate field selected: {path.text}", "MALFORMED_QUERY")
            seen.add(key)
            bound.append(self._bind(path))
        return bound

    def _bind_sortable(self, path: FieldPath) -> _Bound:
        bound = self._bind(path)
        if bound.field.type == "textarea" and bound.field.length > 255:
            raise self._error(path.position, f"field '{bound.field.name}' can not be sorted in a query call")
        return bound

    def _bind_filter(self, path: FieldPath) -> _Bound:
        bound = self._bind(path)
        if bound.field.type == "textarea" and bound.field.length > 255:
            raise self._error(path.position, f"field '{bound.field.name}' can not be filtered in a query call")
        return bound

    def _literal(self, field: FieldDef, value: Value) -> Any:
        """The comparable form of a literal, after checking it suits the field's type."""
        kind = value.kind
        if kind == "null":
            return None
        ftype = field.type
        if ftype in {"id", "reference"}:
            if kind != "string":
                raise self._type_error(field, value, "id", quoted=True)
            normalized = ids.normalize(value.value)
            if normalized is None:
                raise self._error(value.position, f"invalid ID field: {value.value}", "INVALID_QUERY_FILTER_OPERATOR")
            return normalized
        if field.is_text:
            if kind != "string":
                raise self._type_error(field, value, "string", quoted=True)
            return value.value.casefold()
        if ftype == "boolean":
            if kind != "boolean":
                raise self._type_error(field, value, "boolean", quoted=False)
            return value.value
        if ftype in NUMBER_TYPES:
            if kind != "number":
                raise self._type_error(field, value, "integer" if ftype == "int" else "double", quoted=False)
            return value.value
        if ftype == "date":
            if kind == "date":
                return value.value
            if kind == "date_function":
                return _DateRange(*self._date_range(value))
            raise self._type_error(field, value, "date", quoted=False)
        if ftype == "datetime":
            if kind == "datetime":
                return value.value
            if kind == "date_function":
                start, end = self._date_range(value)
                return _DateRange(_midnight(start), _midnight(end))
            raise self._type_error(field, value, "dateTime", quoted=False)
        raise self._error(value.position, f"unsupported filter on field '{field.name}'")

    def _type_error(self, field: FieldDef, value: Value, expected: str, *, quoted: bool) -> Exception:
        should = "should" if quoted else "should not"
        return self._error(
            value.position,
            f"value of filter criterion for field '{field.name}' must be of type "
            f"{expected} and {should} be enclosed in quotes",
        )

    def _date_range(self, value: Value) -> tuple[date, date]:
        name, n = value.value
        return date_range(name, n, self.today)

    # -- WHERE -------------------------------------------------------------------------------

    def _compile(self, condition: Condition) -> Predicate:
        if isinstance(condition, BoolOp):
            parts = [self._compile(c) for c in condition.operands]
            if condition.op == "AND":
                return lambda row: all(p(row) for p in parts)
            return lambda row: any(p(row) for p in parts)
        if isinstance(condition, Not):
            inner = self._compile(condition.operand)
            return lambda row: not inner(row)
        if isinstance(condition, Comparison):
            bound = self._bind_filter(condition.field)
            literal = self._literal(bound.field, condition.value)
            test = _COMPARATORS[condition.op]
            getter = self._getter(bound)
            return lambda row: test(getter(row), literal)
        if isinstance(condition, InList):
            bound = self._bind_filter(condition.field)
            literals = [self._literal(bound.field, v) for v in condition.values]
            getter = self._getter(bound)
            if condition.negated:
                return lambda row: not any(_equals(getter(row), lit) for lit in literals)
            return lambda row: any(_equals(getter(row), lit) for lit in literals)
        if isinstance(condition, Like):
            bound = self._bind_filter(condition.field)
            if not bound.field.is_text:
                raise self._error(
                    condition.value.position,
                    f"invalid operator on {bound.field.type} field",
                    "INVALID_QUERY_FILTER_OPERATOR",
                )
            regex = like_regex(condition.value.pattern)
            getter = self._getter(bound)

            def matches(row: Record) -> bool:
                current = getter(row)
                return current is not None and regex.fullmatch(current) is not None

            return matches
        raise AssertionError(condition)

    def _getter(self, bound: _Bound) -> Callable[[Record], Any]:
        """Comparable value of a bound field for a row (text case-folded, like SOQL compares)."""
        fold = bound.field.is_text

        def get(row: Record) -> Any:
            current: Record | None = row
            for hop in bound.hops:
                current = self._parent(current, hop)
                if current is None:
                    return None
            value = current.get(bound.field.name) if current is not None else None
            return value.casefold() if fold and isinstance(value, str) else value

        return get

    def _parent(self, row: Record | None, hop: FieldDef) -> Record | None:
        parent_id = row.get(hop.name) if row is not None else None
        found = self.store.find_by_id(parent_id) if parent_id else None
        return found[1] if found else None

    # -- ORDER BY ----------------------------------------------------------------------------

    def _comparator(self, order: list[tuple[_Bound, bool, bool]]) -> Callable[[Record, Record], int]:
        getters = [(self._getter(b), descending, nulls_first) for b, descending, nulls_first in order]

        def compare(a: Record, b: Record) -> int:
            for getter, descending, nulls_first in getters:
                left, right = getter(a), getter(b)
                if left is None or right is None:
                    if left is None and right is None:
                        continue
                    return (-1 if left is None else 1) * (1 if nulls_first else -1)
                if left == right:
                    continue
                result = -1 if left < right else 1
                return -result if descending else result
            return 0

        return compare

    # -- rendering ---------------------------------------------------------------------------

    def _render(self, row: Record, selected: list[_Bound]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "attributes": {"type": self.obj.name, "url": record_url(self.version, self.obj.name, row["Id"])}
        }
        for bound in selected:
            target, current, current_name = out, row, self.obj.name
            for hop in bound.hops:
                key = hop.relationship_name or hop.name
                parent_id = current.get(hop.name)
                found = self.store.find_by_id(parent_id) if parent_id else None
                if found is None:
                    target.setdefault(key, None)
                    break
                parent_name, parent = found
                if target.get(key) is None:
                    target[key] = {
                        "attributes": {"type": parent_name, "url": record_url(self.version, parent_name, parent["Id"])}
                    }
                target, current, current_name = target[key], parent, parent_name
            else:
                target[bound.field.name] = shown(current, bound.field.name, self.version, current_name)
        return out


@dataclass(frozen=True)
class _DateRange:
    """A date literal such as TODAY or LAST_N_DAYS:7: the half-open span [start, end)."""

    start: Any
    end: Any


def _equals(value: Any, literal: Any) -> bool:
    if isinstance(literal, _DateRange):
        return value is not None and bool(literal.start <= value < literal.end)
    return bool(value == literal)


def _ordered(
    test: Callable[[Any, Any], bool], range_test: Callable[[Any, _DateRange], bool]
) -> Callable[[Any, Any], bool]:
    def compare(value: Any, literal: Any) -> bool:
        if value is None or literal is None:
            return False
        if isinstance(literal, _DateRange):
            return range_test(value, literal)
        return test(value, literal)

    return compare


# SOQL treats null as a value: `Field != 'x'` matches rows where Field is null.
_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": _equals,
    "!=": lambda value, literal: not _equals(value, literal),
    "<": _ordered(lambda v, lit: v < lit, lambda v, r: v < r.start),
    "<=": _ordered(lambda v, lit: v <= lit, lambda v, r: v < r.end),
    ">": _ordered(lambda v, lit: v > lit, lambda v, r: v >= r.end),
    ">=": _ordered(lambda v, lit: v >= lit, lambda v, r: v >= r.start),
}


def like_regex(pattern: tuple[tuple[str, bool], ...]) -> re.Pattern[str]:
    parts = []
    for char, wildcard in pattern:
        if wildcard:
            parts.append(".*" if char == "%" else ".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def date_range(name: str, n: int, today: date) -> tuple[date, date]:
    """[start, end) of a SOQL date literal, in the org's time zone (UTC here). Weeks start on
    Sunday, as in the en_US locale."""
    day = timedelta(days=1)
    week_start = today - timedelta(days=(today.weekday() + 1) % 7)
    month_start = today.replace(day=1)
    year_start = today.replace(month=1, day=1)
    spans: dict[str, Callable[[], tuple[date, date]]] = {
        "TODAY": lambda: (today, today + day),
        "YESTERDAY": lambda: (today - day, today),
        "TOMORROW": lambda: (today + day, today + 2 * day),
        "LAST_N_DAYS": lambda: (today - n * day, today + day),
        "NEXT_N_DAYS": lambda: (today + day, today + (n + 1) * day),
        "N_DAYS_AGO": lambda: (today - n * day, today - (n - 1) * day),
        "LAST_90_DAYS": lambda: (today - 90 * day, today + day),
        "NEXT_90_DAYS": lambda: (today + day, today + 91 * day),
        "THIS_WEEK": lambda: (week_start, week_start + 7 * day),
        "LAST_WEEK": lambda: (week_start - 7 * day, week_start),
        "NEXT_WEEK": lambda: (week_start + 7 * day, week_start + 14 * day),
        "LAST_N_WEEKS": lambda: (week_start - 7 * n * day, week_start),
        "NEXT_N_WEEKS": lambda: (week_start + 7 * day, week_start + 7 * (n + 1) * day),
        "THIS_MONTH": lambda: (month_start, _add_months(month_start, 1)),
        "LAST_MONTH": lambda: (_add_months(month_start, -1), month_start),
        "NEXT_MONTH": lambda: (_add_months(month_start, 1), _add_months(month_start, 2)),
        "LAST_N_MONTHS": lambda: (_add_months(month_start, -n), month_start),
        "NEXT_N_MONTHS": lambda: (_add_months(month_start, 1), _add_months(month_start, n + 1)),
        "THIS_YEAR": lambda: (year_start, year_start.replace(year=today.year + 1)),
        "LAST_YEAR": lambda: (year_start.replace(year=today.year - 1), year_start),
        "NEXT_YEAR": lambda: (year_start.replace(year=today.year + 1), year_start.replace(year=today.year + 2)),
    }
    return spans[name]()
