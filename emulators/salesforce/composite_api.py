"""POST /composite: up to 25 subrequests in one API call, chained by `@{referenceId.path}`.

Each subrequest runs through the same routes as a direct call. With `allOrNone`, the first
failure undoes every earlier write and the other subrequests answer PROCESSING_HALTED.
`collateSubrequests` only lets Salesforce group work for speed; results are the same, so it is
accepted and ignored. A fault rule of scope "subrequest" (see `.faults`) fails one subrequest the
way a real error of that subrequest would.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .api import ApiRequest, ApiResponse, Call, json_ok
from .errors import ApiError, SfError, bad_request, json_parser_error
from .faults import MULTIPLE_CHOICES, SUBREQUEST, injected_error
from .records import record_url

MAX_SUBREQUESTS = 25
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
_PATH_STEP = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")
_DATA_URL = re.compile(r"^/services/data/v(\d+\.\d)(/.*)$")
_REFERENCE_ID = re.compile(r"^[A-Za-z0-9_]+$")
ROLLED_BACK = "The transaction was rolled back since another operation in the same transaction failed."


class _Unresolved(Exception):
    def __init__(self, expression: str, reference_id: str) -> None:
        super().__init__(expression)
        self.expression = expression
        self.reference_id = reference_id


def _halted(message: str) -> list[dict[str, Any]]:
    return [SfError(message, "PROCESSING_HALTED").as_rest()]


def _entry(reference_id: str, status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {"body": body, "httpHeaders": headers or {}, "httpStatusCode": status, "referenceId": reference_id}


def _validate(body: Any) -> tuple[bool, list[dict[str, Any]]]:
    if not isinstance(body, dict):
        raise json_parser_error("The composite request body must be a JSON object")
    subrequests = body.get("compositeRequest")
    if not isinstance(subrequests, list) or not subrequests:
        raise json_parser_error("compositeRequest must be a non-empty array")
    if len(subrequests) > MAX_SUBREQUESTS:
        raise bad_request("LIMIT_EXCEEDED", f"A composite request can't have more than {MAX_SUBREQUESTS} subrequests")
    seen: set[str] = set()
    for sub in subrequests:
        if not isinstance(sub, dict) or not isinstance(sub.get("method"), str) or not isinstance(sub.get("url"), str):
            raise json_parser_error("Each subrequest needs a method and a url")
        reference_id = sub.get("referenceId")
        if not isinstance(reference_id, str) or not _REFERENCE_ID.match(reference_id):
            raise bad_request("INVALID_INPUT", f"Invalid referenceId: {reference_id}")
        if reference_id in seen:
            raise bad_request("INVALID_INPUT", f"Duplicate referenceId provided in the request: {reference_id}")
        seen.add(reference_id)
    all_or_none = body.get("allOrNone", False)
    if not isinstance(all_or_none, bool):
        raise json_parser_error("allOrNone must be a boolean")
    return all_or_none, subrequests


def composite(call: Call) -> ApiResponse:
    all_or_none, subrequests = _validate(call.request.json())
    store = call.org.store
    savepoint = store.savepoint()
    results: dict[str, Any] = {}  # referenceId -> response body, for later references
    entries: list[dict[str, Any]] = []
    failed = False
    for index, sub in enumerate(subrequests):
        reference_id = sub["referenceId"]
        if failed and all_or_none:
            entries.append(_entry(reference_id, 400, _halted(ROLLED_BACK)))
            continue
        try:
            request = _subrequest(sub, results)
            response = _injected(call, request, sub["url"], reference_id, index) or call.dispatch(request)
        except ApiError as error:
            response = ApiResponse(error.status, error.body())
        except _Unresolved as unresolved:
            response = ApiResponse(
                400,
                _halted(
                    f"Invalid reference specified. No value for {unresolved.expression} found in "
                    f"{unresolved.reference_id}. Provided referenceId ('{unresolved.reference_id}') must be "
                    "a previous subrequest that succeeded."
                ),
            )
        if response.raw is not None:
            # "The sObject Blob Get [...] APIs return binary data. These APIs aren't supported in a
            # Composite API request" (resources-composite-composite-post).
            response = ApiResponse(400, bad_request("INVALID_INPUT", "sObject Blob Get is not supported").body())
        if response.status < 400:
            results[reference_id] = response.body
        else:
            failed = True
        entries.append(_entry(reference_id, response.status, response.body, response.headers))
    if failed and all_or_none:
        store.rollback_to(savepoint)
        for entry in entries:
            if entry["httpStatusCode"] < 400:
                entry.update(body=_halted(ROLLED_BACK), httpHeaders={}, httpStatusCode=400)
    return json_ok({"compositeResponse": entries})


def _injected(call: Call, request: ApiRequest, url: str, reference_id: str, index: int) -> ApiResponse | None:
    """The answer a "subrequest" fault rule gives this subrequest, or None to run it."""
    injection = call.org.faults.pick(
        (f"{request.method} {urlsplit(url).path}",), SUBREQUEST, {"referenceId": reference_id, "index": index}
    )
    injection.wait()
    failure = injection.failure
    if failure is None:
        return None
    if failure.status == MULTIPLE_CHOICES:
        # An upsert whose external id several records carry: their URLs, and nothing written.
        parts = request.path.strip("/").split("/")
        object_name = parts[1] if len(parts) > 1 and parts[0] == "sobjects" else "Account"
        obj = call.org.schema.object(object_name)
        prefix = obj.key_prefix if obj is not None else "001"
        urls = [record_url(request.version, object_name, call.org.ids.new(prefix)) for _ in range(2)]
        return ApiResponse(MULTIPLE_CHOICES, urls)
    raise injected_error(failure)


def _subrequest(sub: dict[str, Any], results: dict[str, Any]) -> ApiRequest:
    url = _substitute(sub["url"], results)
    parts = urlsplit(url)
    match = _DATA_URL.match(parts.path)
    if not match:
        raise bad_request("NOT_FOUND", f"The subrequest url must start with /services/data/vNN.N: {url}")
    if match[2].rstrip("/") == "/composite":
        raise bad_request("INVALID_INPUT", "A composite subrequest can't be a composite request")
    headers = {str(k): str(v) for k, v in (sub.get("httpHeaders") or {}).items()}
    request = ApiRequest(
        method=sub["method"].upper(),
        # Routes match decoded paths, as the HTTP server hands them over (%2F in an external id).
        path=unquote(match[2]),
        version=match[1],
        args=dict(parse_qsl(parts.query, keep_blank_values=True)),
        headers=headers,
    )
    if "body" in sub and sub["body"] is not None:
        request.parsed_body = _substitute_json(sub["body"], results)
    return request


def _substitute_json(value: Any, results: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return _substitute(value, results)
    if isinstance(value, list):
        return [_substitute_json(v, results) for v in value]
    if isinstance(value, dict):
        return {k: _substitute_json(v, results) for k, v in value.items()}
    return value


def _substitute(text: str, results: dict[str, Any]) -> str:
    return _REFERENCE.sub(lambda m: _resolve(m, results), text)


def _resolve(match: re.Match[str], results: dict[str, Any]) -> str:
    reference_id, path = match[1], match[2]
    expression = reference_id + path
    if reference_id not in results:
        raise _Unresolved(expression, reference_id)
    value = results[reference_id]
    for step in _PATH_STEP.finditer(path):
        key, index = step[1], step[2]
        if key is not None and isinstance(value, dict) and key in value:
            value = value[key]
        elif index is not None and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            raise _Unresolved(expression, reference_id)
    if value is None or isinstance(value, dict | list):
        raise _Unresolved(expression, reference_id)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
