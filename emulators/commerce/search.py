"""The subset of OCAPI search queries the emulator understands.

OCAPI search documents carry a `query` object with one of: `term_query` (`fields`, `operator`,
`values`), `text_query` (`fields`, `search_phrase`), `match_all_query`, or `bool_query`
(`must`, `must_not`, `should` lists of queries). Every comparison here is case-insensitive:
e-mail addresses are the common key and shoppers do not type them consistently. `text_query` is
a substring match, so like a real full-text search it can return near misses; callers must
still compare the value they wanted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from emulators._base import JSON, ApiError

Predicate = Callable[[JSON], bool]
FieldGetter = Callable[[JSON], object]
TERM_OPERATORS = ("is", "one_of", "not_in")
SORT_ORDERS = ("asc", "desc")
MAX_COUNT = 200
DEFAULT_COUNT = 25


def invalid(message: str) -> ApiError:
    return ApiError(400, message, "InvalidSearchQueryException")


def compile_query(query: object, fields: Mapping[str, FieldGetter]) -> Predicate:
    if not isinstance(query, dict) or len(query) != 1:
        raise invalid("'query' must be an object with exactly one query type.")
    kind, spec = next(iter(query.items()))
    if not isinstance(spec, dict):
        raise invalid(f"'{kind}' must be an object.")
    if kind == "match_all_query":
        return lambda _doc: True
    if kind == "term_query":
        return _term_query(spec, fields)
    if kind == "text_query":
        return _text_query(spec, fields)
    if kind == "bool_query":
        return _bool_query(spec, fields)
    if kind == "filtered_query":
        return _filtered_query(spec, fields)
    raise invalid(f"Unsupported query type '{kind}'.")


def _getters(spec: Mapping[str, Any], fields: Mapping[str, FieldGetter]) -> list[FieldGetter]:
    names = spec.get("fields")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise invalid("'fields' must be a non-empty list of field names.")
    unknown = [n for n in names if n not in fields]
    if unknown:
        raise invalid(f"Unsupported search field(s): {', '.join(unknown)}. Use one of: {', '.join(fields)}.")
    return [fields[n] for n in names]


def _norm(value: object) -> str | None:
    return None if value is None else str(value).casefold()


def _term_query(spec: Mapping[str, Any], fields: Mapping[str, FieldGetter]) -> Predicate:
    getters = _getters(spec, fields)
    operator, values = spec.get("operator", "is"), spec.get("values")
    if operator not in TERM_OPERATORS:
        raise invalid(f"Unsupported operator '{operator}'. Use one of: {', '.join(TERM_OPERATORS)}.")
    if not isinstance(values, list) or not values:
        raise invalid("'values' must be a non-empty list.")
    if operator == "is" and len(values) != 1:
        raise invalid("Operator 'is' takes exactly one value.")
    wanted = {_norm(v) for v in values}

    def hit(doc: JSON) -> bool:
        found = any(_norm(get(doc)) in wanted for get in getters)
        return not found if operator == "not_in" else found

    return hit


def _text_query(spec: Mapping[str, Any], fields: Mapping[str, FieldGetter]) -> Predicate:
    getters = _getters(spec, fields)
    phrase = spec.get("search_phrase")
    if not isinstance(phrase, str) or not phrase.strip():
        raise invalid("'search_phrase' must be a non-empty string.")
    needle = phrase.strip().casefold()
    return lambda doc: any(needle in (_norm(get(doc)) or "") for get in getters)


def _filtered_query(spec: Mapping[str, Any], fields: Mapping[str, FieldGetter]) -> Predicate:
    """`{"filtered_query": {"query": {...}, "filter": {"range_filter": {...}}}}`: the query's hits
    that pass the filter. Only OCAPI's RangeFilter is served here (what a date range needs)."""
    query = compile_query(spec.get("query", {"match_all_query": {}}), fields)
    flt = spec.get("filter")
    if not isinstance(flt, dict) or set(flt) != {"range_filter"} or not isinstance(flt["range_filter"], dict):
        raise invalid("'filtered_query.filter' must be {\"range_filter\": {...}}.")
    passes = _range_filter(flt["range_filter"], fields)
    return lambda doc: query(doc) and passes(doc)


def _range_filter(spec: Mapping[str, Any], fields: Mapping[str, FieldGetter]) -> Predicate:
    """OCAPI's RangeFilter document (https://sfcclearning.com/infocenter/OCAPI/current/data/Documents/RangeFilter.php):
    `field` (mandatory), `from` and/or `to` (not both left open), `from_inclusive` and
    `to_inclusive` (true by default). Dates are ISO 8601 strings of one format here, so they compare
    as strings."""
    name = spec.get("field")
    if not isinstance(name, str) or name not in fields:
        raise invalid(f"Unsupported range field: {name!r}. Use one of: {', '.join(fields)}.")
    low, high = spec.get("from"), spec.get("to")
    if low is None and high is None:
        raise invalid("A range filter cannot leave both the lower and upper bounds open-ended.")
    low_in, high_in = spec.get("from_inclusive", True), spec.get("to_inclusive", True)
    if not isinstance(low_in, bool) or not isinstance(high_in, bool):
        raise invalid("'from_inclusive' and 'to_inclusive' must be booleans.")
    get = fields[name]

    def hit(doc: JSON) -> bool:
        value = get(doc)
        if value is None:
            return False
        key = _sort_key(value)
        if low is not None and (key < _sort_key(low) or (key == _sort_key(low) and not low_in)):
            return False
        return not (high is not None and (key > _sort_key(high) or (key == _sort_key(high) and not high_in)))

    return hit


def _bool_query(spec: Mapping[str, Any], fields: Mapping[str, FieldGetter]) -> Predicate:
    def compiled(key: str) -> list[Predicate]:
        queries = spec.get(key, [])
        if not isinstance(queries, list):
            raise invalid(f"'bool_query.{key}' must be a list of queries.")
        return [compile_query(q, fields) for q in queries]

    must, must_not, should = compiled("must"), compiled("must_not"), compiled("should")
    if not (must or must_not or should):
        raise invalid("'bool_query' needs 'must', 'must_not' or 'should'.")

    def hit(doc: JSON) -> bool:
        return (
            all(p(doc) for p in must)
            and not any(p(doc) for p in must_not)
            and (not should or any(p(doc) for p in should))
        )

    return hit


def paginate(body: Mapping[str, Any]) -> tuple[int, int]:
    start, count = body.get("start", 0), body.get("count", DEFAULT_COUNT)
    if not isinstance(start, int) or isinstance(start, bool) or start < 0:
        raise invalid("'start' must be a non-negative integer.")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
        raise invalid(f"'count' must be an integer between 1 and {MAX_COUNT}.")
    return start, count


def sort_docs(docs: list[JSON], sorts: object, fields: Mapping[str, FieldGetter]) -> list[JSON]:
    if sorts is None:
        return docs
    if not isinstance(sorts, list):
        raise invalid("'sorts' must be a list of {field, sort_order}.")
    # Apply the least significant key first: Python's sort is stable.
    for sort in reversed(sorts):
        if not isinstance(sort, dict) or sort.get("field") not in fields:
            raise ApiError(400, f"Field is not sortable: {sort!r}.", "FieldNotSortableException")
        order = sort.get("sort_order", "asc")
        if order not in SORT_ORDERS:
            raise invalid("'sort_order' must be 'asc' or 'desc'.")
        docs = sorted(docs, key=_sort_key_of(fields[sort["field"]]), reverse=order == "desc")
    return docs


def _sort_key_of(get: FieldGetter) -> Callable[[JSON], tuple[int, Any]]:
    return lambda doc: _sort_key(get(doc))


def _sort_key(value: object) -> tuple[int, Any]:
    # None sorts first; numbers and strings never get compared with each other.
    if value is None:
        return (0, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value)
    return (2, str(value).casefold())


def search_result(
    result_type: str,
    hit_type: str,
    version: str,
    body: Mapping[str, Any],
    matches: list[JSON],
    start: int,
    count: int,
) -> JSON:
    page = matches[start : start + count]
    result: JSON = {
        "_v": version,
        "_type": result_type,
        "count": len(page),
        "hits": [{"_type": hit_type, "data": doc, "relevance": 1.0} for doc in page],
        "query": body.get("query"),
        "select": body.get("select", "(**)"),
        "start": start,
        "total": len(matches),
    }
    if start + count < len(matches):
        result["next"] = {"_type": "result_page", "count": count, "start": start + count}
    return result
