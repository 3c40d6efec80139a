"""The example bodies of events/, made fresh for a test (a new event_id, unique keys)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[2] / "events"


def body_of(name: str, **data: Any) -> dict[str, Any]:
    """events/<name>.json with a new event_id and `data` merged into its data."""
    body = json.loads((EVENTS / f"{name}.json").read_text())
    body["event_id"] = f"evt-{uuid.uuid4().hex[:12]}"
    body["data"].update(data)
    return dict(body)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"
