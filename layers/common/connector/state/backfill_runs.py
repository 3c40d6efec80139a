"""Backfill runs and their checkpoints in DynamoDB: a run outlives one invocation.

A run (`backfill#<run id>`, sk RUN) holds what was asked and the counts so far. Its work is cut in
chunks, one Bulk API job each (sk `CHUNK#<part>#<index>`: part = which customer list, or the site):
a chunk is registered once (a conditional put; the run counts it once, keeping the set it counted),
its job id is checkpointed before the job gets any data, and its counts are added to the run in one
conditional update that also records it among the run's done chunks, so a re-delivered message
never counts twice (no transaction: one item each time).
"""

from __future__ import annotations

import contextlib
import json
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from connector.errors import PermanentError
from connector.state._dynamo import from_item, now_iso, to_item

RUN_SK = "RUN"
# A DynamoDB item holds 400 KB; the chunk's other attributes take a few hundred bytes.
MAX_MANIFEST_BYTES = 380_000
COUNTS = ("records_read", "records_written", "records_failed", "records_skipped", "salesforce_calls")


class RunState(StrEnum):
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"


class ChunkState(StrEnum):
    REGISTERED = "REGISTERED"  # its message is on the queue (again, with `retry`, after a job Failed)
    JOB = "JOB"  # a job was created for it (job_id); data may or may not have been uploaded
    CLOSED = "CLOSED"  # uploaded and closed: Salesforce processes it, nothing is sent again
    DONE = "DONE"  # results recorded, counts added to the run


@dataclass(frozen=True)
class BackfillRun:
    """A backfill run as the operator sees it (`scc backfill status`)."""

    run_id: str
    kind: str  # customers | orders
    site_id: str
    parts: tuple[str, ...]  # the customer list ids, or (site_id,) for orders
    state: RunState
    created_from: str | None = None  # orders: creation_date range, RFC 3339
    created_to: str | None = None
    records_per_job: int = 5000
    records_read: int = 0
    records_written: int = 0
    records_failed: int = 0
    records_skipped: int = 0  # newer in the sync state (a live event), or unchanged since last written
    salesforce_calls: int = 0
    chunks_started: int = 0
    chunks_done: int = 0
    parts_read: int = 0
    started_at: str = ""
    updated_at: str = ""
    finished_at: str | None = None


@dataclass(frozen=True)
class Chunk:
    run_id: str
    part: int
    index: int
    state: ChunkState
    job_id: str | None = None
    last: bool = False  # the part's last chunk (the storefront had nothing after it)
    # key -> (version, fingerprint) of what the job writes, compressed (a DynamoDB item holds 400 KB).
    manifest: dict[str, list[str]] = field(default_factory=dict)
    # What the chunk settled before its job (read, skipped, converted, invalid): added to the run
    # with the job's own counts when the chunk is DONE, so that a re-delivery never counts twice.
    pre_counts: dict[str, int] = field(default_factory=dict)
    # After a job that failed as a whole (Failed or Aborted, rows unprocessed): key -> version of the
    # rows it did not process, sent again in a new job.
    retry: dict[str, str] = field(default_factory=dict)
    # An orders chunk's Bulk insert job of its new guest Contacts, while it runs (before the
    # chunk's own job: the orders link to them).
    guest_job: str | None = None


def _pk(run_id: str) -> str:
    return f"backfill#{run_id}"


def _chunk_sk(part: int, index: int) -> str:
    return f"CHUNK#{part:04d}#{index:06d}"


class BackfillRunStore:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._ddb = client

    # -- runs ----------------------------------------------------------------------------------
    def create(self, run: BackfillRun) -> None:
        item = {
            "pk": _pk(run.run_id),
            "sk": RUN_SK,
            "kind": run.kind,
            "site_id": run.site_id,
            "parts": list(run.parts),
            "state": run.state.value,
            "created_from": run.created_from,
            "created_to": run.created_to,
            "records_per_job": run.records_per_job,
            "started_at": run.started_at or now_iso(),
            "updated_at": now_iso(),
            **dict.fromkeys((*COUNTS, "chunks_started", "chunks_done", "parts_read"), 0),
        }
        self._ddb.put_item(TableName=self._table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)")

    def run(self, run_id: str) -> BackfillRun | None:
        resp = self._ddb.get_item(
            TableName=self._table, Key=to_item({"pk": _pk(run_id), "sk": RUN_SK}), ConsistentRead=True
        )
        if "Item" not in resp:
            return None
        data = from_item(resp["Item"])
        return BackfillRun(
            run_id=run_id,
            kind=data["kind"],
            site_id=data["site_id"],
            parts=tuple(data["parts"]),
            state=RunState(data["state"]),
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            records_per_job=int(data["records_per_job"]),
            **{name: int(data.get(name, 0)) for name in (*COUNTS, "chunks_started", "chunks_done", "parts_read")},
            started_at=data.get("started_at", ""),
            updated_at=data.get("updated_at", ""),
            finished_at=data.get("finished_at"),
        )

    def finish_if_done(self, run_id: str) -> bool:
        """COMPLETE once every part was read to its end and every chunk is done (conditional: the
        last two chunks may finish together)."""
        run = self.run(run_id)
        if run is None or run.state is RunState.COMPLETE:
            return False
        if run.parts_read < len(run.parts) or run.chunks_done < run.chunks_started:
            return False
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key=to_item({"pk": _pk(run_id), "sk": RUN_SK}),
                UpdateExpression="SET #state = :done, finished_at = :now, updated_at = :now",
                ConditionExpression="#state = :running AND chunks_done = chunks_started AND parts_read = :parts",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_item(
                    {
                        ":done": RunState.COMPLETE.value,
                        ":running": RunState.RUNNING.value,
                        ":now": now_iso(),
                        ":parts": len(run.parts),
                    }
                ),
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def add_calls(self, run_id: str, salesforce_calls: int) -> None:
        """The Salesforce calls a step spent, whatever became of it (a call spent by an attempt that
        died is spent all the same): added as they happen, not once per chunk."""
        if salesforce_calls <= 0:
            return
        self._ddb.update_item(
            TableName=self._table,
            Key=to_item({"pk": _pk(run_id), "sk": RUN_SK}),
            UpdateExpression="ADD salesforce_calls :n SET updated_at = :now",
            ExpressionAttributeValues=to_item({":n": salesforce_calls, ":now": now_iso()}),
        )

    # -- chunks --------------------------------------------------------------------------------
    def register_chunk(self, run_id: str, part: int, index: int) -> None:
        """Register a chunk (its item, and its count on the run), once however often it is asked:
        the run keeps the set of chunks it counted, so no transaction is needed (one item each)."""
        sk = _chunk_sk(part, index)
        # Registered by an earlier delivery already, which may have died before counting it.
        with contextlib.suppress(self._ddb.exceptions.ConditionalCheckFailedException):
            self._ddb.put_item(
                TableName=self._table,
                Item=to_item(
                    {"pk": _pk(run_id), "sk": sk, "state": ChunkState.REGISTERED.value, "updated_at": now_iso()}
                ),
                ConditionExpression="attribute_not_exists(pk)",
            )
        self._count_once(run_id, "started_chunks", sk, {"chunks_started": 1})

    def _count_once(self, run_id: str, marks: str, sk: str, counts: dict[str, int]) -> bool:
        """ADD `counts` to the run unless the set `marks` holds `sk` already (then False)."""
        adds = ", ".join(f"{name} :{name}" for name in sorted(counts))
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key=to_item({"pk": _pk(run_id), "sk": RUN_SK}),
                UpdateExpression=f"ADD {marks} :marks" + (f", {adds}" if adds else "") + " SET updated_at = :now",
                ConditionExpression=f"NOT contains({marks}, :sk)",
                ExpressionAttributeValues=to_item(
                    {":marks": {sk}, ":sk": sk, ":now": now_iso(), **{f":{k}": v for k, v in counts.items()}}
                ),
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def chunk(self, run_id: str, part: int, index: int) -> Chunk | None:
        resp = self._ddb.get_item(
            TableName=self._table, Key=to_item({"pk": _pk(run_id), "sk": _chunk_sk(part, index)}), ConsistentRead=True
        )
        if "Item" not in resp:
            return None
        data = from_item(resp["Item"])
        manifest: dict[str, list[str]] = _unpack(data.get("manifest"))
        return Chunk(
            run_id,
            part,
            index,
            ChunkState(data["state"]),
            job_id=data.get("job_id"),
            last=bool(data.get("last")),
            manifest=manifest,
            pre_counts={name: int(value) for name, value in (data.get("pre_counts") or {}).items()},
            retry=_unpack(data.get("retry")),
            guest_job=data.get("guest_job"),
        )

    def mark_last(self, run_id: str, part: int, index: int) -> None:
        """This chunk ends its part: the run counts the part as read, once."""
        self._count_once(run_id, "last_chunks", _chunk_sk(part, index), {"parts_read": 1})

    def checkpoint_job(
        self, chunk: Chunk, job_id: str, manifest: dict[str, list[str]], pre_counts: dict[str, int]
    ) -> bool:
        """Record the chunk's job before any data goes to it; False if another delivery of the chunk
        checkpointed its own job first (the caller then aborts the one it created)."""
        packed = _pack(manifest)
        if len(packed) > MAX_MANIFEST_BYTES:
            raise PermanentError(
                f"a chunk's manifest takes {len(packed)} bytes compressed, over {MAX_MANIFEST_BYTES}: "
                "start the run with fewer records per job"
            )
        values: dict[str, Any] = {
            ":job": job_id,
            ":state": ChunkState.JOB.value,
            ":m": packed,
            ":counts": pre_counts,
            ":now": now_iso(),
        }
        # Only a chunk still waiting for its job: a stale delivery never replaces the job of a
        # chunk another delivery closed or finished meanwhile (its rows would be sent twice).
        if chunk.job_id is None:
            condition = "attribute_not_exists(job_id) AND #state = :registered"
            values[":registered"] = ChunkState.REGISTERED.value
        else:
            condition = "job_id = :old AND #state = :state"
            values[":old"] = chunk.job_id
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key=to_item({"pk": _pk(chunk.run_id), "sk": _chunk_sk(chunk.part, chunk.index)}),
                UpdateExpression=(
                    "SET job_id = :job, #state = :state, manifest = :m, pre_counts = :counts, updated_at = :now"
                ),
                ConditionExpression=condition,
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_item(values),
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def mark_closed(self, chunk: Chunk) -> bool:
        """The chunk's job was closed; False when the chunk has another job now, or is DONE already
        (a late delivery must not reopen it: its manifest is gone)."""
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key=to_item({"pk": _pk(chunk.run_id), "sk": _chunk_sk(chunk.part, chunk.index)}),
                UpdateExpression="SET #state = :state, updated_at = :now",
                ConditionExpression="job_id = :job AND #state <> :done",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_item(
                    {
                        ":state": ChunkState.CLOSED.value,
                        ":job": chunk.job_id,
                        ":done": ChunkState.DONE.value,
                        ":now": now_iso(),
                    }
                ),
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def checkpoint_guest_job(self, chunk: Chunk, job_id: str) -> bool:
        """Record the chunk's guest-Contact job before any data goes to it; False if the chunk has
        one already (another delivery's: the caller aborts the one it created)."""
        return self._set_guest_job(chunk, job_id, "attribute_not_exists(guest_job)", {})

    def clear_guest_job(self, chunk: Chunk, job_id: str) -> bool:
        """The guest job's Contacts are in the identity map (or it was aborted): forget it."""
        return self._set_guest_job(chunk, None, "guest_job = :old", {":old": job_id})

    def _set_guest_job(self, chunk: Chunk, job_id: str | None, condition: str, values: dict[str, Any]) -> bool:
        update = "SET guest_job = :job, updated_at = :now" if job_id else "SET updated_at = :now REMOVE guest_job"
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key=to_item({"pk": _pk(chunk.run_id), "sk": _chunk_sk(chunk.part, chunk.index)}),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues=to_item(
                    {**values, ":now": now_iso(), **({":job": job_id} if job_id else {})}
                ),
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def mark_retry(self, chunk: Chunk, retry: dict[str, str], counts: dict[str, int]) -> bool:
        """The chunk's job failed as a whole: the rows it did not process (key -> version) go in a
        new job, the chunk REGISTERED again without its job. What this job and the chunk's
        preparation settled (read, written, refused) is added to the run now, once per job (its id
        marks it), so the run's figures show it while the rest waits. False when the chunk has
        another job now, or is no longer CLOSED (another delivery did this first)."""
        assert chunk.job_id is not None
        settled = _sum(chunk.pre_counts, counts)
        self._count_once(chunk.run_id, "retried_jobs", f"{_chunk_sk(chunk.part, chunk.index)}#{chunk.job_id}", settled)
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key=to_item({"pk": _pk(chunk.run_id), "sk": _chunk_sk(chunk.part, chunk.index)}),
                UpdateExpression=(
                    "SET #state = :registered, retry = :retry, pre_counts = :none, updated_at = :now "
                    "REMOVE job_id, manifest"
                ),
                ConditionExpression="job_id = :job AND #state = :closed",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_item(
                    {
                        ":registered": ChunkState.REGISTERED.value,
                        ":retry": _pack(retry),
                        ":none": {},
                        ":job": chunk.job_id,
                        ":closed": ChunkState.CLOSED.value,
                        ":now": now_iso(),
                    }
                ),
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def mark_done(self, chunk: Chunk, counts: dict[str, int]) -> bool:
        """The chunk's counts (with what it settled before its job) are added to the run, once;
        then the chunk reads DONE. False when an earlier delivery counted it already."""
        total = _sum(counts, chunk.pre_counts)
        counted = self._count_once(
            chunk.run_id, "done_chunks", _chunk_sk(chunk.part, chunk.index), {**total, "chunks_done": 1}
        )
        self._ddb.update_item(
            TableName=self._table,
            Key=to_item({"pk": _pk(chunk.run_id), "sk": _chunk_sk(chunk.part, chunk.index)}),
            UpdateExpression="SET #state = :done, updated_at = :now REMOVE manifest, retry",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=to_item({":done": ChunkState.DONE.value, ":now": now_iso()}),
        )
        return counted


def _pack(keys: dict[str, Any]) -> bytes:
    """A chunk's per-key data, compressed (a DynamoDB item holds 400 KB)."""
    return zlib.compress(json.dumps(keys, separators=(",", ":")).encode(), 6)


def _unpack(packed: Any) -> dict[str, Any]:
    return dict(json.loads(zlib.decompress(bytes(packed)))) if packed else {}


def _sum(*counts: dict[str, int]) -> dict[str, int]:
    return {name: sum(c.get(name, 0) for c in counts) for name in {n for c in counts for n in c}}
