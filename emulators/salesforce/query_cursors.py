"""Server-side query cursors behind `nextRecordsUrl` (`/query/01g...-2000`)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from . import ids
from .errors import bad_request

DEFAULT_BATCH_SIZE = 2000
MAX_BATCH_SIZE = 2000
# Salesforce keeps a handful of open cursors per user; the oldest go first.
MAX_OPEN_CURSORS = 200


@dataclass
class Cursor:
    records: list[dict[str, Any]]
    batch_size: int
    resource: str  # "query" or "queryAll"


@dataclass(frozen=True)
class Page:
    total_size: int
    records: list[dict[str, Any]]
    next_records_url: str | None

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"totalSize": self.total_size, "done": self.next_records_url is None}
        if self.next_records_url:
            out["nextRecordsUrl"] = self.next_records_url
        out["records"] = self.records
        return out


def batch_size_from_header(header: str | None) -> int:
    """`Sforce-Query-Options: batchSize=N`. Salesforce only honours 200..2000; the emulator
    takes any N >= 1 so tests can page through a few records."""
    for option in (header or "").split(","):
        name, _, value = option.strip().partition("=")
        if name.strip() == "batchSize" and value.strip().isdigit() and int(value) >= 1:
            return min(int(value), MAX_BATCH_SIZE)
    return DEFAULT_BATCH_SIZE


class QueryCursors:
    def __init__(self, id_factory: ids.IdFactory) -> None:
        self._ids = id_factory
        self._open: OrderedDict[str, Cursor] = OrderedDict()

    def clear(self) -> None:
        self._open.clear()

    def first_page(
        self, records: list[dict[str, Any]], total_size: int, batch_size: int, resource: str, version: str
    ) -> Page:
        if len(records) <= batch_size:
            return Page(total_size, records, None)
        locator = self._ids.new(ids.QUERY_LOCATOR_PREFIX)
        self._open[locator] = Cursor(records, batch_size, resource)
        while len(self._open) > MAX_OPEN_CURSORS:
            self._open.popitem(last=False)
        return Page(total_size, records[:batch_size], f"/services/data/v{version}/{resource}/{locator}-{batch_size}")

    def next_page(self, locator_and_offset: str, version: str) -> Page:
        locator, _, offset_text = locator_and_offset.rpartition("-")
        cursor = self._open.get(locator)
        if cursor is None or not offset_text.isdigit():
            raise bad_request("INVALID_QUERY_LOCATOR", "invalid query locator")
        offset = int(offset_text)
        end = offset + cursor.batch_size
        page = cursor.records[offset:end]
        next_url = None
        if end < len(cursor.records):
            next_url = f"/services/data/v{version}/{cursor.resource}/{locator}-{end}"
        else:
            self._open.pop(locator, None)
        return Page(len(cursor.records), page, next_url)
