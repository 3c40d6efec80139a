"""`connector.state.backfill_runs`: a backfill run's checkpoints, each count added once however often
a re-delivered message asks, and a run COMPLETE only when every part was read and every chunk done."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connector.commerce.backfill import BackfillRuns
from connector.state.backfill_runs import BackfillRun, BackfillRunStore, ChunkState, RunState


@pytest.fixture
def store(dynamodb: Any, sync_table: str) -> BackfillRunStore:
    store = BackfillRunStore(sync_table, dynamodb)
    store.create(BackfillRun("run-1", "customers", "RefArch", ("ListA", "ListB"), RunState.RUNNING))
    return store


def run_of(store: BackfillRunStore) -> BackfillRun:
    run = store.run("run-1")
    assert run is not None
    return run


def test_a_chunk_registered_twice_is_counted_once(store: BackfillRunStore) -> None:
    store.register_chunk("run-1", 0, 0)
    store.register_chunk("run-1", 0, 0)

    assert run_of(store).chunks_started == 1
    chunk = store.chunk("run-1", 0, 0)
    assert chunk is not None and chunk.state is ChunkState.REGISTERED


def test_a_chunk_marked_done_twice_adds_its_counts_once(store: BackfillRunStore) -> None:
    store.register_chunk("run-1", 0, 0)
    chunk = store.chunk("run-1", 0, 0)
    assert chunk is not None

    first = store.mark_done(chunk, {"records_written": 7, "records_failed": 1})
    again = store.mark_done(chunk, {"records_written": 7, "records_failed": 1})

    run = run_of(store)
    assert (first, again) == (True, False)
    assert (run.records_written, run.records_failed, run.chunks_done) == (7, 1, 1)


def test_what_a_chunk_settled_before_its_job_is_counted_with_its_results(store: BackfillRunStore) -> None:
    store.register_chunk("run-1", 0, 0)
    chunk = store.chunk("run-1", 0, 0)
    assert chunk is not None
    store.checkpoint_job(chunk, "750000000000001", {"B1": ["v", "d"]}, {"records_read": 3, "records_skipped": 1})

    checkpointed = store.chunk("run-1", 0, 0)
    assert checkpointed is not None
    store.mark_done(checkpointed, {"records_written": 2})

    run = run_of(store)
    assert (run.records_read, run.records_skipped, run.records_written) == (3, 1, 2)


def _closed_chunk(store: BackfillRunStore, job_id: str, manifest: dict[str, list[str]], pre: dict[str, int]) -> Any:
    chunk = store.chunk("run-1", 0, 0)
    assert chunk is not None
    assert store.checkpoint_job(chunk, job_id, manifest, pre)
    checkpointed = store.chunk("run-1", 0, 0)
    assert checkpointed is not None and store.mark_closed(checkpointed)
    closed = store.chunk("run-1", 0, 0)
    assert closed is not None
    return closed


def test_a_chunk_whose_job_failed_as_a_whole_is_registered_again_with_the_rows_to_send_again(
    store: BackfillRunStore,
) -> None:
    # Given a chunk whose closed job processed one of its two rows
    store.register_chunk("run-1", 0, 0)
    closed = _closed_chunk(store, "750000000000001", {"B1": ["v1", "d"], "B2": ["v2", "d"]}, {"records_read": 2})

    # When its unprocessed row is marked to be sent again
    marked = store.mark_retry(closed, {"B2": "v2"}, {"records_written": 1})

    # Then the chunk waits for a new job with that row, and the run shows what the job settled
    again = store.chunk("run-1", 0, 0)
    assert marked and again is not None
    assert (again.state, again.job_id, again.retry) == (ChunkState.REGISTERED, None, {"B2": "v2"})
    run = run_of(store)
    assert (run.records_read, run.records_written, run.chunks_done) == (2, 1, 0)


def test_a_failed_job_marked_twice_adds_its_counts_once(store: BackfillRunStore) -> None:
    store.register_chunk("run-1", 0, 0)
    closed = _closed_chunk(store, "750000000000001", {"B1": ["v1", "d"], "B2": ["v2", "d"]}, {"records_read": 2})

    first = store.mark_retry(closed, {"B2": "v2"}, {"records_written": 1})
    second = store.mark_retry(closed, {"B2": "v2"}, {"records_written": 1})  # a re-delivery of the same poll

    assert (first, second) == (True, False)
    assert (run_of(store).records_read, run_of(store).records_written) == (2, 1)


def test_the_job_sending_rows_again_adds_only_its_own_counts_when_the_chunk_is_done(store: BackfillRunStore) -> None:
    # Given a chunk whose first job wrote one row and left one to send again
    store.register_chunk("run-1", 0, 0)
    closed = _closed_chunk(store, "750000000000001", {"B1": ["v1", "d"], "B2": ["v2", "d"]}, {"records_read": 2})
    store.mark_retry(closed, {"B2": "v2"}, {"records_written": 1})

    # When its second job writes the other
    second = _closed_chunk(store, "750000000000002", {"B2": ["v2", "d"]}, {})
    store.mark_done(second, {"records_written": 1})

    # Then the run counts each row once
    run = run_of(store)
    assert (run.records_read, run.records_written, run.chunks_done) == (2, 2, 1)


def test_a_second_job_for_the_same_chunk_is_not_checkpointed(store: BackfillRunStore) -> None:
    store.register_chunk("run-1", 0, 0)
    chunk = store.chunk("run-1", 0, 0)
    assert chunk is not None

    first = store.checkpoint_job(chunk, "750000000000001", {}, {})
    second = store.checkpoint_job(chunk, "750000000000002", {}, {})  # another delivery, read before the first

    checkpointed = store.chunk("run-1", 0, 0)
    assert (first, second) == (True, False)
    assert checkpointed is not None and checkpointed.job_id == "750000000000001"


def test_a_run_is_complete_only_once_every_part_was_read_and_every_chunk_done(store: BackfillRunStore) -> None:
    for part in (0, 1):
        store.register_chunk("run-1", part, 0)
    store.mark_last("run-1", 0, 0)
    store.mark_last("run-1", 0, 0)  # a re-delivery
    for part in (0, 1):
        chunk = store.chunk("run-1", part, 0)
        assert chunk is not None
        store.mark_done(chunk, {})

    not_yet = store.finish_if_done("run-1")
    store.mark_last("run-1", 1, 0)
    done = store.finish_if_done("run-1")

    assert (not_yet, done) == (False, True)
    assert run_of(store).state is RunState.COMPLETE


def test_starting_a_run_queues_the_first_chunk_of_each_customer_list(dynamodb: Any, sync_table: str, sqs: Any) -> None:
    queue = sqs.create_queue(QueueName="backfill")["QueueUrl"]
    runs = BackfillRuns(dynamodb, sync_table, sqs, queue)

    progress = runs.start_customers("RefArch", ["ListA", "ListB"], run_id="customers-1")

    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    steps = sorted((json.loads(m["Body"])["part"], json.loads(m["Body"])["index"]) for m in messages)
    assert steps == [(0, 0), (1, 0)]
    assert (progress.state, progress.parts, progress.chunks_started) == ("RUNNING", ["ListA", "ListB"], 2)


def test_an_order_run_needs_its_date_range_in_order(dynamodb: Any, sync_table: str, sqs: Any) -> None:
    from datetime import UTC, datetime

    runs = BackfillRuns(dynamodb, sync_table, sqs, sqs.create_queue(QueueName="backfill")["QueueUrl"])

    with pytest.raises(ValueError, match="created_to"):
        runs.start_orders("RefArch", datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))


def test_an_order_runs_date_range_is_kept_as_ocapi_writes_creation_date(
    dynamodb: Any, sync_table: str, sqs: Any
) -> None:
    from datetime import datetime, timedelta, timezone

    runs = BackfillRuns(dynamodb, sync_table, sqs, sqs.create_queue(QueueName="backfill")["QueueUrl"])
    paris = timezone(timedelta(hours=1))

    runs.start_orders("RefArch", datetime(2026, 2, 1), datetime(2026, 3, 1, 1, tzinfo=paris), run_id="orders-1")

    run = BackfillRunStore(sync_table, dynamodb).run("orders-1")
    assert run is not None
    assert (run.created_from, run.created_to) == ("2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z")


def test_a_stale_delivery_cannot_give_a_done_chunk_a_new_job(store: BackfillRunStore) -> None:
    # Given a delivery that read the chunk while its first job was being created (state JOB)
    store.register_chunk("run-1", 0, 0)
    registered = store.chunk("run-1", 0, 0)
    assert registered is not None
    store.checkpoint_job(registered, "750000000000001", {"B1": ["v", "d"]}, {})
    stale = store.chunk("run-1", 0, 0)
    assert stale is not None
    # and the first delivery then closed the job and recorded its results
    store.mark_closed(stale)
    store.mark_done(stale, {"records_written": 1})

    # When the stale delivery checkpoints a replacement job
    replaced = store.checkpoint_job(stale, "750000000000002", {"B1": ["v", "d"]}, {})

    # Then it is refused: the chunk stays DONE with its job, and nothing is sent twice
    chunk = store.chunk("run-1", 0, 0)
    assert replaced is False
    assert chunk is not None and (chunk.state, chunk.job_id) == (ChunkState.DONE, "750000000000001")


def test_a_late_close_does_not_reopen_a_done_chunk(store: BackfillRunStore) -> None:
    store.register_chunk("run-1", 0, 0)
    registered = store.chunk("run-1", 0, 0)
    assert registered is not None
    store.checkpoint_job(registered, "750000000000001", {"B1": ["v", "d"]}, {})
    job = store.chunk("run-1", 0, 0)
    assert job is not None
    store.mark_closed(job)
    store.mark_done(job, {"records_written": 1})

    store.mark_closed(job)  # a delivery that saw the job UploadComplete before it was done

    chunk = store.chunk("run-1", 0, 0)
    assert chunk is not None and chunk.state is ChunkState.DONE
