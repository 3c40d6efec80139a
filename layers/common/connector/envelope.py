"""The envelope every inbound body shares, the entity it is about, and what a workflow hands back."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from connector.value_types import TIMESTAMP_FORMAT, Instant, path_segment_safe


@dataclass(frozen=True)
class EntityRef:
    """A business entity in its source platform: ('commerce', 'customer', '00001001')."""

    source: str
    entity: str
    key: str

    @property
    def pk(self) -> str:
        return f"{self.source}#{self.entity}#{self.key}"


@dataclass(frozen=True)
class UnstatedRule:
    """A rule a model applies that JSON Schema cannot state: it reads the clock, another field, the
    configuration, or what was received before. The OpenAPI document lists each under its route's 422
    (`x-unstated-rules`: the loc, or the start of it, and the type of the error it answers), so that a client, and the
    request generator (devstack/fuzz.py), know the one 422 a schema-valid body can still get; every
    other rule is in the schema. `error()` is what its validator raises."""

    loc: tuple[str, ...]
    type: str
    rule: str

    def error(self) -> PydanticCustomError:
        return PydanticCustomError(self.type, self.rule)

    def document(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "type": self.type, "rule": self.rule}


# occurred_at is the entity's version: one far in the future would freeze it (every real later
# event would look stale). Five minutes absorb clock skew. A schema cannot name "now".
OCCURRED_IN_THE_FUTURE = UnstatedRule(
    ("occurred_at",), "in_the_future", "occurred_at is more than 5 minutes after the receiver's clock"
)
# Idempotency (DESIGN §2): what was received before decides, which no schema can know.
REUSED_EVENT_ID = UnstatedRule(("event_id",), "reused", "this event_id was already used with a different payload")


# Between a version's instant and the event_id that breaks ties: "#" sorts before every character
# an instant or an event_id may hold, and the instant has a fixed width, so the instant decides first.
TIE_BREAK = "#"


def normalize_version(occurred_at: datetime, event_id: str = "") -> str:
    """A sortable string: comparing two versions is comparing two strings in DynamoDB. Two events of
    one instant are told apart by their event_id (the greater wins), the same way wherever versions
    are compared (the sync state's condition, a batch's newest per entity, the claim path), so the
    sync state and Salesforce always name the same winner."""
    at = occurred_at.astimezone(UTC).strftime(TIMESTAMP_FORMAT)
    return f"{at}{TIE_BREAK}{event_id}" if event_id else at


def sync_key(secret: str, personal_key: str) -> str:
    """The key an entity keyed by personal data (an email) is stored and served under: hex
    HMAC-SHA256 of the key, trimmed and lower-cased, with the family's webhook secret (whoever may
    read `GET /v1/sync/...` signs with that secret, so can compute it; nobody else can reverse it)."""
    normalised = personal_key.strip().lower()
    return hmac.new(secret.encode(), normalised.encode(), hashlib.sha256).hexdigest()


class Envelope(BaseModel):
    """`{"event_id", "event_type", "occurred_at", "source", "data"}`; subclasses narrow event_type and data."""

    # defer_build: an event model is built by the trigger that declares it (`Trigger.events`,
    # `commands`), so a function never builds the events of the routes it does not serve (the
    # commerce models cost ~10 ms of CPU to build as deployed, the registration uses 2 of its 5).
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, defer_build=True)

    # Also a key in request paths (a Case's Commerce_Event_Id__c upsert): never only dots.
    event_id: Annotated[
        str,
        Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]*[A-Za-z0-9_:\-][A-Za-z0-9._:\-]*$"),
        AfterValidator(path_segment_safe),
    ]
    event_type: str
    occurred_at: Instant
    source: str = Field(min_length=1, max_length=64)
    data: Any

    # A sync event names its entity in its class statement: what kind of thing it is about, and where
    # its key is in the body: `class OrderChanged(Envelope, entity="order", key="data.order.order_no")`.
    # The source family is the route's (intake refuses any other).
    # `personal=True`: the key is personal data (an email); the pipeline keys the entity by its keyed
    # hash (`sync_key`) instead.
    # The rules beyond the schema that this body's validation applies (see UnstatedRule).
    unstated_rules: ClassVar[tuple[UnstatedRule, ...]] = (OCCURRED_IN_THE_FUTURE, REUSED_EVENT_ID)
    entity_kind: ClassVar[str] = ""
    entity_key: ClassVar[str] = ""
    entity_key_is_personal: ClassVar[bool] = False

    def __init_subclass__(cls, *, entity: str = "", key: str = "", personal: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if entity:
            cls.entity_kind, cls.entity_key, cls.entity_key_is_personal = entity, key, personal

    @field_validator("occurred_at")
    @classmethod
    def _not_in_the_future(cls, value: datetime) -> datetime:
        if value > datetime.now(UTC) + timedelta(minutes=5):
            raise OCCURRED_IN_THE_FUTURE.error()
        return value

    def compact_json(self) -> str:
        """The event as stored and queued: the fields it was given (nested ones too), not every
        default the models fill in, so that it is never much larger than the body that came (an
        address list of 60,000 `{}` under 256 KiB is 8 MB with its defaults: past DynamoDB's 400 KB
        item and SQS's message size). Parsed again, it is the same event."""
        return self.model_dump_json(exclude_unset=True)

    @property
    def version(self) -> str:
        """The source version: the event's instant, then its event_id to break ties; versions
        compare as strings."""
        return f"{self.instant}{TIE_BREAK}{self.event_id}"

    @property
    def instant(self) -> str:
        """When the event happened, as a sortable string: occurred_at normalized (a platform that
        dates events coarsely may refine it, as the social feed does with its action ids)."""
        return normalize_version(self.occurred_at)

    def absorbing(self, older: Envelope) -> Envelope:
        """This event, standing also for an older one of its entity met in the same batch. A sync event
        carries its entity's whole state, so the newest alone is enough: the default drops the older.
        An event carrying only what changed (a Salesforce change event) merges the older's changes
        into itself, or they would be lost."""
        return self

    def entity(self) -> EntityRef:
        """The business entity a sync event is about. A command is its own entity (see `Command`)."""
        if not self.entity_kind or not self.entity_key:
            raise NotImplementedError(f"{type(self).__name__} names no entity_kind and entity_key")
        return EntityRef(self.source, self.entity_kind, str(attrgetter(self.entity_key)(self)))


class Command(Envelope):
    """A request whose caller waits for the answer (a routing decision, a record, an offer's state).

    Idempotent on event_id and never superseded by version: each command is its own entity, so its
    sync state (when it is queued) is found by its event_id.
    """

    def entity(self) -> EntityRef:
        return EntityRef(self.source, "command", self.event_id)


@dataclass(frozen=True)
class Outcome:
    """What a sync workflow did: the Salesforce ids it wrote (answered and kept in sync state)."""

    ids: dict[str, str]
    detail: dict[str, Any] = field(default_factory=dict)


class CompleteAnswer(BaseModel):
    """The base of a command's answer whose every field is always in the body, None included, so the
    caller (a bot, a chat platform, a Service Cloud component) reads one fixed shape: the pipeline
    leaves unset fields out otherwise."""

    # Built on first use, like the answers of connector.pipeline.responses.
    model_config = ConfigDict(defer_build=True)

    def model_post_init(self, context: Any, /) -> None:
        self.__pydantic_fields_set__.update(type(self).model_fields)
