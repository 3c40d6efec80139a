"""Bulk API 2.0 ingest resources under /services/data/vNN.N/jobs/ingest.

Each resource is one API call, counted and faulted like every REST call (`routes.ROUTES`).
Errors keep Salesforce's REST shape `[{"errorCode", "message"}]`; the codes are the Bulk API 2.0
ones (INVALIDJOBSTATE, INVALIDJOB, INVALIDENTITY, ... listed under "Errors" in
https://developer.salesforce.com/docs/platform/api-asynch/guide/asynch-api-reference-errors.html).
A real org answers a state change it refuses with, for example,
`[{"errorCode":"INVALIDJOBSTATE","message":"Aborting already Completed Job not allowed"}]`
(https://github.com/restforce/restforce/issues/905); the emulator answers such refusals with 409
Conflict, the REST API's status for "a conflict with the current state of the resource".
"""

from __future__ import annotations

from typing import Any

from .api import ApiResponse, Call, json_ok, no_content
from .bulk_jobs import (
    DELIMITERS,
    FINAL_STATES,
    LINE_ENDINGS,
    MAX_UPLOAD_BASE64_BYTES,
    OPERATIONS,
    Job,
    UnreadableCsv,
    read_rows,
    results_csv,
)
from .errors import NOT_FOUND_MESSAGE, ApiError, fail
from .values import now

_CREATE_KEYS = frozenset(
    {"object", "operation", "externalIdFieldName", "contentType", "lineEnding", "columnDelimiter", "assignmentRuleId"}
)
CSV_TYPE = "text/csv"


class BulkApiError(ApiError):
    """A Bulk API 2.0 refusal: `[{"errorCode", "message"}]`, without the REST API's `fields`."""

    def body(self) -> list[dict[str, Any]]:
        return [{"errorCode": e.error_code, "message": e.message} for e in self.errors]


def _fail(status: int, code: str, message: str) -> BulkApiError:
    return BulkApiError(status, fail(status, code, message).errors)


def _parser_error(message: str) -> ApiError:
    return _fail(400, "JSON_PARSER_ERROR", message)


def _json_body(call: Call) -> Any:
    try:
        return call.request.json()
    except ApiError as error:
        raise BulkApiError(error.status, error.errors) from None


def _invalid_job(message: str) -> ApiError:
    return _fail(400, "INVALIDJOB", message)


def _invalid_state(message: str) -> ApiError:
    return _fail(409, "INVALIDJOBSTATE", message)


def _enum(body: dict[str, Any], key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    value = body.get(key, default)
    if not isinstance(value, str) or value not in allowed:
        # What Salesforce's JSON reader answers for a value outside an enum.
        raise _parser_error(
            f"Cannot deserialize value of type `{key}` from String {value!r}: not one of the values accepted "
            f"for Enum class: [{', '.join(allowed)}]"
        )
    return value


def create_job(call: Call) -> ApiResponse:
    """Create a Job (POST /jobs/ingest): answers 200 with the job `Open`."""
    body = _json_body(call)
    if not isinstance(body, dict):
        raise _parser_error("The request body must be a JSON object")
    unknown = sorted(set(body) - _CREATE_KEYS)
    if unknown:
        raise _parser_error(f'Unrecognized field "{unknown[0]}"')
    name = body.get("object")
    if not isinstance(name, str) or not name:
        raise _invalid_job("The object of the job is required")
    if "operation" not in body:
        raise _invalid_job("The operation of the job is required")
    operation = _enum(body, "operation", (*OPERATIONS, "hardDelete"))
    if operation == "hardDelete":
        # Needs the "Bulk API Hard Delete" permission, which the integration user does not have.
        raise _fail(400, "FEATURENOTENABLED", "hardDelete requires the Bulk API Hard Delete permission")
    _enum(body, "contentType", ("CSV",), "CSV")
    line_ending = _enum(body, "lineEnding", tuple(LINE_ENDINGS), "LF")
    delimiter = _enum(body, "columnDelimiter", tuple(DELIMITERS), "COMMA")
    obj = call.org.schema.object(name)
    if obj is None:
        raise _fail(400, "INVALIDENTITY", f"Entity '{name}' is not supported by the Bulk API.")
    external_id = body.get("externalIdFieldName")
    if operation == "upsert":
        if not isinstance(external_id, str) or not external_id:
            # Bulk API's own words for an upsert job without its key.
            raise _invalid_job(f"External ID was blank for {obj.name}. An External ID must be specified for upsert.")
        field_def = obj.field(external_id)
        if field_def is None or not field_def.keys_upserts:
            raise _invalid_job(
                f"Field name provided, {external_id} is not an External ID or indexed field for {obj.name}"
            )
        external_id = field_def.name
    else:
        external_id = None
    jobs = call.org.bulk
    moment = now()
    job = jobs.add(
        Job(
            id=jobs.new_id(),
            object=obj.name,
            operation=operation,
            external_id_field=external_id,
            line_ending=line_ending,
            column_delimiter=delimiter,
            api_version=call.version,
            created_by=call.org.user_id,
            created=moment,
            modified=moment,
        )
    )
    return json_ok(job.summary())


def _job(call: Call) -> Job:
    job = call.org.bulk.get(call.args["job_id"])
    if job is None:
        raise _fail(404, "NOT_FOUND", NOT_FOUND_MESSAGE)
    return job


def list_jobs(call: Call) -> ApiResponse:
    """Get All Jobs (GET /jobs/ingest): every ingest job of the org, in one page."""
    records = [job.summary() for job in call.org.bulk.all()]
    return json_ok({"done": True, "records": records, "nextRecordsUrl": None})


def job_info(call: Call) -> ApiResponse:
    return json_ok(call.org.bulk.poll(_job(call)))


def upload(call: Call) -> ApiResponse:
    """Upload Job Data (PUT /jobs/ingest/{id}/batches): CSV, once, while the job is Open; 201."""
    job = _job(call)
    content_type = (call.request.header("Content-Type") or "").split(";")[0].strip().lower()
    if content_type != CSV_TYPE:
        raise _fail(415, "UNSUPPORTED_MEDIA_TYPE", f"Content type '{content_type}' is not supported: use text/csv")
    if job.state != "Open":
        raise _invalid_state(f"Unable to upload data to a job in state {job.state}: only an Open job takes data")
    if job.data is not None:
        raise _fail(
            400,
            "BULK_API_ERROR",
            f"Found multiple contents for job: <{job.id}>, please 'Close' / 'Abort' / 'Delete' the current Job "
            "then create a new Job and make sure you only do 'PUT' once on a given Job.",
        )
    raw = call.request.raw_body
    if (len(raw) + 2) // 3 * 4 > MAX_UPLOAD_BASE64_BYTES:
        raise _fail(400, "CLIENTINPUTERROR", "Job data exceeds 150 MB of base64 encoded content")
    job.data = raw
    return ApiResponse(201)


def change_state(call: Call) -> ApiResponse:
    """Upload Complete or Abort (PATCH /jobs/ingest/{id}): the job info, in its new state."""
    job = _job(call)
    body = _json_body(call)
    if not isinstance(body, dict):
        raise _parser_error("The request body must be a JSON object")
    unknown = sorted(set(body) - {"state"})
    if unknown:
        raise _parser_error(f'Unrecognized field "{unknown[0]}"')
    wanted = body.get("state")
    if wanted == "Aborted":
        if job.state in FINAL_STATES:
            shown = "Completed" if job.state == "JobComplete" else job.state
            raise _invalid_state(f"Aborting already {shown} Job not allowed")
        job.touch("Aborted")
        try:
            job.unprocessed = read_rows(job)
        except UnreadableCsv:
            job.unprocessed = []  # nothing of it can be given back row by row
        job.data = None
        return json_ok(job.summary())
    if wanted != "UploadComplete":
        raise _invalid_state(f"Invalid state change requested: {wanted!r} (UploadComplete or Aborted)")
    if job.state != "Open":
        raise _invalid_state(f"Closing a job in state {job.state} not allowed: only an Open job can be closed")
    if job.data is None:
        job.error_message = "InvalidBatch : no job data was uploaded before the job was closed"
        job.touch("Failed")
        return json_ok(job.summary() | {"state": "UploadComplete"})
    job.touch("UploadComplete")
    answer = job.summary()
    obj = call.org.schema.object(job.object)
    assert obj is not None
    # The Bulk API cannot carry Sforce-Duplicate-Rule-Header: an alert rule's match fails the row.
    call.org.duplicate_rules.request_header = None
    call.org.bulk.process(job, obj, call.version)
    return json_ok(answer)


def delete_job(call: Call) -> ApiResponse:
    """Delete a Job: "The job must have a state of UploadComplete, JobComplete, Aborted, or Failed"."""
    job = _job(call)
    if job.state in ("Open", "InProgress"):
        raise _invalid_state(f"Deleting a job in state {job.state} not allowed")
    call.org.bulk.delete(job)
    return no_content()


def _results(call: Call) -> Job:
    job = _job(call)
    if job.shown_state() not in FINAL_STATES:
        raise _invalid_state(f"Results are not available while the job is {job.shown_state()}")
    return job


def _csv(body: bytes) -> ApiResponse:
    return ApiResponse(200, raw=body, headers={"Content-Type": f"{CSV_TYPE};charset=UTF-8"})


def successful_results(call: Call) -> ApiResponse:
    """sf__Id, sf__Created, then the uploaded columns, for each row written."""
    job = _results(call)
    rows = [[row.record_id, "true" if row.created else "false", *row.values] for row in job.successful]
    return _csv(results_csv(job.header, ("sf__Id", "sf__Created"), rows, job.line_ending))


def failed_results(call: Call) -> ApiResponse:
    """sf__Id, sf__Error, then the uploaded columns, for each row refused."""
    job = _results(call)
    rows = [[row.record_id, row.error or "", *row.values] for row in job.failed]
    return _csv(results_csv(job.header, ("sf__Id", "sf__Error"), rows, job.line_ending))


def unprocessed_records(call: Call) -> ApiResponse:
    """The uploaded rows no processing reached (an aborted or failed job's)."""
    job = _results(call)
    return _csv(results_csv(job.header, (), job.unprocessed, job.line_ending))
