"""A bounded log of data API calls, so tests can assert what a client actually sent."""

from __future__ import annotations

import json
import threading
from collections import deque
from typing import Any

from .values import format_datetime, now

# Bounded so a long local session cannot grow without limit.
MAX_ENTRIES = 10_000


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=MAX_ENTRIES)

    def record(self, *, method: str, path: str, key: str, query: dict[str, str], body: Any, status: int) -> None:
        entry = {
            "method": method,
            "path": path,
            "key": key,
            "query": query,
            "json": body,
            "status": status,
            "at": format_datetime(now()),
        }
        with self._lock:
            self._entries.append(entry)

    def entries(self, match: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            entries = list(self._entries)
        if match:
            entries = [e for e in entries if match in f"{e['method']} {e['path']}" or match in e["key"]]
        return entries

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
