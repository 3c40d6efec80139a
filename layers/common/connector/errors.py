"""Outcome classes every workflow speaks: the pipeline turns them into responses and retries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


class ConnectorError(Exception):
    """Base of every error the pipeline knows how to answer."""


class TransientError(ConnectorError):
    """Worth retrying later: the other side is down, busy or locked."""


class EntityBusy(TransientError):
    """Another event holds what this one needs (its entity, or its social user): retried later. Waiting
    is not a failure of this event: the queue's attempts running out never dead-letters it."""


class ReplicationLag(TransientError):
    """A platform does not show yet what the event says exists (its replicas lag behind the event):
    retried from the queue until `retry_until`, however many attempts that takes."""

    def __init__(self, msg: str, retry_until: datetime) -> None:
        super().__init__(msg)
        self.retry_until = retry_until


class PermanentError(ConnectorError):
    """Retrying will not help: needs a fix in data or configuration. Goes to the DLQ."""


class ConfigurationError(PermanentError):
    """The configuration does not fit the systems it names (a mapped field the org does not have, a
    type that cannot hold the value): every event would fail the same way until it is fixed, so it
    is found at cold start and named there. `problems` name configuration paths and API names only,
    never a value."""

    def __init__(self, subject: str, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"{subject}: " + "; ".join(self.problems))


class ConflictError(ConnectorError):
    """The event asks for a state change its target does not allow (answered 409)."""


class MappingError(ConnectorError):
    """The event is well formed but cannot be mapped (answered 422 naming the field)."""

    def __init__(self, loc: Sequence[str | int], msg: str) -> None:
        super().__init__(msg)
        self.loc = list(loc)
        self.msg = msg


class NotFoundError(ConnectorError):
    """What a read route or a command was asked about does not exist (answered 404 naming it)."""

    def __init__(self, loc: Sequence[str | int], msg: str) -> None:
        super().__init__(msg)
        self.loc = list(loc)
        self.msg = msg


class IneligibleEvent(ConnectorError):
    """A valid event the connector has nothing to do with (answered 200 `ignored` with the reason)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RefusedByPlatform(ConnectorError):
    """A platform the connector writes to refused what a valid event asked of it (a field value it does
    not take, a customer it no longer has): the sync state reads FAILED with the platform's reason.
    Retrying would meet the same refusal, and nothing the sender did was wrong: neither retried nor
    dead-lettered; the entity's next change tries again. `reason` names platforms, codes and field
    names, never values."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
