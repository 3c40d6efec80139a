"""A bounded log of data API calls, so tests can assert what a client actually sent."""

from __future__ import annotations

import json
from typing import Any

from emulators._base import RequestLog as _SharedLog

from .values import format_datetime, now


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None


# Request headers that change what Salesforce does with a call (never Authorization).
LOGGED_HEADERS = ("Sforce-Duplicate-Rule-Header", "Sforce-Auto-Assign", "Sforce-Call-Options")


class RequestLog(_SharedLog):
    """The shared request log, whose entries also carry the answer's status and a timestamp in
    Salesforce's format."""

    def record(
        self,
        *,
        method: str,
        path: str,
        key: str,
        query: dict[str, str],
        body: Any,
        status: int,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.append(
            {
                "method": method,
                "path": path,
                "key": key,
                "query": query,
                "json": body,
                "status": status,
                "headers": headers or {},
                "at": format_datetime(now()),
            }
        )
