"""Bulk API 2.0 ingest jobs: their state machine, their CSV, and how their rows are written.

What the Bulk API 2.0 developer guide says, and the emulator does
(https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-job-states.md):
a job is created `Open`, takes one CSV upload, is closed (`UploadComplete`) or `Aborted`;
processing ends in `JobComplete` (each row succeeded or failed on its own) or `Failed` (the job
as a whole could not be processed: a bad header, the wrong line ending, the daily allocation).

Rows are written through `Records`, the same write path as the REST API, so field validation,
required fields, picklists, lengths, uniqueness, duplicate rules and upsert by external id hold
alike. A row that fails rolls back alone and reports `sf__Error` as
`<StatusCode>:<message>:<fields> --` (the Bulk API's row error format; `:--` when no field is
named). Processing runs when the job is closed; `polls_in_progress` lets a test see the job
`InProgress` for that many polls first, as a real org shows it while it works.

CSV rules (https://developer.salesforce.com/docs/platform/api-asynch/guide/datafiles-prepare-csv.md,
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/datafiles_csv_valid_record_rows.htm):
the header names fields by API name (a relationship by `Account.Ext__c`); an empty value is
ignored (the field is left as it is); `#N/A` sets the field to null; values are not trimmed.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emulators.faults import Faults

from . import ids
from .errors import ApiError, SfError
from .faults import RECORD, injected_error
from .records import MultipleMatches, Records
from .schema import FieldDef, ObjectDef
from .values import format_datetime, now, parse_date, parse_datetime

JOB_PREFIX = "750"  # the AsyncApexJob/Bulk job key prefix real job ids carry
NULL_VALUE = "#N/A"
OPERATIONS = ("insert", "update", "upsert", "delete")
DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
FINAL_STATES = ("JobComplete", "Failed", "Aborted")
# "A request can provide CSV data that does not in total exceed 150 MB of base64 encoded content"
# (https://developer.salesforce.com/docs/platform/api-asynch/guide/upload-job-data.md).
MAX_UPLOAD_BASE64_BYTES = 150 * 1024 * 1024
# Bulk API and Bulk API 2.0 share a daily allocation of 150,000,000 records over a rolling 24 hours
# (https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-bulkapi.html).
DEFAULT_RECORDS_PER_DAY = 150_000_000
WINDOW_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Column:
    """One header column: a field of the job's object, or a relationship by external id."""

    name: str
    field: FieldDef | None
    relationship: FieldDef | None = None
    target_field: str | None = None


@dataclass
class RowOutcome:
    values: list[str]
    record_id: str = ""
    created: bool = False
    error: str | None = None


@dataclass
class Job:
    id: str
    object: str
    operation: str
    external_id_field: str | None
    line_ending: str
    column_delimiter: str
    api_version: str
    created_by: str
    created: datetime
    modified: datetime
    state: str = "Open"
    data: bytes | None = None
    error_message: str | None = None
    header: list[str] = field(default_factory=list)
    successful: list[RowOutcome] = field(default_factory=list)
    failed: list[RowOutcome] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    polls_left: int = 0
    processing_ms: int = 0

    def touch(self, state: str) -> None:
        self.state = state
        self.modified = now()

    def shown_state(self) -> str:
        """The state a poll sees: `InProgress` while the test asked for polls in progress."""
        if self.state in ("JobComplete", "Failed") and self.polls_left > 0:
            return "InProgress"
        return self.state

    def summary(self) -> dict[str, Any]:
        """The fields every answer about a job carries (Get All Jobs lists these)."""
        info: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by,
            "createdDate": format_datetime(self.created),
            "systemModstamp": format_datetime(self.modified),
            "state": self.shown_state(),
            "externalIdFieldName": self.external_id_field,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
            "jobType": "V2Ingest",
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
        }
        if self.state == "Open":
            info["contentUrl"] = f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"
        return info

    def info(self) -> dict[str, Any]:
        """Get Job Info: the summary with the processing figures."""
        done = self.shown_state() in FINAL_STATES
        processed = len(self.successful) + len(self.failed) if done else 0
        info = self.summary() | {
            "numberRecordsProcessed": processed,
            "numberRecordsFailed": len(self.failed) if done else 0,
            "retries": 0,
            "totalProcessingTime": self.processing_ms if done else 0,
            "apiActiveProcessingTime": self.processing_ms if done else 0,
            "apexProcessingTime": 0,
        }
        if self.error_message and done:
            info["errorMessage"] = self.error_message
        return info


class DailyRecords:
    """Records ingested over a rolling 24 hours, against the org's allocation."""

    def __init__(self, allocation: int = DEFAULT_RECORDS_PER_DAY) -> None:
        self.allocation = allocation
        self._spent: deque[tuple[float, int]] = deque()

    def remaining(self, moment: float | None = None) -> int:
        moment = time.time() if moment is None else moment
        while self._spent and self._spent[0][0] <= moment - WINDOW_SECONDS:
            self._spent.popleft()
        return max(self.allocation - sum(n for _, n in self._spent), 0)

    def spend(self, count: int) -> None:
        if count:
            self._spent.append((time.time(), count))

    def reset(self) -> None:
        self._spent.clear()
        self.allocation = DEFAULT_RECORDS_PER_DAY


class BulkJobs:
    """The org's ingest jobs (callers hold the org lock, as for every data API call)."""

    def __init__(self, records: Records, id_factory: ids.IdFactory, faults: Faults) -> None:
        self._records = records
        self._ids = id_factory
        self._faults = faults
        self._jobs: dict[str, Job] = {}
        self.daily = DailyRecords()
        # Polls that see a closed job InProgress before its outcome (a test of a client's poll loop).
        self.polls_in_progress = 0

    def reset(self) -> None:
        self._jobs.clear()
        self.daily.reset()
        self.polls_in_progress = 0

    def snapshot(self) -> dict[str, Any]:
        return {
            "polls_in_progress": self.polls_in_progress,
            "records_per_day": self.daily.allocation,
            "records_remaining": self.daily.remaining(),
            "jobs": [job.info() for job in self.all()],
        }

    def new_id(self) -> str:
        return self._ids.new(JOB_PREFIX)

    def add(self, job: Job) -> Job:
        self._jobs[job.id] = job
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(ids.normalize(job_id) or job_id)

    def all(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda job: job.created)

    def delete(self, job: Job) -> None:
        self._jobs.pop(job.id, None)

    def poll(self, job: Job) -> dict[str, Any]:
        info = job.info()
        if job.polls_left > 0:
            job.polls_left -= 1
        return info

    # -- processing ------------------------------------------------------------------------------

    def process(self, job: Job, obj: ObjectDef, version: str) -> None:
        """Run a closed job's rows now; its outcome shows after `polls_in_progress` polls."""
        started = time.monotonic()
        job.touch("InProgress")
        try:
            self._process(job, obj, version)
        finally:
            job.processing_ms = int((time.monotonic() - started) * 1000)
            job.polls_left = self.polls_in_progress
            job.data = None  # the rows now live in the results

    def _process(self, job: Job, obj: ObjectDef, version: str) -> None:
        text = (job.data or b"").decode("utf-8-sig", errors="replace")
        try:
            data_rows = read_rows(job)
        except UnreadableCsv as unreadable:
            job.error_message = str(unreadable)
            job.touch("Failed")
            return
        failure = _line_ending_error(text, job.line_ending) or self._header_error(job, obj)
        if failure is not None:
            job.unprocessed = data_rows
            job.error_message = failure
            job.touch("Failed")
            return
        columns = [self._column(obj, name) for name in job.header]
        repeated = _repeated_keys(job, columns, data_rows)
        allowed = self.daily.remaining()
        signatures = (
            f"PUT /services/data/v{version}/jobs/ingest/{job.id}/batches",
            "PUT /jobs/ingest/{id}/batches",
        )
        for index, values in enumerate(data_rows):
            if index >= allowed:
                # "If the limit is exceeded while processing your job data, the remaining data
                # isn't processed" (How Requests Are Processed, Bulk API 2.0 developer guide).
                job.unprocessed = data_rows[index:]
                job.error_message = "ExceededQuota : the org's daily Bulk API record allocation is used up"
                self.daily.spend(index)
                job.touch("Failed")
                return
            job_row = RowOutcome(values)
            written = self._write_row(job, obj, columns, job_row, index, signatures, repeated)
            (job.successful if written else job.failed).append(job_row)
        self.daily.spend(len(data_rows))
        job.touch("JobComplete")

    def _header_error(self, job: Job, obj: ObjectDef) -> str | None:
        """The job-level failure a header earns: an unknown field fails the whole job, as
        Salesforce reports it ("InvalidBatch : Field name not found : <name>")."""
        if not job.header:
            return "InvalidBatch : no header row in the job data"
        seen: set[str] = set()
        for name in job.header:
            if name.lower() in seen:
                return f"InvalidBatch : Duplicate field name: {name}"
            seen.add(name.lower())
            column = self._column(obj, name)
            if column.field is None and column.relationship is None:
                return f"InvalidBatch : Field name not found : {name}"
        return None

    def _column(self, obj: ObjectDef, name: str) -> Column:
        relationship, dot, target = name.partition(".")
        if dot:
            lookup = obj.relationship(relationship)
            if lookup is None or not target:
                return Column(name, None)
            referenced = self._records.schema.object(lookup.reference_to[0]) if lookup.reference_to else None
            target_def = referenced.field(target) if referenced is not None else None
            if target_def is None:
                return Column(name, None)
            return Column(name, None, lookup, target_def.name)
        return Column(name, obj.field(name))

    def _write_row(
        self,
        job: Job,
        obj: ObjectDef,
        columns: list[Column],
        row: RowOutcome,
        index: int,
        signatures: tuple[str, ...],
        repeated: frozenset[str],
    ) -> bool:
        store = self._records.store
        savepoint = store.savepoint()
        try:
            if len(row.values) != len(columns):
                raise _row_error(
                    "INVALID_FIELD", f"The row has {len(row.values)} values for {len(columns)} columns", ()
                )
            fields = _fields(columns, row.values)
            external_id = _external_value(job, columns, row.values)
            if external_id is not None and external_id.casefold() in repeated:
                # Two rows naming one key would race for one record, as in sObject collections.
                field_name = job.external_id_field or "Id"
                raise _row_error(
                    "DUPLICATE_EXTERNAL_ID", f"Duplicate external id specified: {external_id}", (field_name,)
                )
            injection = self._faults.pick(signatures, RECORD, {"index": index, "externalId": external_id})
            injection.wait()
            if injection.failure is not None:
                raise injected_error(injection.failure)
            row.record_id, row.created = self._apply(job, obj, fields, external_id)
            return True
        except ApiError as error:
            store.rollback_to(savepoint)
            row.error = _sf_error(error.errors)
        except MultipleMatches as multiple:
            store.rollback_to(savepoint)
            row.error = _sf_error(
                [
                    SfError(
                        f"Multiple {multiple.object_name} records match the external id: "
                        + ", ".join(multiple.record_ids),
                        "DUPLICATE_EXTERNAL_ID",
                        (job.external_id_field or "",),
                    )
                ]
            )
        return False

    def _apply(self, job: Job, obj: ObjectDef, fields: dict[str, Any], external_id: str | None) -> tuple[str, bool]:
        records = self._records
        if job.operation == "insert":
            return records.create(obj, fields), True
        if job.operation == "upsert":
            assert job.external_id_field is not None
            if not external_id:
                raise _row_error("MISSING_ARGUMENT", f"{job.external_id_field} not specified", (job.external_id_field,))
            return records.upsert(obj, job.external_id_field, external_id, fields)
        record_id = _record_id(fields)
        if record_id[:3] != obj.key_prefix or records.store.get(obj.name, record_id) is None:
            # What sObject collections answer for an Id that is not a live record of the object.
            if records.store.get_deleted(obj.name, record_id) is not None:
                raise _row_error("ENTITY_IS_DELETED", "entity is deleted", ("Id",))
            raise _row_error("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ("Id",))
        if job.operation == "update":
            records.update(obj, record_id, {k: v for k, v in fields.items() if k.lower() != "id"})
            return record_id, False
        records.delete(obj, record_id)
        return record_id, False


class UnreadableCsv(Exception):
    """Job data the CSV reader cannot read to its end: the job fails as a whole."""


def read_rows(job: Job) -> list[list[str]]:
    """The uploaded data rows (the header goes to `job.header`); a blank line is no record.

    The `csv` module's default field limit, 131,072 characters, is the Bulk API's own "maximum
    number of characters in a field" (Bulk API and Bulk API 2.0 Limits and Allocations), so a
    longer value is unreadable here as it is there."""
    text = (job.data or b"").decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[job.column_delimiter])
    try:
        rows = [row for row in reader if row]
    except csv.Error as exc:
        raise UnreadableCsv(f"InvalidBatch : Failed to parse CSV: {exc}") from None
    job.header = rows[0] if rows else []
    return rows[1:]


def _record_id(fields: dict[str, Any]) -> str:
    raw = next((v for k, v in fields.items() if k.lower() == "id"), None)
    if not raw:
        raise _row_error("MISSING_ARGUMENT", "Id not specified in an update call", ("Id",))
    record_id = ids.normalize(raw)
    if record_id is None:
        raise _row_error("MALFORMED_ID", f"Record ID: id value of incorrect type: {raw}", ("Id",))
    return record_id


def _repeated_keys(job: Job, columns: list[Column], rows: list[list[str]]) -> frozenset[str]:
    """Upsert keys that more than one row of the job names (compared case-insensitively)."""
    if job.operation != "upsert":
        return frozenset()
    seen: set[str] = set()
    repeated: set[str] = set()
    for values in rows:
        key = _external_value(job, columns, values)
        if key is not None:
            folded = key.casefold()
            (repeated if folded in seen else seen).add(folded)
    return frozenset(repeated)


def _external_value(job: Job, columns: list[Column], values: list[str]) -> str | None:
    wanted = (job.external_id_field or "Id").lower()
    for column, value in zip(columns, values, strict=False):
        if column.field is not None and column.field.name.lower() == wanted:
            return value or None
    return None


def _fields(columns: list[Column], values: list[str]) -> dict[str, Any]:
    """A row as the REST write body it stands for: typed values, `#N/A` as null, empty left out."""
    body: dict[str, Any] = {}
    for column, text in zip(columns, values, strict=True):
        if text == "":
            continue
        if column.relationship is not None:
            if text == NULL_VALUE:
                body[column.relationship.name] = None  # clears the lookup itself
            else:
                body[column.relationship.relationship_name or column.relationship.name] = {column.target_field: text}
            continue
        assert column.field is not None
        body[column.field.name] = None if text == NULL_VALUE else _typed(column.field, text)
    return body


def _typed(field_def: FieldDef, text: str) -> Any:
    """CSV text as the JSON value the REST API takes for that field type."""
    kind = field_def.type
    try:
        if kind == "boolean":
            lowered = text.lower()
            if lowered not in ("true", "false", "1", "0"):
                raise ValueError(text)
            return lowered in ("true", "1")
        if kind in ("currency", "double", "percent"):
            number = float(text)
            if not math.isfinite(number):  # float() takes "nan" and "inf"; no number field does
                raise ValueError(text)
            return number
        if kind == "int":
            return int(text)
        if kind == "date" and parse_date(text) is None:
            raise ValueError(text)
        if kind == "datetime" and parse_datetime(text) is None:
            raise ValueError(text)
    except ValueError:
        raise _row_error(
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
            f"{field_def.label or field_def.name}: value not of required type: {text}",
            (field_def.name,),
        ) from None
    return text


def _row_error(code: str, message: str, fields: tuple[str, ...]) -> ApiError:
    return ApiError(400, [SfError(message, code, fields)])


def _sf_error(errors: list[SfError]) -> str:
    """`sf__Error` of a failed row: `CODE:message:Field1,Field2 --`, or `CODE:message:--`."""
    parts = []
    for error in errors:
        fields = ",".join(error.fields)
        parts.append(f"{error.error_code}:{error.message}:{fields + ' --' if fields else '--'}")
    return "\n".join(parts)


def _line_ending_error(text: str, line_ending: str) -> str | None:
    """A job whose data ends its header line otherwise than `lineEnding` says fails whole
    ("ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF")."""
    first_break = text.find("\n")
    if first_break < 0:
        return None
    crlf = first_break > 0 and text[first_break - 1] == "\r"
    if crlf != (line_ending == "CRLF"):
        return f"ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is {line_ending}"
    return None


def results_csv(header: list[str], extra: tuple[str, ...], rows: list[list[str]], line_ending: str) -> bytes:
    """A results file: every value quoted, as Salesforce writes them."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator=LINE_ENDINGS.get(line_ending, "\n"))
    writer.writerow([*extra, *header])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
