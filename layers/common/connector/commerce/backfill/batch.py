"""What a chunk of a backfill is, whatever it holds (customers or orders): the storefront documents
it read, the rows it sends in one Bulk API job, and what the job's results mean for the sync state
and the identity map."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from connector.clients.salesforce_bulk import row_error
from connector.envelope import EntityRef, normalize_version, sync_key
from connector.errors import EntityBusy, MappingError, NotFoundError, TransientError
from connector.salesforce import SalesforceError
from connector.services import Services
from connector.state.backfill_runs import BackfillRun
from connector.state.sync_state import SyncState, SyncStatus

# The event type a backfilled record's sync state names (no event was received for it).
EVENT_TYPES = {"customer": "backfill.customer", "order": "backfill.order"}
# A record's end in a chunk: (key, version, status, error, Salesforce ids).
Settled = tuple[str, str, SyncStatus, str | None, dict[str, str]]


class BulkJobView(Protocol):
    id: str
    state: str


class BulkResultsView(Protocol):
    successful: list[dict[str, str]]
    failed: list[dict[str, str]]
    unprocessed: list[dict[str, str]]


class BulkIngest(Protocol):
    """The Bulk API 2.0 ingest calls a backfill makes (connector.clients.salesforce_bulk)."""

    def create_upsert_job(self, sobject: str, external_id_field: str) -> Any: ...
    def create_insert_job(self, sobject: str) -> Any: ...
    def upload(self, job_id: str, rows: Sequence[Mapping[str, str]]) -> None: ...
    def close(self, job_id: str) -> Any: ...
    def abort(self, job_id: str) -> Any: ...
    def job(self, job_id: str) -> Any: ...
    def results(self, job_id: str) -> Any: ...


@dataclass(frozen=True)
class JobResults:
    """The rows of a job's results that settle their records: written, or refused on their own."""

    successful: list[dict[str, str]]
    failed: list[dict[str, str]]


@dataclass
class Outcomes:
    """What a chunk did, record by record, before and after its job: the run's counts."""

    read: int = 0
    written: int = 0
    failed: int = 0
    skipped: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "records_read": self.read,
            "records_written": self.written,
            "records_failed": self.failed,
            "records_skipped": self.skipped,
        }

    def add(self, other: Outcomes) -> None:
        self.read += other.read
        self.written += other.written
        self.failed += other.failed
        self.skipped += other.skipped


@dataclass
class Prepared:
    """A chunk ready for its job: the CSV rows and, per key, [version, fingerprint, ...] to record
    once the job's results are in; plus what was settled without the job (counted already)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    manifest: dict[str, list[str]] = field(default_factory=dict)
    outcomes: Outcomes = field(default_factory=Outcomes)


def backfill_version(stamp: str | None, run: BackfillRun) -> str:
    """The record's version in the sync state: the storefront's last_modified, as a live event's
    occurred_at is (so a live event newer than the storefront's copy still wins, an older one is
    stale), the run's event id breaking a tie the way two events of one instant are."""
    moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) if stamp else datetime.fromtimestamp(0)
    return normalize_version(moment, event_id_of(run))


def document_key(document: Any, number_field: str, secret: str) -> str:
    """The sync-state key of a storefront document the backfill settles: its number (customer_no,
    order_no); without one (a document the mapping refuses), a key of its own all the same, so
    that two such documents never share one state: a customer's email's keyed hash, as an opt-in's
    entity is keyed (`connector.envelope.sync_key`: no email in a DynamoDB key or a request path),
    else the keyed hash of the whole document (two orders of one guest share an email)."""
    if isinstance(document, dict):
        number = document.get(number_field)
        if number is not None and str(number).strip():
            return str(number)
        email = document.get("email")
        if isinstance(email, str) and email.strip():
            return sync_key(secret, email)
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def commerce_secret(services: Services) -> str:
    """The commerce family's webhook secret, the key of `document_key`'s hashes."""
    secret = services.webhook_secret("commerce")
    if not secret:
        raise TransientError("no commerce webhook secret to key a storefront document with")
    return secret


def event_id_of(run: BackfillRun) -> str:
    return f"backfill-{run.run_id}"


def newer_than(states: dict[str, SyncState], ref: EntityRef, version: str) -> bool:
    """A live event (or a later backfill) of the entity already holds a newer version."""
    state = states.get(ref.pk)
    return state is not None and state.source_version > version


def csv_value(value: Any) -> str:
    """A field as the Bulk API's CSV takes it: booleans `true`/`false`, numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_rows(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Every row with every column (a CSV has one header): an empty cell leaves the field as it is
    on an update, as a field left out of a REST upsert does."""
    columns = list(dict.fromkeys(name for row in rows for name in row))
    return [{name: csv_value(row[name]) if row.get(name) is not None else "" for name in columns} for row in rows]


def refusal_text(row: Mapping[str, str]) -> str:
    """A refused row's error for its sync state: Salesforce's code and the fields it names, not its
    message, which may quote the row's values (an email, a name)."""
    error = row_error(row)
    return f"Salesforce refused the record: {error.error_code}" + (
        f" on {', '.join(error.fields)}" if error.fields else ""
    )


def failure_text(exc: BaseException) -> str:
    """A record's failure (written through the live workflow) for its sync state: Salesforce's code
    and the fields it names, or our own mapping error; never an exception's message, which quotes
    the record's values (an email, a name)."""
    if isinstance(exc, SalesforceError):
        fields = sorted({name for detail in exc.details for name in detail.fields})
        return f"Salesforce refused the record: {exc.error_code}" + (f" on {', '.join(fields)}" if fields else "")
    if isinstance(exc, MappingError | NotFoundError):
        return f"{type(exc).__name__}: {exc.loc} {exc.msg}"[:1000]
    return type(exc).__name__


@contextmanager
def entity_claimed(services: Services, entity: str, key: str, run: BackfillRun) -> Iterator[None]:
    """Hold the entity's claim, the one the pipeline holds around each live sync event, while the
    backfill writes it through the live workflow: a live event of it (or another delivery of the same
    chunk) running meanwhile would make a second guest Contact. Not obtained: EntityBusy, and the
    chunk's message comes back later."""
    claim = EntityRef("commerce", entity, key).pk
    owner = f"{event_id_of(run)}:{uuid.uuid4().hex}"  # each delivery its own: they exclude each other
    if not services.claims.acquire("entity", claim, owner):
        raise EntityBusy("another event of the entity is being synced; the backfill's chunk is retried later")
    try:
        yield
    finally:
        services.claims.release("entity", claim, owner)


def settle_live_write(exc: Exception) -> str:
    """The FAILED text of a record the live workflow could not write; a transient failure (Salesforce
    down, busy, over its limits) is raised again instead, so the chunk's message comes back and the
    record is written later rather than FAILED for good."""
    if isinstance(exc, TransientError):
        raise exc
    return failure_text(exc)


def unreported(manifest: Mapping[str, list[str]], results: BulkResultsView, key_field: str) -> list[str]:
    """The rows a job's three result files leave out (a job that Failed before reading them): each
    sent row must end written or FAILED, never unaccounted for."""
    reported = {
        row.get(key_field) for rows in (results.successful, results.failed, results.unprocessed) for row in rows
    }
    return [key for key in manifest if key not in reported]


def record_states(
    services: Services,
    run: BackfillRun,
    entity: str,
    settled: list[Settled],
) -> list[str]:
    """Write the sync state of each (key, version, status, error, salesforce ids), unless the entity
    meanwhile took a newer version (a live event while the job ran); those keys are returned: the
    job wrote over newer data, which the caller then gives back to its live event."""
    refs = {key: EntityRef("commerce", entity, key) for key, *_ in settled}
    current = services.sync_state.get_many(list(refs.values()))
    superseded: list[str] = []
    states: list[SyncState] = []
    for key, version, status, error, ids in settled:
        ref = refs[key]
        existing = current.get(ref.pk)
        if existing is not None and existing.source_version > version:
            superseded.append(key)
            continue
        states.append(
            SyncState(
                ref=ref,
                status=status,
                source_version=version,
                event_id=event_id_of(run),
                event_type=EVENT_TYPES[entity],
                attempts=1,
                last_error=error,
                salesforce_ids=ids,
                created_at=existing.created_at if existing else "",
            )
        )
    services.sync_state.put_many(states)
    return superseded


def give_back_to_live_events(services: Services, entity: str, keys: list[str]) -> None:
    """The job overwrote records a newer live event had written meanwhile: that event is queued again
    on its trigger's queue (its sync state keeps the envelope and the queue), so the newer data wins.
    Its state goes back to QUEUED first: a SYNCED event's redelivery is dropped as a duplicate. The
    caller has forgotten the identity map's fingerprint, so the event writes rather than skip as
    unchanged."""
    if not keys:
        return
    current = services.sync_state.get_many([EntityRef("commerce", entity, key) for key in keys])
    for state in current.values():
        if state.envelope and state.queue_url and not state.event_id.startswith("backfill-"):
            services.sync_state.transition(state.ref, version=state.source_version, status=SyncStatus.QUEUED)
            services.queue.send(
                state.envelope, event_type=state.event_type, event_id=state.event_id, queue_url=state.queue_url
            )
