"""The local account's writes as the moto server makes them: a journal of DynamoDB item writes
(each with a digest of the item before and after it) and the messages each queue holds, served at
`GET <moto url>/_local/writes?since=N` for devstack.aws_traces.

Why a journal: a refused request must write nothing (issue 11), and looking at that by scanning
every table before and after each generated case costs O(items) per case: at 1,000 cases per route
the scans' cost grew with what the accepted cases wrote (about one case per second under load, hours
for the bench). The journal answers in O(writes since the last look). It is kept in the moto
server's process, where every write of every client passes, whichever thread makes it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

# A bounded journal: a reader further behind than this is told so (409), never answered partially.
JOURNAL_ENTRIES = 200_000


class ItemJournal:
    """Item writes in order: (seq, table, key, digest before, digest after); None: no item."""

    def __init__(self, maxlen: int = JOURNAL_ENTRIES) -> None:
        self._entries: deque[tuple[int, str, str, str | None, str | None]] = deque(maxlen=maxlen)
        self._seq = 0
        self._lock = threading.Lock()

    def record(self, table: str, key: str, before: str | None, after: str | None) -> None:
        with self._lock:
            self._seq += 1
            self._entries.append((self._seq, table, key, before, after))

    def since(self, seq: int | None) -> tuple[int, list[tuple[str, str, str | None, str | None]]] | None:
        """The latest seq and the writes after `seq` (none if `seq` is None); None when some of
        them left the journal."""
        with self._lock:
            if seq is None:
                return self._seq, []
            if self._entries and self._entries[0][0] > seq + 1:
                return None
            return self._seq, [entry[1:] for entry in self._entries if entry[0] > seq]


JOURNAL = ItemJournal()


def digest(item: Any) -> str | None:
    """A digest of a moto DynamoDB item's content; None for no item."""
    if item is None:
        return None
    # default=repr: a binary attribute's value is bytes (the backfill's checkpoints hold some).
    return hashlib.sha256(json.dumps(item.to_json(), sort_keys=True, default=repr).encode()).hexdigest()


def _key_text(table: Any, key: dict[str, Any]) -> str:
    """The item's key attributes' values joined by `|`, hash key first (as aws_traces names them)."""
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return "|".join(str(next(iter(key[name].values()))) for name in names)


def journal_item_writes() -> None:
    """Journal every item write of moto's DynamoDB backend (its PutItem, UpdateItem, DeleteItem,
    and the batch and transaction writes, which go through those three)."""
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend.put_item, "journaled", False):
        return

    def journaled(write: Callable[..., Any], key_of: Callable[[Any, Any, Any], dict[str, Any]]) -> Callable[..., Any]:
        def method(self: Any, table_name: str, item_or_key: Any, *args: Any, **kwargs: Any) -> Any:
            table = self.get_table(table_name)
            key = key_of(self, table, item_or_key)
            before = digest(self.get_item(table_name, key))
            answer = write(self, table_name, item_or_key, *args, **kwargs)
            after = digest(self.get_item(table_name, key))
            if before != after:
                JOURNAL.record(table_name, _key_text(table, key), before, after)
            return answer

        method.journaled = True  # type: ignore[attr-defined]
        return method

    def key_of_item(_backend: Any, table: Any, item: dict[str, Any]) -> dict[str, Any]:
        names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
        return {name: item[name] for name in names}

    def key_as_given(_backend: Any, _table: Any, key: dict[str, Any]) -> dict[str, Any]:
        return key

    DynamoDBBackend.put_item = journaled(DynamoDBBackend.put_item, key_of_item)  # type: ignore[method-assign]
    DynamoDBBackend.update_item = journaled(DynamoDBBackend.update_item, key_as_given)  # type: ignore[method-assign]
    DynamoDBBackend.delete_item = journaled(DynamoDBBackend.delete_item, key_as_given)  # type: ignore[method-assign]


def queue_messages(account_id: str, region: str) -> dict[str, int]:
    """Each queue's messages: waiting, received and not yet deleted, and delayed."""
    from moto.sqs.models import sqs_backends

    return {
        name: queue.approximate_number_of_messages
        + queue.approximate_number_of_messages_not_visible
        + queue.approximate_number_of_messages_delayed
        for name, queue in list(sqs_backends[account_id][region].queues.items())
    }


class LocalWrites:
    """WSGI middleware: `GET /_local/writes?since=N` answers {"seq", "writes": [[table, key, before,
    after], ...], "messages": {queue: n}}; 409 when the writes since N left the journal, 400 when N
    is not an integer."""

    def __init__(self, app: Any, account_id: str, region: str) -> None:
        self._app = app
        self._account_id = account_id
        self._region = region

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/_local/writes":
            return self._app(environ, start_response)
        asked = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).get("since")
        body: dict[str, Any]
        if asked and not asked[0].lstrip("-").isdigit():
            return self._answer(start_response, "400 Bad Request", {"message": "since: an integer (a seq)"})
        since = int(asked[0]) if asked else None  # no `since`: where the journal stands, no writes
        found = JOURNAL.since(since)
        if found is None:
            status, body = "409 Conflict", {"message": f"writes since {since} are no longer journaled"}
        else:
            seq, writes = found
            messages = queue_messages(self._account_id, self._region)
            status, body = "200 OK", {"seq": seq, "writes": writes, "messages": messages}
        return self._answer(start_response, status, body)

    @staticmethod
    def _answer(start_response: Any, status: str, body: dict[str, Any]) -> Iterable[bytes]:
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]
