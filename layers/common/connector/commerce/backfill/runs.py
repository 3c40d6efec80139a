"""Starting a backfill and reading its progress: what the operator CLI (`scc backfill`) calls.

A run is started by writing its record and queueing its first chunk of each part (a customer list,
or the site for orders) on the backfill function's queue; the function does the rest, one message
per chunk (read its storefront pages, one Bulk API job) and per poll of that job.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connector.state.backfill_runs import BackfillRun, BackfillRunStore, RunState
from connector.value_types import TIMESTAMP_FORMAT, ExternalKey

# Records per Bulk API job. A job takes 150 MB of CSV, but the chunk's manifest (each record's
# version and fingerprint, kept in DynamoDB between the job's creation and its results) must fit
# one item's 400 KB: 5,000 records take ~150 KB compressed.
DEFAULT_RECORDS_PER_JOB = 5000
MAX_RECORDS_PER_JOB = 10000


class BackfillStep(BaseModel):
    """One message on the backfill queue: read and send a chunk, or poll its job."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    part: int = Field(ge=0)
    index: int = Field(ge=0)
    step: Literal["chunk", "poll"] = "chunk"
    polls: int = Field(default=0, ge=0)
    # Jobs of this chunk that failed as a whole so far (their unprocessed rows sent again): at the
    # queue's max receives, the step goes to the dead-letter queue (with 0 here, for a redrive).
    retries: int = Field(default=0, ge=0)
    # The storefront key (customer or order number) after which the chunk's records start.
    after: str | None = Field(default=None, max_length=256)


class RunProgress(BaseModel):
    """A run's figures: `scc backfill status` prints them (no personal data: counts and ids)."""

    run_id: str
    kind: Literal["customers", "orders"]
    state: Literal["RUNNING", "COMPLETE"]
    site_id: str
    parts: list[str]
    records_read: int
    records_written: int
    records_failed: int
    records_skipped: int
    salesforce_calls: int
    chunks_started: int
    chunks_done: int
    started_at: str
    updated_at: str
    finished_at: str | None = None
    records_per_second: float | None = None

    @classmethod
    def of(cls, run: BackfillRun) -> RunProgress:
        rate = None
        end = run.finished_at or run.updated_at
        if run.started_at and end:
            seconds = (_parse(end) - _parse(run.started_at)).total_seconds()
            done = run.records_written + run.records_failed + run.records_skipped
            rate = round(done / seconds, 1) if seconds > 0 else None
        return cls(
            run_id=run.run_id,
            kind="customers" if run.kind == "customers" else "orders",
            state="COMPLETE" if run.state is RunState.COMPLETE else "RUNNING",
            site_id=run.site_id,
            parts=list(run.parts),
            records_read=run.records_read,
            records_written=run.records_written,
            records_failed=run.records_failed,
            records_skipped=run.records_skipped,
            salesforce_calls=run.salesforce_calls,
            chunks_started=run.chunks_started,
            chunks_done=run.chunks_done,
            started_at=run.started_at,
            updated_at=run.updated_at,
            finished_at=run.finished_at,
            records_per_second=rate,
        )


def _ocapi_instant(moment: datetime) -> str:
    """An instant as OCAPI writes creation_date (`2026-02-01T10:00:00.000Z`), so that a range
    compares like with like."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, TIMESTAMP_FORMAT)


class CustomersRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_id: ExternalKey
    customer_list_ids: list[ExternalKey] = Field(min_length=1, max_length=50)
    records_per_job: int = Field(default=DEFAULT_RECORDS_PER_JOB, ge=1, le=MAX_RECORDS_PER_JOB)


class OrdersRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_id: ExternalKey
    created_from: datetime
    created_to: datetime
    records_per_job: int = Field(default=DEFAULT_RECORDS_PER_JOB, ge=1, le=MAX_RECORDS_PER_JOB)

    @field_validator("created_from", "created_to")
    @classmethod
    def _naive_is_utc(cls, moment: datetime) -> datetime:
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class BackfillRuns:
    """The backfill as the operator drives it: start a run, read its progress.

    Needs only the sync-state table and the backfill queue (a CLI builds it from the stack's
    outputs: `BackfillRuns(boto3.client("dynamodb"), table, boto3.client("sqs"), queue_url)`)."""

    def __init__(self, dynamodb: Any, table_name: str, sqs: Any, queue_url: str) -> None:
        self._store = BackfillRunStore(table_name, dynamodb)
        self._sqs = sqs
        self._queue_url = queue_url

    def start_customers(
        self,
        site_id: str,
        customer_list_ids: list[str],
        *,
        records_per_job: int = DEFAULT_RECORDS_PER_JOB,
        run_id: str | None = None,
    ) -> RunProgress:
        """Backfill every customer of these customer lists (of `site_id`) as Contacts."""
        request = CustomersRequest(
            site_id=site_id, customer_list_ids=customer_list_ids, records_per_job=records_per_job
        )
        parts = tuple(dict.fromkeys(request.customer_list_ids))
        return self._start("customers", request.site_id, parts, request.records_per_job, run_id)

    def start_orders(
        self,
        site_id: str,
        created_from: datetime,
        created_to: datetime,
        *,
        records_per_job: int = DEFAULT_RECORDS_PER_JOB,
        run_id: str | None = None,
    ) -> RunProgress:
        """Backfill the site's orders created in [created_from, created_to). Run it after the
        customers' backfill: an order links to its registered customer's Contact as a live
        order.created would, and finds it in the identity map the customers' run filled."""
        request = OrdersRequest(
            site_id=site_id, created_from=created_from, created_to=created_to, records_per_job=records_per_job
        )
        if request.created_to <= request.created_from:
            raise ValueError("created_to must be after created_from")
        return self._start(
            "orders",
            request.site_id,
            (request.site_id,),
            request.records_per_job,
            run_id,
            created_from=_ocapi_instant(request.created_from),
            created_to=_ocapi_instant(request.created_to),
        )

    def progress(self, run_id: str) -> RunProgress | None:
        run = self._store.run(run_id)
        return RunProgress.of(run) if run is not None else None

    def _start(
        self,
        kind: str,
        site_id: str,
        parts: tuple[str, ...],
        records_per_job: int,
        run_id: str | None,
        *,
        created_from: str | None = None,
        created_to: str | None = None,
    ) -> RunProgress:
        run_id = run_id or f"{kind}-{uuid.uuid4().hex[:12]}"
        BackfillStep(run_id=run_id, part=0, index=0)  # the run id must fit a step's
        run = BackfillRun(
            run_id=run_id,
            kind=kind,
            site_id=site_id,
            parts=parts,
            state=RunState.RUNNING,
            created_from=created_from,
            created_to=created_to,
            records_per_job=records_per_job,
        )
        self._store.create(run)
        for part in range(len(parts)):
            self._store.register_chunk(run_id, part, 0)
            send_step(self._sqs, self._queue_url, BackfillStep(run_id=run_id, part=part, index=0))
        progress = self.progress(run_id)
        assert progress is not None  # just created
        return progress


def send_step(sqs: Any, queue_url: str, step: BackfillStep, delay_seconds: int = 0) -> None:
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=step.model_dump_json(),
        DelaySeconds=min(max(delay_seconds, 0), 900),
    )
