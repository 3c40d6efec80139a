"""In-memory tables of one org, with unique indexes and undoable writes.

Every write logs its inverse while a transaction is open, so a failed request, a failed
`allOrNone` composite or collection, or a faulted call can be rolled back exactly. Callers
hold the org lock; the store itself is not thread-safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .schema import FieldDef, Schema
from .values import index_key

Record = dict[str, Any]


class Store:
    def __init__(self, schema: Schema, also_indexed: Mapping[str, tuple[str, ...]] | None = None) -> None:
        """`also_indexed`: fields that are not unique but looked up on every write (the duplicate
        rule's Contact.Email), so a 10,000-row bulk job does not scan every Contact per row."""
        self._schema = schema
        self._indexed: dict[str, list[FieldDef]] = {o.name: o.unique_fields() for o in schema.objects}
        for object_name, names in (also_indexed or {}).items():
            obj = schema.object(object_name)
            extra = [obj.field(name) for name in names] if obj is not None else []
            self._indexed[object_name] += [f for f in extra if f is not None and f not in self._indexed[object_name]]
        self._live: dict[str, dict[str, Record]] = {}
        self._deleted: dict[str, dict[str, Record]] = {}
        self._index: dict[tuple[str, str], dict[Any, set[str]]] = {}
        self._undo: list[Callable[[], None]] = []
        self._depth = 0
        self.clear()

    def clear(self) -> None:
        self._live = {o.name: {} for o in self._schema.objects}
        self._deleted = {o.name: {} for o in self._schema.objects}
        self._index = {(obj, f.name): {} for obj, fields in self._indexed.items() for f in fields}
        self._undo.clear()

    # -- reads -------------------------------------------------------------------------------

    def get(self, object_name: str, record_id: str) -> Record | None:
        return self._live[object_name].get(record_id)

    def get_deleted(self, object_name: str, record_id: str) -> Record | None:
        return self._deleted[object_name].get(record_id)

    def find_by_id(self, record_id: str) -> tuple[str, Record] | None:
        """A live record of any object, found through its key prefix."""
        obj = self._schema.object_for_id(record_id)
        if obj is None:
            return None
        record = self._live[obj.name].get(record_id)
        return (obj.name, record) if record is not None else None

    def records(self, object_name: str, *, include_deleted: bool = False) -> list[Record]:
        rows = list(self._live[object_name].values())
        if include_deleted:
            rows.extend(self._deleted[object_name].values())
        return rows

    def find(self, object_name: str, field_def: FieldDef, value: Any) -> list[str]:
        """Ids of live records whose unique/external-id field equals `value` (in index order)."""
        index = self._index.get((object_name, field_def.name))
        if index is None:
            return [r["Id"] for r in self._live[object_name].values() if r.get(field_def.name) == value]
        return sorted(index.get(index_key(field_def, value), ()))

    # -- writes ------------------------------------------------------------------------------

    def insert(self, object_name: str, record: Record) -> None:
        record_id = record["Id"]
        self._live[object_name][record_id] = record
        self._index_add(object_name, record)

        def undo() -> None:
            self._remove_live(object_name, record_id)

        self._log(undo)

    def replace(self, object_name: str, record: Record) -> None:
        record_id = record["Id"]
        previous = self._live[object_name][record_id]
        self._index_remove(object_name, previous)
        self._live[object_name][record_id] = record
        self._index_add(object_name, record)
        self._log(lambda: self._restore(object_name, previous))

    def purge(self, object_name: str, record_id: str) -> None:
        """Take a live record away without a recycle-bin trace (what an org setting switched off
        never had, e.g. the person-account record type)."""
        previous = self._remove_live(object_name, record_id)

        def undo() -> None:
            self._live[object_name][record_id] = previous
            self._index_add(object_name, previous)

        self._log(undo)

    def delete(self, object_name: str, record_id: str, tombstone: Record) -> None:
        """Move a record to the recycle bin (queryAll still sees it, as the tombstone)."""
        previous = self._remove_live(object_name, record_id)
        self._deleted[object_name][record_id] = tombstone

        def undo() -> None:
            del self._deleted[object_name][record_id]
            self._live[object_name][record_id] = previous
            self._index_add(object_name, previous)

        self._log(undo)

    # -- transactions ------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside succeed together or are undone together; nests."""
        savepoint = self.savepoint()
        self._depth += 1
        try:
            yield
        except BaseException:
            self.rollback_to(savepoint)
            raise
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._undo.clear()

    def savepoint(self) -> int:
        return len(self._undo)

    def rollback_to(self, savepoint: int) -> None:
        while len(self._undo) > savepoint:
            self._undo.pop()()

    # -- internals ---------------------------------------------------------------------------

    def _log(self, undo: Callable[[], None]) -> None:
        if self._depth:
            self._undo.append(undo)

    def _remove_live(self, object_name: str, record_id: str) -> Record:
        record = self._live[object_name].pop(record_id)
        self._index_remove(object_name, record)
        return record

    def _restore(self, object_name: str, record: Record) -> None:
        current = self._live[object_name][record["Id"]]
        self._index_remove(object_name, current)
        self._live[object_name][record["Id"]] = record
        self._index_add(object_name, record)

    def _index_add(self, object_name: str, record: Record) -> None:
        for field_def in self._indexed[object_name]:
            value = record.get(field_def.name)
            if value is not None:
                key = index_key(field_def, value)
                self._index[(object_name, field_def.name)].setdefault(key, set()).add(record["Id"])

    def _index_remove(self, object_name: str, record: Record) -> None:
        for field_def in self._indexed[object_name]:
            value = record.get(field_def.name)
            if value is None:
                continue
            bucket = self._index[(object_name, field_def.name)].get(index_key(field_def, value))
            if bucket is not None:
                bucket.discard(record["Id"])
                if not bucket:
                    del self._index[(object_name, field_def.name)][index_key(field_def, value)]
