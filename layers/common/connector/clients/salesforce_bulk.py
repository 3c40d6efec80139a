"""Salesforce Bulk API 2.0 ingest: many records in a handful of API calls.

One job is create, upload (one CSV), close, poll, then the results: about six API calls for up to
the 150 MB a job's upload may hold, where REST would spend one call per 200 records at best
(https://developer.salesforce.com/docs/platform/api-asynch/guide/bulk-api-2-0-overview.html).

Every call goes through the REST client (`SalesforceClient.request`): the same session, token
cache and renewal on INVALID_SESSION_ID, the same call counter and API-usage reading, the same
typed errors (`TransientSalesforceError` when Salesforce is down, busy or over its limits,
`PermanentSalesforceError` for a refusal). Reads (`job`, `results`) are safe to repeat, so a
transient failure of one is tried again at once, up to `read_attempts` in all; a write is never
repeated here (an upload that reached Salesforce cannot be sent twice: one upload per job), it
raises for the caller's queue to retry.

CSV is written and read with the `csv` module (quotes, delimiters and newlines inside values).
Bulk API 2.0 leaves a field as it is for an empty value and sets it to null for `#N/A`
(https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/datafiles_csv_valid_record_rows.htm):
`upload` writes `None` as `#N/A`, and an empty string as empty (the field is not touched).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from connector.salesforce import SalesforceClient, TransientSalesforceError
from connector.salesforce.client import path_segment
from connector.salesforce.errors import ApiErrorDetail

NULL = "#N/A"
# "To account for the base64 conversion increase, upload data that does not exceed 100 MB"
# (https://developer.salesforce.com/docs/platform/api-asynch/guide/upload-job-data.md).
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
# Salesforce writes the results files with LF line endings by default; an LF job's upload too.
_LINE_ENDING = "\n"
# The operation every Bulk call is counted under, in the client's CallCounter as in the org's.
BULK = "bulk"
FINAL_STATES = frozenset({"JobComplete", "Failed", "Aborted"})

T = TypeVar("T")


@dataclass(frozen=True)
class BulkJob:
    """A job as GET /services/data/vXX.X/jobs/ingest/{jobId} describes it."""

    id: str
    state: str  # Open | UploadComplete | InProgress | JobComplete | Failed | Aborted
    object: str
    operation: str
    external_id_field: str | None
    records_processed: int
    records_failed: int
    error_message: str | None

    @property
    def finished(self) -> bool:
        """JobComplete, Failed or Aborted: nothing will change any more."""
        return self.state in FINAL_STATES


@dataclass(frozen=True)
class BulkResults:
    successful: list[dict[str, str]]  # rows with sf__Id, sf__Created + the uploaded columns
    failed: list[dict[str, str]]  # rows with sf__Id, sf__Error + the uploaded columns
    unprocessed: list[dict[str, str]]  # the uploaded columns


def _job(body: Mapping[str, Any]) -> BulkJob:
    return BulkJob(
        id=str(body["id"]),
        state=str(body["state"]),
        object=str(body["object"]),
        operation=str(body["operation"]),
        external_id_field=body.get("externalIdFieldName") or None,
        records_processed=int(body.get("numberRecordsProcessed") or 0),
        records_failed=int(body.get("numberRecordsFailed") or 0),
        error_message=body.get("errorMessage") or None,
    )


def to_csv(rows: Sequence[Mapping[str, str | None]]) -> bytes:
    """The CSV of an upload: the header is every column any row names, in first-seen order; a
    column a row lacks is empty (left as it is), a `None` is `#N/A` (set to null)."""
    columns = list(dict.fromkeys(name for row in rows for name in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=_LINE_ENDING)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row, name) for name in columns])
    return out.getvalue().encode("utf-8")


def _cell(row: Mapping[str, str | None], name: str) -> str:
    if name not in row:
        return ""
    value = row[name]
    return NULL if value is None else value


def from_csv(body: bytes) -> list[dict[str, str]]:
    """A results file's rows (an empty body, or a header alone, is no row)."""
    text = body.decode("utf-8-sig")
    return [dict(row) for row in csv.DictReader(io.StringIO(text, newline=""))]


def row_error(row: Mapping[str, str]) -> ApiErrorDetail:
    """The error of a failed results row, from its `sf__Error` (`CODE:message:Field1,Field2 --`,
    `CODE:message:--` when no field is named). The message may quote the row's values (an email
    address, a name): keep the code and the fields, not the message, wherever personal data must
    not go."""
    text = row.get("sf__Error", "").split("\n")[0]
    code, _, rest = text.partition(":")
    message, colon, fields = rest.rpartition(":")
    if not colon:
        message, fields = rest, ""
    names = tuple(name for name in fields.removesuffix("--").strip().split(",") if name)
    return ApiErrorDetail(code.strip() or "UNKNOWN", message, names)


class SalesforceBulk:
    def __init__(self, salesforce: SalesforceClient, read_attempts: int = 3, retry_pause_seconds: float = 0.2) -> None:
        self._salesforce = salesforce
        self._read_attempts = max(1, read_attempts)
        self._retry_pause = retry_pause_seconds

    def _path(self, job_id: str = "", tail: str = "") -> str:
        path = "jobs/ingest" + (f"/{path_segment(job_id)}" if job_id else "") + tail
        return self._salesforce.data_path(path)

    def _create(self, body: Mapping[str, Any]) -> BulkJob:
        resp = self._salesforce.request("POST", self._path(), operation=BULK, json=dict(body))
        return _job(resp.json())

    def create_upsert_job(self, sobject: str, external_id_field: str) -> BulkJob:
        """An Open upsert job on `sobject`, matching rows by `external_id_field` (CSV, LF, comma)."""
        return self._create(
            {
                "object": sobject,
                "operation": "upsert",
                "externalIdFieldName": external_id_field,
                "contentType": "CSV",
                "lineEnding": "LF",
                "columnDelimiter": "COMMA",
            }
        )

    def create_insert_job(self, sobject: str) -> BulkJob:
        """An Open insert job on `sobject` (CSV, LF, comma): records with no external id to match."""
        return self._create(
            {
                "object": sobject,
                "operation": "insert",
                "contentType": "CSV",
                "lineEnding": "LF",
                "columnDelimiter": "COMMA",
            }
        )

    def upload(self, job_id: str, rows: Sequence[Mapping[str, str | None]]) -> None:
        """The job's one upload: every row as CSV (see `to_csv`)."""
        if not rows:
            # Salesforce would fail the job for want of data: a caller's mistake, said before any call.
            raise ValueError("a bulk upload needs at least one row")
        body = to_csv(rows)
        if len(body) > MAX_UPLOAD_BYTES:
            raise ValueError(f"a bulk upload holds at most {MAX_UPLOAD_BYTES} bytes of CSV: split the rows in jobs")
        self._salesforce.request(
            "PUT",
            self._path(job_id, "/batches"),
            operation=BULK,
            data=body,
            headers={"Content-Type": "text/csv"},
        )

    def _set_state(self, job_id: str, state: str) -> BulkJob:
        resp = self._salesforce.request("PATCH", self._path(job_id), operation=BULK, json={"state": state})
        return _job(resp.json())

    def close(self, job_id: str) -> BulkJob:
        """Upload complete: Salesforce queues the job for processing."""
        return self._set_state(job_id, "UploadComplete")

    def abort(self, job_id: str) -> BulkJob:
        return self._set_state(job_id, "Aborted")

    def job(self, job_id: str) -> BulkJob:
        """The job now (one poll)."""
        path = self._path(job_id)
        return self._read(lambda: _job(self._salesforce.request("GET", path, operation=BULK).json()))

    def results(self, job_id: str) -> BulkResults:
        """What a finished job did with each uploaded row: three API calls."""
        return BulkResults(
            successful=self._rows(job_id, "/successfulResults/"),
            failed=self._rows(job_id, "/failedResults/"),
            unprocessed=self._rows(job_id, "/unprocessedrecords/"),
        )

    def _rows(self, job_id: str, tail: str) -> list[dict[str, str]]:
        return self._read(
            lambda: from_csv(
                self._salesforce.request(
                    "GET", self._path(job_id, tail), operation=BULK, headers={"Accept": "text/csv"}
                ).content
            )
        )

    def _read(self, call: Callable[[], T]) -> T:
        for attempt in range(1, self._read_attempts + 1):
            try:
                return call()
            except TransientSalesforceError:
                if attempt == self._read_attempts:
                    raise
                time.sleep(self._retry_pause * attempt)
        raise AssertionError("unreachable")  # pragma: no cover
