"""An event as Event Relay puts it on the partner event bus, and as an EventBridge rule hands it to SQS.

EventBridge's own envelope (`version`, `id`, `detail-type`, `source`, `time`, ...) around Salesforce's
event: `detail-type` is the event's API name (`ContactChangeEvent`, `Contact_Merged__e`), `source`
the partner event source (`aws.partner/salesforce.com/<org id>/<relay id>`), `detail.payload` the
event's fields as the Pub/Sub API gives them (a change event's `ChangeEventHeader` among them),
`detail.id` the event's UUID (a platform event's `EventUuid`). Delivery is at least once and
unordered; Salesforce keeps events 72 hours for replay.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from connector.envelope import Envelope
from connector.errors import TransientError

# The envelope's rule (connector.envelope.OCCURRED_IN_THE_FUTURE): an instant further ahead of the
# receiver's clock would freeze its entity's version.
CLOCK_SKEW = timedelta(minutes=5)


class RelayDetail(BaseModel):
    model_config = ConfigDict(extra="ignore")

    payload: dict[str, Any]
    schema_id: str | None = Field(default=None, alias="schemaId")
    # The event's UUID (a platform event's EventUuid): what a platform event is idempotent on.
    id: str = Field(min_length=1, max_length=64)


class RelayedEvent(BaseModel):
    """One EventBridge event from Event Relay (an SQS message's body, as the rule's target got it)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    version: str = "0"
    id: str = Field(min_length=1, max_length=64)  # EventBridge's own id: a new one for each relay attempt
    detail_type: str = Field(alias="detail-type", min_length=1, max_length=128)
    source: str = Field(min_length=1, max_length=256)
    account: str | None = None
    time: datetime
    region: str | None = None
    resources: list[str] = Field(default_factory=list)
    detail: RelayDetail
    # Set by EventBridge when the event comes from an archive's replay.
    replay_name: str | None = Field(default=None, alias="replay-name")


# One relayed event -> the canonical events it stands for (a change event naming several records:
# one per record). Raises pydantic's ValidationError or MappingError for a body it cannot read:
# such a message goes to the DLQ with its reason, never retried as if it could become valid. Raises
# TransientError for an event dated more than 5 minutes ahead of this clock (not_ahead_of_the_clock):
# retried from the queue, as any transient failure.
Translate = Callable[[RelayedEvent], Sequence[Envelope]]


def not_ahead_of_the_clock(at: datetime, field: str) -> datetime:
    """`at` (a relayed event's own instant: a commitTimestamp, a CreatedDate), which Salesforce's clock
    wrote, as the event's occurred_at. More than five minutes ahead of this clock, the envelope would
    refuse it, and a relayed event refused is never sent again: the skew is the clocks', not the
    event's, so it is a TransientError instead (the queue retries it, and the DLQ names `field` if the
    clocks still disagree when its attempts run out)."""
    # A naive instant is compared as UTC; the envelope then says whether it takes it.
    if (at if at.tzinfo else at.replace(tzinfo=UTC)) > datetime.now(UTC) + CLOCK_SKEW:
        raise TransientError(f"{field} is more than 5 minutes ahead of the receiver's clock: retried until it is not")
    return at
