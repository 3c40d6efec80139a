"""Event bodies for the in-process trigger tests: the canonical examples of `events/`, copied fresh
(a new event_id, a current occurred_at) so each test owns its events."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[3] / "events"


def now_iso(offset_seconds: float = 0.0) -> str:
    """An RFC 3339 UTC timestamp (milliseconds), `offset_seconds` from now."""
    moment = datetime.now(UTC) + timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def new_event_id() -> str:
    return f"evt-{uuid.uuid4().hex[:16]}"


def event_body(name: str, *, occurred_at: str | None = None, **data: Any) -> dict[str, Any]:
    """events/<name>.json with a new event_id, a current occurred_at and `data` merged into its data."""
    body = json.loads((EVENTS / f"{name}.json").read_text())
    body["event_id"] = new_event_id()
    body["occurred_at"] = occurred_at or now_iso()
    body["data"].update(copy.deepcopy(data))
    return dict(body)
