"""The envelope every inbound body shares, and what a workflow hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from connector.state.sync_state import EntityRef, normalize_version


class Envelope(BaseModel):
    """`{"event_id", "event_type", "occurred_at", "source", "data"}`; subclasses narrow event_type and data."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    event_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")
    event_type: str
    occurred_at: AwareDatetime
    source: str = Field(min_length=1, max_length=64)
    data: Any

    @field_validator("occurred_at")
    @classmethod
    def _not_in_the_future(cls, value: datetime) -> datetime:
        # occurred_at is the entity's version: one far in the future would freeze it (every real
        # later event would look stale). Five minutes absorb clock skew.
        if value > datetime.now(UTC) + timedelta(minutes=5):
            raise ValueError("occurred_at is in the future")
        return value

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
