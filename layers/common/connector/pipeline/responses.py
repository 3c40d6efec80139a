"""The answers of DESIGN §2 as typed models: what every route kind answers, in one place.

The same models validate nothing inbound; they exist so that every answer has one shape and the
OpenAPI document describes responses as precisely as requests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Each answer model is built on first use (defer_build): a container answers with a few of them,
# and building all at import cost ~6 ms of CPU as deployed.
_DEFERRED = ConfigDict(defer_build=True)


class SyncedAnswer(BaseModel):
    """200: the event is in Salesforce. Besides these, the Salesforce ids the event wrote
    (`contact_id`, `account_id`, `order_id`, `case_id`...) and what the workflow reports."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    status: Literal["synced"]
    event_id: str
    stale: bool | None = Field(default=None, description="an older version of the entity, dropped")
    unchanged: bool | None = Field(default=None, description="Salesforce already held exactly this")
    created: bool | None = Field(default=None, description="the main record was created by this event")


class QueuedAnswer(BaseModel):
    """202: accepted; it will be (re)tried from the trigger's queue. The sync state tells the rest."""

    model_config = _DEFERRED

    status: Literal["queued"]
    event_id: str


class IgnoredAnswer(BaseModel):
    """200: a valid event the connector has nothing to do with."""

    model_config = _DEFERRED

    status: Literal["ignored"]
    event_id: str
    reason: str


class ErrorItem(BaseModel):
    model_config = _DEFERRED

    loc: list[str | int]
    msg: str
    type: str | None = None


class ErrorAnswer(BaseModel):
    """4xx naming the field at fault (`loc`), as pydantic does."""

    model_config = _DEFERRED

    errors: list[ErrorItem]


class MessageAnswer(BaseModel):
    """400, 401, 404, 413, 502, 503: what went wrong, in words."""

    model_config = _DEFERRED

    message: str


class ReplayedAnswer(BaseModel):
    """A repeated event_id: exactly the body the first delivery was answered with."""

    model_config = ConfigDict(extra="allow", defer_build=True)


@dataclass(frozen=True)
class Answer:
    """A status and its typed body; `headers` for the few answers that carry one (Retry-After)."""

    status: int
    body: BaseModel
    headers: tuple[tuple[str, str], ...] = ()

    def json_body(self) -> dict[str, Any]:
        # Unset optional fields stay out (`stale` only on a stale event); a None that was set stays.
        return self.body.model_dump(mode="json", exclude_unset=True)

    def as_dict(self) -> dict[str, Any]:
        """What the idempotency store keeps, so that a repeated delivery gets the same answer."""
        return {"status": self.status, "body": self.json_body()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        return cls(int(data["status"]), ReplayedAnswer.model_validate(data["body"]))

    def to_proxy(self) -> dict[str, Any]:
        """An HttpApi (payload 2.0) Lambda proxy result."""
        return {
            "statusCode": self.status,
            "headers": {"Content-Type": "application/json", **dict(self.headers)},
            "body": json.dumps(self.json_body()),
            "isBase64Encoded": False,
        }


RETRY_AFTER_SECONDS = 30


def errors(status: int, loc: list[str | int], msg: str, kind: str | None = None) -> Answer:
    item = ErrorItem(loc=loc, msg=msg) if kind is None else ErrorItem(loc=loc, msg=msg, type=kind)
    return Answer(status, ErrorAnswer(errors=[item]))


def message(status: int, text: str) -> Answer:
    return Answer(status, MessageAnswer(message=text))


def unavailable(text: str = "temporarily unavailable, retry later") -> Answer:
    return Answer(503, MessageAnswer(message=text), (("Retry-After", str(RETRY_AFTER_SECONDS)),))


def synced(event_id: str, ids: dict[str, str], **detail: Any) -> Answer:
    return Answer(200, SyncedAnswer(status="synced", event_id=event_id, **ids, **detail))


def queued(event_id: str) -> Answer:
    return Answer(202, QueuedAnswer(status="queued", event_id=event_id))


def ignored(event_id: str, reason: str) -> Answer:
    return Answer(200, IgnoredAnswer(status="ignored", event_id=event_id, reason=reason))


# What any route can answer whatever it is (DESIGN §2), documented on every route so that a
# client generated from the document expects them: the gateway's 404 and 413, the intake's 400 and
# 401, a delivery still in progress (409), our own AWS dependencies down (503). A route that says
# more about one of them (its own 404) keeps its own description.
EVERY_ROUTE_ANSWERS: tuple[tuple[int, Any, str], ...] = (
    (400, MessageAnswer, "malformed JSON"),
    (401, MessageAnswer, "missing, stale or invalid signature"),
    (404, MessageAnswer, "no such route"),
    (409, ErrorAnswer, "a delivery of the same request is still in progress"),
    (413, MessageAnswer, "body over 256 KiB (over 10 MB: refused by the gateway)"),
    (503, MessageAnswer, "our own AWS dependencies are unavailable (Retry-After)"),
)


def documented(*answers: tuple[int, Any, str]) -> dict[int, Any]:
    """Powertools' `responses=` for the OpenAPI document: status -> description and model; the
    answers every route can give (EVERY_ROUTE_ANSWERS) added where the route names none."""
    named = {status for status, _, _ in answers}
    return {
        status: {"description": description, "content": {"application/json": {"model": model}}}
        for status, model, description in (*answers, *(a for a in EVERY_ROUTE_ANSWERS if a[0] not in named))
    }


INTAKE_ANSWERS = (
    (400, MessageAnswer, "malformed JSON"),
    (401, MessageAnswer, "missing, stale or invalid X-Signature"),
    (413, MessageAnswer, "body over 256 KiB"),
    (422, ErrorAnswer, "schema or mapping errors, naming the field"),
    (503, MessageAnswer, "our own AWS dependencies are unavailable (Retry-After)"),
)
