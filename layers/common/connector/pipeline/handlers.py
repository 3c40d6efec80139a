"""What a trigger declares per event type: its model and its workflow, for each route kind.

- `EventHandler`: a sync event (last-writer-wins by occurred_at, queued and retried when
  Salesforce fails); the workflow returns an `Outcome`.
- `CommandHandler`: a command (the caller waits for the result; idempotent on event_id, never
  superseded); the workflow returns the command's typed response model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from pydantic import BaseModel

from connector.envelope import Command, Envelope, Outcome

RunEvent = Callable[[Any, Any], Outcome]
RunEvents = Callable[[Sequence[Any], Any], list[Outcome | Exception]]
RunCommand = Callable[[Any, Any], BaseModel]


def event_types_of(model: type[Envelope]) -> tuple[str, ...]:
    """The `event_type` values a model accepts (its `Literal`), which route bodies to it."""
    annotation = model.model_fields["event_type"].annotation
    values = get_args(annotation) if getattr(annotation, "__origin__", None) is Literal else ()
    if not values:
        raise TypeError(f"{model.__name__}.event_type must be a Literal")
    return tuple(str(v) for v in values)


@dataclass(frozen=True)
class EventHandler:
    """A sync event type: its model, its workflow, and optionally a batch-aware workflow."""

    model: type[Envelope]
    run: RunEvent
    run_many: RunEvents | None = None

    @property
    def event_types(self) -> tuple[str, ...]:
        return event_types_of(self.model)


@dataclass(frozen=True)
class CommandHandler:
    """A command type: its model, its workflow, and the model of what it answers.

    `deferrable`: the command's side effects may be completed later, so when the target platform
    or Salesforce is unavailable it is queued (202) instead of answered 503.
    """

    model: type[Command]
    run: RunCommand
    response: type[BaseModel]
    deferrable: bool = False

    @property
    def event_types(self) -> tuple[str, ...]:
        return event_types_of(self.model)


Handler = EventHandler | CommandHandler
