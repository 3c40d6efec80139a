"""The envelope every inbound body shares, and what a workflow hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from connector.state.sync_state import EntityRef, normalize_version


class Envelope(BaseModel):
    """`{"event_id", "event_type", "occurred_at", "source", "data"}`; subclasses narrow event_type and data."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    event_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")
    event_type: str
    occurred_at: AwareDatetime
    source: str = Field(min_length=1, max_length=64)
    data: Any

    @property
    def version(self) -> str:
        """The source version: occurred_at, normalized so that versions compare as strings."""
        return normalize_version(self.occurred_at)

    def entity(self) -> EntityRef:
        raise NotImplementedError


@dataclass(frozen=True)
class Outcome:
    """What a workflow did: the Salesforce ids it wrote (answered to the caller and kept in sync state)."""

    ids: dict[str, str]
    detail: dict[str, Any] = field(default_factory=dict)
