"""The canonical events a relayed Salesforce event becomes (see connector.relay.events).

- `salesforce.record.changed`: one Contact or Account named by a Change Data Capture event. A change
  event may name several records (`recordIds`): each becomes its own event, so that each record is
  its own entity (idempotent on `event_id`, last-writer-wins per record on `occurred_at`, the
  change's `commitTimestamp`).
- `salesforce.records.merged`: a `Contact_Merged__e` (winner, loser) published by the after-delete
  trigger on Contact and Account (a merge reaches CDC only as a DELETE of the loser and an UPDATE of
  the winner; `MasterRecordId` is visible to an after-delete trigger alone).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from connector.envelope import EntityRef, Envelope
from connector.value_types import SalesforceId

SALESFORCE = "salesforce"
# A sequenceNumber (an Avro int) zero-padded to this width in a version compares as a string like a number.
SEQUENCE_DIGITS = 10
ChangedObject = Literal["Contact", "Account"]
# GAP_*: Salesforce could not say what changed (the event names the records, no field values): the
# record's current values are read from Salesforce. GAP_OVERFLOW: more than 100,000 changes in a
# transaction, one event per entity type naming no records.
ChangeType = Literal[
    "CREATE", "UPDATE", "DELETE", "UNDELETE", "GAP_CREATE", "GAP_UPDATE", "GAP_DELETE", "GAP_UNDELETE", "GAP_OVERFLOW"
]


class RecordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    object: ChangedObject
    record_id: SalesforceId
    change_type: ChangeType
    # Flat field API names (a compound field's part `MailingAddress.City` is `MailingCity`, `Name.FirstName`
    # is `FirstName`), system fields (LastModifiedDate, ...) left out.
    changed_fields: list[str] = Field(default_factory=list)
    nulled_fields: list[str] = Field(default_factory=list)
    # The record's values the event carries, by flat field API name (a CREATE: every non-null field;
    # an UPDATE: the changed ones, and any enriched field).
    values: dict[str, Any] = Field(default_factory=dict)
    # Who committed the change (a User Id): the connector's own integration user's changes are dropped.
    commit_user: str
    transaction_key: str
    sequence_number: int = Field(ge=0, lt=10**SEQUENCE_DIGITS)
    # How many records the change event named (part B's addition). Salesforce groups records in one
    # event only when the channel does not enrich it, so a grouped UPDATE carries no link keys: they
    # are read from the record.
    records_in_event: int = Field(default=1, ge=1)
    # The header named its changed, nulled or diff fields as Pub/Sub API bitmaps (hexadecimal positions
    # in the event's Avro schema), not as field names: what changed is unknown, so the workflow reads
    # the record's mapped fields as a gap event's.
    fields_unknown: bool = False


class RecordChanged(Envelope):
    """A Contact or Account changed in Salesforce. event_id `<transactionKey>.<sequenceNumber>.<record id>`."""

    event_type: Literal["salesforce.record.changed"]
    source: Literal["salesforce"] = "salesforce"
    data: RecordChange

    def entity(self) -> EntityRef:
        return EntityRef(SALESFORCE, self.data.object.lower(), self.data.record_id)

    def absorbing(self, older: Envelope) -> Envelope:
        """A change event is a delta (its changed fields only): an older change of the same record in
        the same batch (an agent saving the Email, then the City a second later) is merged into this
        one, this one's values winning field by field, or the older's fields would never reach the
        platforms. Only changes of one committer merge: the integration user's are dropped whole
        (loop safety), and an agent's must never be dropped with them. Changes without values (gap
        events, deletes) are not merged: the record is read or left as it is."""
        mergeable = ("CREATE", "UPDATE", "UNDELETE")
        if (
            not isinstance(older, RecordChanged)
            or older.entity() != self.entity()
            or older.data.commit_user != self.data.commit_user
            or older.data.change_type not in mergeable
            or self.data.change_type not in mergeable
        ):
            return self
        new, old = self.data, older.data
        newer = {name.casefold() for name in (*new.changed_fields, *new.nulled_fields)}
        merged = new.model_copy(
            update={
                "changed_fields": [*new.changed_fields, *(n for n in old.changed_fields if n.casefold() not in newer)],
                "nulled_fields": [*new.nulled_fields, *(n for n in old.nulled_fields if n.casefold() not in newer)],
                "values": {k: v for k, v in old.values.items() if k.casefold() not in newer} | new.values,
                "fields_unknown": new.fields_unknown or old.fields_unknown,
            }
        )
        return self.model_copy(update={"data": merged})

    @property
    def instant(self) -> str:
        """The commitTimestamp, then the sequenceNumber: the changes of one transaction share their
        commitTimestamp (to the millisecond) and are ordered by their sequenceNumber, which the
        event_id's tie-break would compare as text (`.10.` before `.9.`)."""
        return f"{super().instant}#{self.data.sequence_number:0{SEQUENCE_DIGITS}d}"


class RecordMerge(BaseModel):
    model_config = ConfigDict(extra="forbid")

    object: ChangedObject
    winner_id: SalesforceId
    loser_id: SalesforceId
    # The loser's link fields as the after-delete trigger saw them (its record is gone afterwards).
    loser_values: dict[str, Any] = Field(default_factory=dict)
    commit_user: str | None = None


class RecordsMerged(Envelope):
    """Two Contacts or Accounts merged in Salesforce. event_id: the platform event's EventUuid."""

    event_type: Literal["salesforce.records.merged"]
    source: Literal["salesforce"] = "salesforce"
    data: RecordMerge

    def entity(self) -> EntityRef:
        # The loser's: it is merged once; a second merge naming it is the same merge again.
        return EntityRef(SALESFORCE, f"{self.data.object.lower()}-merge", self.data.loser_id)
