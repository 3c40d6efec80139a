"""/query, /queryAll and their nextRecordsUrl pages."""

from __future__ import annotations

from .api import ApiResponse, Call, json_ok
from .errors import malformed_query
from .query_cursors import batch_size_from_header
from .soql import execute, parse
from .values import now


def _run(call: Call, resource: str) -> ApiResponse:
    text = call.request.args.get("q")
    if not text or not text.strip():
        raise malformed_query("A query string has to be specified")
    org = call.org
    result = execute(
        parse(text), org.schema, org.store, version=call.version, include_deleted=resource == "queryAll", now=now()
    )
    batch_size = batch_size_from_header(call.request.header("Sforce-Query-Options"))
    page = org.cursors.first_page(result.records, result.total_size, batch_size, resource, call.version)
    return json_ok(page.body())


def query(call: Call) -> ApiResponse:
    return _run(call, "query")


def query_all(call: Call) -> ApiResponse:
    return _run(call, "queryAll")


def query_more(call: Call) -> ApiResponse:
    return json_ok(call.org.cursors.next_page(call.args["locator"], call.version).body())
