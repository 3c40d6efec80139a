"""The loyalty customer's parent record in Salesforce (a Contact, or a person Account, per
`loyalty.parent_object`), as the customer workflows read and write it.

Salesforce calls are few and counted: a record is read once, with only its mapped fields and its
external-id field; the platform's values are compared with what it holds, and only the fields that
differ are written, in one update (none when nothing differs). When Salesforce is down while an
action is applied on the loyalty platform, the record's update is queued as the internal event
`loyalty.parent_record_update` (decoded from the trigger's queue only, like the audit), and
retried with the pipeline's backoff: the action's answer never waits for Salesforce to come back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from connector.config._base import ApiName
from connector.config.loyalty import LoyaltyConfig, ParentObject
from connector.envelope import Envelope, Outcome
from connector.errors import IneligibleEvent, NotFoundError
from connector.observability import logger
from connector.salesforce.errors import SalesforceError
from connector.salesforce.soql import soql_quote
from connector.services import Services
from connector.value_types import SalesforceId

PARENT_RECORD_EVENT_TYPE = "loyalty.parent_record_update"
# Salesforce's answers for an Id that names no record of the object (a wrong Id, another object's Id).
_NO_SUCH_RECORD = frozenset({"NOT_FOUND", "MALFORMED_ID", "INVALID_ID_FIELD", "ENTITY_IS_DELETED"})


@dataclass(frozen=True)
class ParentRecord:
    """A parent record as read: its Id and the values of its mapped and external-id fields."""

    sobject: ParentObject
    id: str
    values: dict[str, Any]


def full_salesforce_id(record_id: str) -> str:
    """The 18-character form of a Salesforce Id (a 15-character one gets its case-checksum suffix, as
    Salesforce documents it): an Id that becomes a customer's external id is one key, whichever form
    the caller sent."""
    if len(record_id) != 15:
        return record_id
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(record_id[start : start + 5]) if "A" <= ch <= "Z")
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return record_id + suffix


def record_fields(config: LoyaltyConfig) -> list[str]:
    """The fields a read asks for: the mapped fields of the parent object and its external-id field."""
    return list(dict.fromkeys([*config.mapping().values(), config.external_id_field]))


def email_field(config: LoyaltyConfig) -> str:
    """The parent object's email field (the mapping's, else the object's standard one)."""
    return config.mapping().get("email") or ("Email" if config.parent_object == "Contact" else "PersonEmail")


def no_such_record(exc: SalesforceError) -> bool:
    return exc.error_code in _NO_SUCH_RECORD


def read_record(services: Services, record_id: str, loc: Sequence[str | int]) -> ParentRecord:
    """One read of the record's mapped fields (NotFoundError at `loc` when there is no such record)."""
    config = services.settings.config.loyalty
    fields = record_fields(config)
    try:
        found = services.salesforce.get(config.parent_object, record_id, fields)
    except SalesforceError as exc:
        if no_such_record(exc):
            raise NotFoundError(list(loc), f"Salesforce has no {config.parent_object} with this Id") from exc
        raise
    return ParentRecord(config.parent_object, record_id, {name: found.get(name) for name in fields})


def find_record_id(services: Services, *, external_id: str | None, email: str | None) -> str | None:
    """The parent record of a customer who named no record: by the external-id field, else by the
    email field, in one escaped query (the oldest record when several match)."""
    config = services.settings.config.loyalty
    if external_id:
        where = f"{config.external_id_field} = {soql_quote(external_id)}"
    elif email:
        where = f"{email_field(config)} = {soql_quote(email)}"
    else:
        return None
    soql = f"SELECT Id FROM {config.parent_object} WHERE {where} ORDER BY CreatedDate ASC LIMIT 1"
    rows = services.salesforce.query(soql)
    return str(rows[0]["Id"]) if rows else None


def write_record(services: Services, record_id: str, fields: Mapping[str, Any], loc: Sequence[str | int]) -> None:
    """One update of the record (NotFoundError at `loc` when there is no such record)."""
    config = services.settings.config.loyalty
    try:
        services.salesforce.update(config.parent_object, record_id, dict(fields))
    except SalesforceError as exc:
        if no_such_record(exc):
            raise NotFoundError(list(loc), f"Salesforce has no {config.parent_object} with this Id") from exc
        raise


def _same(held: Any, wanted: Any, *, casefold: bool = False) -> bool:
    """Equal as Salesforce and the platform mean it: an empty text is no value; emails ignore case."""
    if held in (None, "") and wanted in (None, ""):
        return True
    if isinstance(held, str) and isinstance(wanted, str):
        return held.casefold() == wanted.casefold() if casefold else held == wanted
    return bool(held == wanted)


def platform_changes(config: LoyaltyConfig, record: ParentRecord, customer: Mapping[str, Any]) -> dict[str, Any]:
    """The record's mapped fields whose value differs from the platform's. An empty platform value
    never clears a Salesforce field: an unset loyalty field is no deletion (and LastName is required)."""
    email = email_field(config)
    changes: dict[str, Any] = {}
    for loyalty_field, salesforce_field in config.mapping().items():
        wanted = customer.get(loyalty_field)
        if wanted in (None, ""):
            continue
        if not _same(record.values.get(salesforce_field), wanted, casefold=salesforce_field == email):
            changes[salesforce_field] = wanted
    return changes


def sync_record_from_loyalty(services: Services, record: ParentRecord, customer: Mapping[str, Any]) -> list[str]:
    """Write the platform's values into the record's mapped fields that differ: at most one update,
    none when nothing differs. The names of the fields written."""
    changes = platform_changes(services.settings.config.loyalty, record, customer)
    if changes:
        write_record(services, record.id, changes, ["salesforce_id"])
    return sorted(changes)


# -- the queued update ---------------------------------------------------------------------------
class ParentRecordUpdateData(BaseModel):
    """What to write on the parent record once Salesforce answers again. `loyalty_fields` are read
    from the platform when the update runs (so two queued updates of one field end with the
    platform's latest value, whatever their order); `values` are written as they are (the external
    id an enrolment gave the record)."""

    model_config = ConfigDict(extra="forbid")

    action_event_id: str = Field(min_length=1, max_length=128)
    sobject: ParentObject
    salesforce_id: SalesforceId | None = None
    external_id: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=80)
    customer_id: str = Field(min_length=1, max_length=128)
    loyalty_fields: tuple[str, ...] = ()
    values: dict[ApiName, str] = Field(default_factory=dict)


class ParentRecordUpdate(Envelope, entity="loyalty_parent_record", key="data.action_event_id"):
    """The internal event a customer action queues when Salesforce is down (`Trigger.internal`)."""

    event_type: Literal["loyalty.parent_record_update"]
    source: Literal["loyalty"] = "loyalty"
    data: ParentRecordUpdateData


def queued_event_id(action_event_id: str) -> str:
    """`<action event_id>.record`; a long one is shortened by a digest, as the audit's is: cut short
    alone, two actions whose ids share 121 characters would share one id, and the second record
    update would be dropped as a replay of the first."""
    candidate = f"{action_event_id}.record"
    if len(candidate) <= 128:
        return candidate
    digest = hashlib.sha256(action_event_id.encode()).hexdigest()[:32]
    return f"{action_event_id[:88]}.{digest}.record"


def queue_record_update(services: Services, data: ParentRecordUpdateData) -> None:
    """Queue the record's update for later. Never raises: the action is applied on the platform, and
    failing its answer now would make the agent's retry apply it twice; a queue that refuses is
    logged (with the event id) for an operator."""
    event = ParentRecordUpdate(
        event_id=queued_event_id(data.action_event_id),
        event_type="loyalty.parent_record_update",
        occurred_at=datetime.now(UTC),
        data=data,
    )
    try:
        services.queue.send(event.model_dump_json(), event_type=event.event_type, event_id=event.event_id)
    except Exception as exc:
        logger.error(
            "the parent record's update could not be queued",
            extra={"error": type(exc).__name__, "action_event_id": data.action_event_id},
        )


def apply_queued_record_update(event: ParentRecordUpdate, services: Services) -> Outcome:
    """The queue's consumer: the record found (by its Id, else its key), the values written."""
    data = event.data
    record_id = data.salesforce_id or find_record_id(services, external_id=data.external_id, email=data.email)
    if record_id is None:
        raise IneligibleEvent("no Salesforce record holds the customer's key")
    values: dict[str, Any] = dict(data.values)
    if data.loyalty_fields:
        try:
            customer = services.loyalty.get_user(data.customer_id)
        except NotFoundError:
            raise IneligibleEvent("the loyalty customer is gone (merged away)") from None
        mapping = services.settings.config.loyalty.mapping()
        values.update({mapping[f]: customer.get(f) for f in data.loyalty_fields if f in mapping})
    if not values:
        raise IneligibleEvent("nothing to write")
    try:
        services.salesforce.update(data.sobject, record_id, values)
    except SalesforceError as exc:
        if no_such_record(exc):
            raise IneligibleEvent(f"Salesforce has no {data.sobject} with this Id") from exc
        raise
    return Outcome(ids={data.sobject: record_id})
