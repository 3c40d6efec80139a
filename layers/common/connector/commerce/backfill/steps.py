"""The backfill function's work, one queue message at a time.

`chunk` (part p, index i): read the storefront pages of records [i*n, (i+1)*n) of part p, queue the
next chunk if there are more, map the records (connector.commerce.backfill.customers / .orders),
create one Bulk API upsert job, checkpoint its id, upload, close, and queue a `poll`. `poll`: the
job's state; when it is final, its results go to the sync state and the identity map and the
chunk is DONE, its counts added to the run in the same transaction.

A message may be delivered twice, or its invocation killed at any point; each step reads the
chunk's checkpoint first: a DONE chunk is acknowledged, a CLOSED one is polled, a job that was
created but not closed (an upload may or may not have happened) is aborted, so Salesforce never
processes it, and replaced. No job gets data unless its id is checkpointed first; upserts by
external id keep a record single in Salesforce whatever happens.

A job that failed as a whole (Failed or Aborted: a bad batch, the org's daily Bulk allocation used
up) leaves rows in `unprocessedrecords`, or out of every results file: those rows are sent again
in a new job, the chunk's message back on the queue with the triggers' backoff, until the queue's
max receives; then the step goes to the dead-letter queue (`scc dlq redrive backfill`), its rows
DEAD in the sync state, never counted written. A row Salesforce refused on its own (`failedResults`)
is its verdict on that record: FAILED with its error, not sent again.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from connector.commerce.backfill import customers, orders
from connector.commerce.backfill.batch import (
    BulkIngest,
    JobResults,
    Outcomes,
    Prepared,
    Settled,
    csv_rows,
    record_states,
    unreported,
)
from connector.commerce.backfill.guests import GuestContacts
from connector.commerce.backfill.runs import BackfillStep, send_step
from connector.observability import logger
from connector.services import Services
from connector.services.work_queue import backoff_seconds
from connector.state.backfill_runs import BackfillRun, BackfillRunStore, Chunk, ChunkState, RunState
from connector.state.sync_state import SyncStatus

# OCAPI search pages hold at most 200 hits.
PAGE_SIZE = 200
# Bulk API 2.0 job states after which nothing changes.
FINAL_JOB_STATES = frozenset({"JobComplete", "Failed", "Aborted"})
# How long to wait before looking at a job again: 2 s, doubling, at most a minute.
FIRST_POLL_SECONDS = 2
MAX_POLL_SECONDS = 60

KINDS: dict[str, ModuleType] = {"customers": customers, "orders": orders}


def run_step(services: Services, bulk: BulkIngest, store: BackfillRunStore, step: BackfillStep) -> None:
    """Do one queued step; raises what should make the message come back (a transient failure)."""
    run = store.run(step.run_id)
    if run is None:
        logger.warning("backfill step of an unknown run, dropped", extra={"run_id": step.run_id})
        return
    if run.state is RunState.COMPLETE or step.part >= len(run.parts):
        return
    calls_before = services.salesforce_calls()
    try:
        if step.step == "chunk":
            _chunk(services, bulk, store, run, step)
        else:
            _poll(services, bulk, store, run, step)
    finally:
        store.add_calls(run.run_id, services.salesforce_calls() - calls_before)
    store.finish_if_done(run.run_id)


def _chunk(services: Services, bulk: BulkIngest, store: BackfillRunStore, run: BackfillRun, step: BackfillStep) -> None:
    chunk = store.chunk(run.run_id, step.part, step.index)
    if chunk is None or chunk.state is ChunkState.DONE:
        return
    if chunk.state is ChunkState.CLOSED or (chunk.job_id is not None and _job_went_through(bulk, store, chunk)):
        _poll(services, bulk, store, run, step)  # closed by an earlier delivery: its results, if ready
        return
    kind = KINDS[run.kind]
    # Sent again after a job that failed as a whole: only the rows it did not process, read again
    # (the run counted them read already; the next chunk was queued by the first attempt).
    documents = _read(services, store, run, kind, step, follow=not chunk.retry)
    if chunk.retry:
        documents = [doc for doc in documents if kind.key_of(doc) in chunk.retry]
    if kind is orders:
        # The new guests' Contacts in a job of their own, before the orders' (which link to them).
        prepared: Prepared = orders.prepare(services, run, step.part, documents, GuestContacts(bulk, store, chunk))
    else:
        prepared = kind.prepare(services, run, step.part, documents)
    if chunk.retry:
        prepared.outcomes.read = 0
        _settle_gone(services, run, kind, chunk, documents, prepared.outcomes)
    if not prepared.rows:
        store.mark_done(chunk, prepared.outcomes.counts())
        return
    job = bulk.create_upsert_job(kind.SOBJECT, kind.EXTERNAL_ID)
    if not store.checkpoint_job(chunk, job.id, prepared.manifest, prepared.outcomes.counts()):
        bulk.abort(job.id)  # another delivery of this chunk checkpointed its own job first
        return
    bulk.upload(job.id, csv_rows(prepared.rows))
    closed = Chunk(chunk.run_id, chunk.part, chunk.index, ChunkState.JOB, job_id=job.id)
    bulk.close(job.id)
    store.mark_closed(closed)
    # A job of a few thousand rows is often done by now: one look at once, before any queued wait.
    _poll(services, bulk, store, run, step)


def _settle_gone(
    services: Services, run: BackfillRun, kind: ModuleType, chunk: Chunk, documents: list[Any], outcomes: Outcomes
) -> None:
    """Rows to send again that the storefront's pages no longer hold where the chunk reads them
    (the record left the list, or the site): FAILED saying so, for the next run to pick up."""
    found = {kind.key_of(doc) for doc in documents}
    gone: list[Settled] = [
        (key, version, SyncStatus.FAILED, "not processed by Salesforce, and gone from the storefront's pages since", {})
        for key, version in chunk.retry.items()
        if key not in found
    ]
    record_states(services, run, kind.ENTITY, gone)
    outcomes.failed += len(gone)


def _read(
    services: Services,
    store: BackfillRunStore,
    run: BackfillRun,
    kind: ModuleType,
    step: BackfillStep,
    *,
    follow: bool = True,
) -> list[Any]:
    """The chunk's documents, page by page, from the key after which the chunk starts (pages follow
    one another by key, not by offset: a record leaving the storefront between two chunks shifts no
    other past a chunk's end); queues the next chunk (once) when the part goes on, after this
    chunk's last key, else marks this chunk its part's last."""
    documents: list[Any] = []
    after = step.after
    more = False
    while len(documents) < run.records_per_job:
        wanted = min(PAGE_SIZE, run.records_per_job - len(documents))
        page, total = kind.read_page(services, run, step.part, after, wanted)
        documents.extend(page)
        more = total > len(page)
        last = kind.key_of(page[-1]) if page else None
        if not page or not more or last is None:
            more = more and last is not None
            break
        after = last
    if not follow:
        return documents
    if more:
        # Registered and sent again by a re-delivery: a chunk's second message finds it started.
        store.register_chunk(run.run_id, step.part, step.index + 1)
        send_step(
            services.sqs,
            services.settings.queue_url,
            BackfillStep(run_id=run.run_id, part=step.part, index=step.index + 1, after=after),
        )
    else:
        store.mark_last(run.run_id, step.part, step.index)
    return documents


def _job_went_through(bulk: BulkIngest, store: BackfillRunStore, chunk: Chunk) -> bool:
    """A redelivered chunk whose job was checkpointed: closed already (the invocation died before
    saying so) → True, poll it; still Open (its upload may have happened) → aborted, so that
    Salesforce never processes it, and the chunk is sent again in a new job → False."""
    assert chunk.job_id is not None
    job = bulk.job(chunk.job_id)
    if job.state in ("UploadComplete", "InProgress", "JobComplete"):
        store.mark_closed(chunk)
        return True
    if job.state == "Open":
        bulk.abort(chunk.job_id)
    return False


def _poll(services: Services, bulk: BulkIngest, store: BackfillRunStore, run: BackfillRun, step: BackfillStep) -> None:
    chunk = store.chunk(run.run_id, step.part, step.index)
    if chunk is None or chunk.state is not ChunkState.CLOSED or chunk.job_id is None:
        return
    job = bulk.job(chunk.job_id)
    if job.state not in FINAL_JOB_STATES:
        _queue_poll(services, step, step.polls + 1)
        return
    results = bulk.results(chunk.job_id)
    kind = KINDS[run.kind]
    # The rows the job did not process: in `unprocessedrecords`, or in no results file at all (a
    # job Failed before reading them, e.g. InvalidBatch): the job's failure, not the rows' own.
    unprocessed = {row.get(kind.EXTERNAL_ID) for row in results.unprocessed}
    unprocessed |= set(unreported(chunk.manifest, results, kind.EXTERNAL_ID))
    again = {key: entry[0] for key, entry in chunk.manifest.items() if key in unprocessed}
    settled = {key: entry for key, entry in chunk.manifest.items() if key not in again}
    outcomes: Outcomes = kind.record_results(
        services, run, settled, JobResults(successful=results.successful, failed=results.failed)
    )
    if again:
        _send_again(services, store, run, step, chunk, again, outcomes, job)
        return
    if not store.mark_done(chunk, outcomes.counts()):
        logger.info("backfill chunk done by another delivery", extra={"run_id": run.run_id})
    logger.info(
        "backfill chunk done",
        extra={
            "run_id": run.run_id,
            "part": step.part,
            "index": step.index,
            "job_state": job.state,
            "written": outcomes.written,
            "failed": outcomes.failed,
        },
    )


def _send_again(
    services: Services,
    store: BackfillRunStore,
    run: BackfillRun,
    step: BackfillStep,
    chunk: Chunk,
    again: dict[str, str],
    outcomes: Outcomes,
    job: Any,
) -> None:
    """The rows a job that failed as a whole did not process go in a new job: the chunk's step back
    on the queue with the triggers' backoff, or, at the queue's max receives, in the dead-letter
    queue (its rows DEAD). The message is sent before the chunk is marked (a step that dies in
    between is read again and sends it again: a second message finds the chunk's new job)."""
    last = step.retries + 1 >= services.settings.max_receive_count
    # The job's error code only (`ExceededQuota : ...`): its message is Salesforce's prose.
    code = str(job.error_message or "").split(":", 1)[0].strip()[:64]
    why = f"not processed by Salesforce: the Bulk API job ended {job.state}" + (f" ({code})" if code else "")
    kind = KINDS[run.kind]
    if last:
        text = f"{why}; its backfill step is in the dead-letter queue after {step.retries + 1} jobs"
        parked = step.model_copy(update={"step": "chunk", "polls": 0, "retries": 0})
        services.queue.dead_letter(
            parked.model_dump_json(),
            event_type="backfill.step",
            event_id=f"{run.run_id}:{step.part}:{step.index}",
            error=text,
        )
    else:
        text = f"{why}; sent again in a new job"
        retry = step.model_copy(update={"step": "chunk", "polls": 0, "retries": step.retries + 1})
        delay = backoff_seconds(step.retries + 1, services.settings.retry_base_seconds)
        send_step(services.sqs, services.settings.queue_url, retry, delay_seconds=delay)
    status = SyncStatus.DEAD if last else SyncStatus.QUEUED
    record_states(services, run, kind.ENTITY, [(key, version, status, text, {}) for key, version in again.items()])
    store.mark_retry(chunk, again, outcomes.counts())
    logger.warning(
        "backfill job failed as a whole; its unprocessed rows are sent again"
        if not last
        else "backfill job failed as a whole again; its step is dead-lettered",
        extra={
            "run_id": run.run_id,
            "part": step.part,
            "index": step.index,
            "job_state": job.state,
            "rows": len(again),
        },
    )


def _queue_poll(services: Services, step: BackfillStep, polls: int) -> None:
    delay = min(FIRST_POLL_SECONDS * 2 ** min(polls, 10), MAX_POLL_SECONDS)
    send_step(
        services.sqs,
        services.settings.queue_url,
        step.model_copy(update={"step": "poll", "polls": polls}),
        delay_seconds=delay,
    )
