"""The Salesforce REST API calls the connector needs, and nothing else.

Hand-written over `requests` rather than simple-salesforce: the connector needs typed
transient/permanent errors, one token renewal on INVALID_SESSION_ID, composite and collection
upserts and an API-call counter, and simple-salesforce adds ~60 ms of imports for none of them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from connector.errors import TransientError
from connector.observability import traced
from connector.salesforce.auth import AccessToken, TokenProvider
from connector.salesforce.duplicate_rules import duplicate_rule_headers
from connector.salesforce.errors import (
    ApiErrorDetail,
    SalesforceError,
    is_raced_duplicate,
    parse_error_body,
    salesforce_error,
)
from connector.salesforce.limits import ApiUsage, parse_limit_info
from connector.value_types import quoted_path_segment

Record = dict[str, Any]
# A composite request holds at most 25 subrequests.
MAX_COMPOSITE_SUBREQUESTS = 25
# A call's (connect, read) timeout in seconds, or one number for both.
Timeout = float | tuple[float, float]


@dataclass(frozen=True)
class UpsertResult:
    id: str
    created: bool


@dataclass(frozen=True)
class RecordResult:
    """One record's outcome in an sObject collection call."""

    id: str | None
    success: bool
    created: bool | None = None
    errors: tuple[ApiErrorDetail, ...] = ()
    upsert_field: str | None = None  # the external id a collection upsert matched by

    def error(self, status: int = 400, operation: str = "collection") -> SalesforceError:
        return salesforce_error(status, list(self.errors), operation, self.upsert_field)


@dataclass(frozen=True)
class CompositeResult:
    reference_id: str
    status: int
    body: Any

    @property
    def succeeded(self) -> bool:
        # A 300 is no success: an upsert whose external id several records carry wrote nothing.
        return 200 <= self.status < 300


@dataclass
class CallCounter:
    """API calls this client has spent (what the org's daily limit counts)."""

    total: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, operation: str) -> None:
        with self._lock:
            self.total += 1
            self.by_operation[operation] = self.by_operation.get(operation, 0) + 1


def path_segment(value: str) -> str:
    """One URL path segment from a record Id or external-id value ("." / ".." / "/" refused)."""
    return quoted_path_segment(value, "Salesforce")


def _with_duplicate_rule_header(subrequests: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A subrequest only sees its own httpHeaders, so each write carries the duplicate-rule header."""
    acknowledged = duplicate_rule_headers()
    if not acknowledged:
        return list(subrequests)
    return [
        sub if sub.get("method") == "GET" else {**sub, "httpHeaders": {**acknowledged, **sub.get("httpHeaders", {})}}
        for sub in subrequests
    ]


class SalesforceClient:
    def __init__(
        self,
        tokens: TokenProvider,
        api_version: str = "62.0",
        session: requests.Session | None = None,
        timeout: Timeout | Callable[[], Timeout] = (3.05, 25.0),
    ) -> None:
        self._tokens = tokens
        self._version = api_version.lstrip("v")
        self._session = session or requests.Session()
        # Fixed, or asked at each call (shorter while a caller waits for the answer: Services).
        self._timeout = timeout
        self.calls = CallCounter()
        # The org's API usage as the last answer reported it (Sforce-Limit-Info); read by `crm.api_budget`.
        self.api_usage: ApiUsage | None = None

    # -- plumbing -------------------------------------------------------------------------------
    def data_path(self, path: str) -> str:
        return f"/services/data/v{self._version}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout | None = None,
        data: bytes | None = None,
    ) -> requests.Response:
        """One API call; renews the token once if the session has expired. `timeout` replaces the
        client's own for this call (a caller with a time budget); `data` is a raw body (a Bulk API
        CSV upload) sent instead of `json`."""
        if method != "GET" and (acknowledged := duplicate_rule_headers()):
            headers = {**acknowledged, **(headers or {})}
        with traced(f"salesforce {operation}", operation=operation):
            token = self._tokens.current(self._session)
            resp = self._send(token, method, path, json, params, headers, operation, timeout, data)
            if resp.status_code == 401 and self._is_expired_session(resp):
                token = self._tokens.renew(self._session, token)
                resp = self._send(token, method, path, json, params, headers, operation, timeout, data)
        if resp.status_code >= 400 or (resp.status_code == 300 and operation != "upsert"):
            raise salesforce_error(resp.status_code, parse_error_body(self._json(resp)), operation)
        return resp

    def _send(
        self,
        token: AccessToken,
        method: str,
        path: str,
        json: Any,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        operation: str,
        timeout: Timeout | None = None,
        data: bytes | None = None,
    ) -> requests.Response:
        url = path if path.startswith("http") else f"{token.instance_url}{path}"
        all_headers = {"Authorization": f"Bearer {token.access_token}", "Accept": "application/json"}
        all_headers.update(headers or {})
        try:
            resp = self._session.request(
                method,
                url,
                json=json,
                data=data,
                params=params,
                headers=all_headers,
                timeout=timeout or self.current_timeout(),
            )
        except requests.RequestException as exc:
            self.calls.add(operation)  # it may have reached Salesforce and counted there
            raise TransientError(f"Salesforce {operation} failed: {type(exc).__name__}") from exc
        # A call refused as unauthenticated (expired session) is not counted against the org's limit.
        if resp.status_code != 401:
            self.calls.add(operation)
        self.api_usage = parse_limit_info(resp.headers.get("Sforce-Limit-Info"), time.time()) or self.api_usage
        return resp

    def integration_user_id(self) -> str:
        """The Id of the user the connector acts as, from its token response's identity URL (no API
        call: the token is the one the connector holds, or the one its next call would fetch)."""
        return self._tokens.current(self._session).user_id

    def current_timeout(self) -> Timeout:
        """The (connect, read) timeout a call without its own gets now."""
        return self._timeout() if callable(self._timeout) else self._timeout

    @staticmethod
    def _json(resp: requests.Response) -> Any:
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            return [{"errorCode": f"HTTP_{resp.status_code}", "message": resp.text[:200]}]

    def _is_expired_session(self, resp: requests.Response) -> bool:
        return any(d.error_code == "INVALID_SESSION_ID" for d in parse_error_body(self._json(resp)))

    # -- sObjects -------------------------------------------------------------------------------
    def create(self, sobject: str, fields: Record) -> str:
        resp = self.request("POST", self.data_path(f"sobjects/{sobject}"), operation="create", json=fields)
        return str(resp.json()["id"])

    def get(self, sobject: str, record_id: str, fields: Sequence[str] = ()) -> Record:
        params = {"fields": ",".join(fields)} if fields else None
        path = self.data_path(f"sobjects/{sobject}/{path_segment(record_id)}")
        return dict(self.request("GET", path, operation="read", params=params).json())

    def update(self, sobject: str, record_id: str, fields: Record) -> None:
        path = self.data_path(f"sobjects/{sobject}/{path_segment(record_id)}")
        self.request("PATCH", path, operation="update", json=fields)

    def delete(self, sobject: str, record_id: str) -> None:
        self.request("DELETE", self.data_path(f"sobjects/{sobject}/{path_segment(record_id)}"), operation="delete")

    def upsert(self, sobject: str, external_id_field: str, value: str, fields: Record) -> UpsertResult:
        """Create or update by external id. Several matches is a permanent error (HTTP 300)."""
        path = self.data_path(f"sobjects/{sobject}/{external_id_field}/{path_segment(value)}")
        try:
            resp = self.request("PATCH", path, operation="upsert", json=fields)
        except SalesforceError as exc:
            # Two concurrent upserts of a new key: Salesforce lets one insert and fails the other
            # with DUPLICATE_VALUE on that key; the same upsert again is now an update. A duplicate
            # on any other unique field would fail again: it is raised as it is, permanent.
            if not is_raced_duplicate(exc.details, external_id_field):
                raise
            try:
                resp = self.request("PATCH", path, operation="upsert", json=fields)
            except SalesforceError as again:
                raise salesforce_error(again.status, again.details, "upsert", external_id_field) from again
        if resp.status_code == 300:
            raise salesforce_error(
                300,
                [ApiErrorDetail("MULTIPLE_CHOICES", f"several {sobject} records have that {external_id_field}")],
                "upsert",
            )
        body = resp.json() if resp.content else {}
        return UpsertResult(id=str(body["id"]), created=resp.status_code == 201 or bool(body.get("created")))

    # -- SOQL -----------------------------------------------------------------------------------
    def query_iter(self, soql: str, timeout: Timeout | None = None) -> Iterator[Record]:
        """Every record of a query, following nextRecordsUrl page by page."""
        resp = self.request("GET", self.data_path("query"), operation="query", params={"q": soql}, timeout=timeout)
        while True:
            body = resp.json()
            yield from body.get("records", [])
            next_url = body.get("nextRecordsUrl")
            if body.get("done", True) or not next_url:
                return
            resp = self.request("GET", next_url, operation="query_more", timeout=timeout)

    def query(self, soql: str, timeout: Timeout | None = None) -> list[Record]:
        return list(self.query_iter(soql, timeout))

    def query_many(self, queries: Mapping[str, str], timeout: Timeout | None = None) -> dict[str, list[Record]]:
        """Several independent queries (first page each) in one API call."""
        if len(queries) == 1:
            ((name, soql),) = queries.items()
            return {name: self.query(soql, timeout)}
        subrequests = [
            {"method": "GET", "url": f"{self.data_path('query')}?q={quote(soql, safe='')}", "referenceId": name}
            for name, soql in queries.items()
        ]
        results = self.composite(subrequests, timeout=timeout)
        return {r.reference_id: list((r.body or {}).get("records", [])) for r in results}

    # -- describe -------------------------------------------------------------------------------
    def describe_many(self, sobjects: Sequence[str]) -> dict[str, Record]:
        """The sObject Describe of each object, 25 to an API call (a composite of GET subrequests:
        composite serves every sObject resource, up to 25 subrequests a call,
        https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html).
        An object the org does not have (404 NOT_FOUND) is left out of the answer; any other failure
        raises its typed error (transient when Salesforce is down or busy)."""
        names = list(dict.fromkeys(sobjects))
        found: dict[str, Record] = {}
        for start in range(0, len(names), MAX_COMPOSITE_SUBREQUESTS):
            chunk = names[start : start + MAX_COMPOSITE_SUBREQUESTS]
            subrequests = [
                {
                    "method": "GET",
                    "url": self.data_path(f"sobjects/{path_segment(name)}/describe"),
                    "referenceId": f"describe{index}",
                }
                for index, name in enumerate(chunk)
            ]
            for name, result in zip(chunk, self.composite(subrequests, all_or_none=False), strict=True):
                if result.succeeded and isinstance(result.body, dict):
                    found[name] = result.body
                elif result.status != 404:
                    raise self.subrequest_error(result, subrequests)
        return found

    # -- composite ------------------------------------------------------------------------------
    def composite(
        self, subrequests: Sequence[Mapping[str, Any]], all_or_none: bool = True, timeout: Timeout | None = None
    ) -> list[CompositeResult]:
        """Dependent writes in one API call; with all_or_none a failure raises the first real error."""
        resp = self.request(
            "POST",
            self.data_path("composite"),
            operation="composite",
            json={"allOrNone": all_or_none, "compositeRequest": _with_duplicate_rule_header(subrequests)},
            timeout=timeout,
        )
        results = [
            CompositeResult(str(item.get("referenceId")), int(item["httpStatusCode"]), item.get("body"))
            for item in resp.json()["compositeResponse"]
        ]
        failures = [r for r in results if not r.succeeded]
        if failures and all_or_none:
            real = [r for r in failures if "PROCESSING_HALTED" not in str(r.body)] or failures
            raise self.subrequest_error(real[0], subrequests)
        return results

    @staticmethod
    def subrequest_error(result: CompositeResult, subrequests: Sequence[Mapping[str, Any]]) -> SalesforceError:
        """The typed error of a failed subrequest (a 300 included: several records match an upsert)."""
        operation = f"composite:{result.reference_id}"
        if result.status == 300:
            detail = ApiErrorDetail("MULTIPLE_CHOICES", "several records match the upsert's external id")
            return salesforce_error(300, [detail], operation)
        sub = next((s for s in subrequests if s.get("referenceId") == result.reference_id), {})
        return salesforce_error(result.status, parse_error_body(result.body), operation, _upsert_field(sub))

    def upsert_many(
        self, sobject: str, external_id_field: str, records: Sequence[Record], all_or_none: bool = False
    ) -> list[RecordResult]:
        """sObject collection upsert: up to 200 records in one API call, a result per record."""
        if not records:
            return []
        payload = {
            "allOrNone": all_or_none,
            "records": [{"attributes": {"type": sobject}, **record} for record in records],
        }
        path = self.data_path(f"composite/sobjects/{sobject}/{external_id_field}")
        resp = self.request("PATCH", path, operation="collections", json=payload)
        return [self._record_result(item, external_id_field) for item in resp.json()]

    def update_many(self, sobject: str, records: Sequence[Record], all_or_none: bool = False) -> list[RecordResult]:
        """sObject collection update by Id (each record carries its Id)."""
        if not records:
            return []
        payload = {
            "allOrNone": all_or_none,
            "records": [{"attributes": {"type": sobject}, **record} for record in records],
        }
        resp = self.request("PATCH", self.data_path("composite/sobjects"), operation="collections", json=payload)
        return [self._record_result(item) for item in resp.json()]

    @staticmethod
    def _record_result(item: Mapping[str, Any], upsert_field: str | None = None) -> RecordResult:
        return RecordResult(
            id=item.get("id"),
            success=bool(item.get("success")),
            created=item.get("created"),
            errors=tuple(parse_error_body(item.get("errors") or [])),
            upsert_field=upsert_field,
        )


def _upsert_field(subrequest: Mapping[str, Any]) -> str | None:
    """The external-id field of an upsert subrequest (PATCH .../sobjects/<object>/<field>/<value>)."""
    if subrequest.get("method") != "PATCH":
        return None
    parts = str(subrequest.get("url", "")).split("?")[0].split("/")
    if "sobjects" not in parts:
        return None
    rest = parts[parts.index("sobjects") + 1 :]
    return rest[1] if len(rest) == 3 and rest[1] != "Id" else None
