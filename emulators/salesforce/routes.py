"""The REST resources under /services/data/vNN.N, and how each call is counted and run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from . import bulk_api, collections_api, composite_api, query_api, sobjects_api
from .api import ApiRequest, ApiResponse, Call
from .duplicate_rules import HEADER as DUPLICATE_RULE_HEADER
from .errors import ApiError, fail, not_found
from .org import Org
from .records import MultipleMatches, record_url

Handler = Callable[[Call], ApiResponse]


@dataclass(frozen=True)
class Route:
    rule: str
    # method -> (handler, operation counted in /_admin/counters)
    methods: dict[str, tuple[Handler, str]]
    # Counter key: the path with ids and external id values left out.
    key: str


ROUTES: tuple[Route, ...] = (
    Route("/", {"GET": (sobjects_api.resources, "other")}, "/"),
    Route("/limits", {"GET": (sobjects_api.limits, "other")}, "/limits"),
    Route("/sobjects", {"GET": (sobjects_api.global_describe, "describe")}, "/sobjects"),
    Route(
        "/sobjects/<sobject>",
        {"GET": (sobjects_api.basic_info, "describe"), "POST": (sobjects_api.create, "create")},
        "/sobjects/{sobject}",
    ),
    Route("/sobjects/<sobject>/describe", {"GET": (sobjects_api.describe, "describe")}, "/sobjects/{sobject}/describe"),
    Route(
        "/sobjects/<sobject>/<record_id>",
        {
            "GET": (sobjects_api.read, "read"),
            "PATCH": (sobjects_api.update, "update"),
            "DELETE": (sobjects_api.delete, "delete"),
        },
        "/sobjects/{sobject}/{id}",
    ),
    Route(
        "/sobjects/<sobject>/<field>/<path:value>",
        {
            "GET": (sobjects_api.read_by_external_id, "read"),
            "PATCH": (sobjects_api.upsert, "upsert"),
            "DELETE": (sobjects_api.delete_by_external_id, "delete"),
        },
        "/sobjects/{sobject}/{field}",
    ),
    Route("/query", {"GET": (query_api.query, "query")}, "/query"),
    Route("/queryAll", {"GET": (query_api.query_all, "query")}, "/queryAll"),
    Route("/query/<locator>", {"GET": (query_api.query_more, "query_more")}, "/query/{locator}"),
    Route("/queryAll/<locator>", {"GET": (query_api.query_more, "query_more")}, "/queryAll/{locator}"),
    Route("/composite", {"POST": (composite_api.composite, "composite")}, "/composite"),
    Route(
        "/composite/sobjects",
        {
            "POST": (collections_api.create_many, "collections"),
            "PATCH": (collections_api.update_many, "collections"),
            "DELETE": (collections_api.delete_many, "collections"),
        },
        "/composite/sobjects",
    ),
    Route(
        "/composite/sobjects/<sobject>",
        {"GET": (collections_api.retrieve_many, "collections"), "POST": (collections_api.retrieve_many, "collections")},
        "/composite/sobjects/{sobject}",
    ),
    Route(
        "/composite/sobjects/<sobject>/<field>",
        {"PATCH": (collections_api.upsert_many, "collections")},
        "/composite/sobjects/{sobject}/{field}",
    ),
    # Bulk API 2.0 ingest: each request is one API call, like any REST call.
    Route(
        "/jobs/ingest",
        {"GET": (bulk_api.list_jobs, "bulk"), "POST": (bulk_api.create_job, "bulk")},
        "/jobs/ingest",
    ),
    Route(
        "/jobs/ingest/<job_id>",
        {
            "GET": (bulk_api.job_info, "bulk"),
            "PATCH": (bulk_api.change_state, "bulk"),
            "DELETE": (bulk_api.delete_job, "bulk"),
        },
        "/jobs/ingest/{id}",
    ),
    Route("/jobs/ingest/<job_id>/batches", {"PUT": (bulk_api.upload, "bulk")}, "/jobs/ingest/{id}/batches"),
    Route(
        "/jobs/ingest/<job_id>/successfulResults/",
        {"GET": (bulk_api.successful_results, "bulk")},
        "/jobs/ingest/{id}/successfulResults",
    ),
    Route(
        "/jobs/ingest/<job_id>/failedResults/",
        {"GET": (bulk_api.failed_results, "bulk")},
        "/jobs/ingest/{id}/failedResults",
    ),
    Route(
        "/jobs/ingest/<job_id>/unprocessedrecords/",
        {"GET": (bulk_api.unprocessed_records, "bulk")},
        "/jobs/ingest/{id}/unprocessedrecords",
    ),
)


@dataclass(frozen=True)
class Match:
    route: Route | None
    args: dict[str, str]
    error: ApiError | None = None

    def operation(self, method: str) -> str:
        if self.route is None or method not in self.route.methods:
            return "other"
        return self.route.methods[method][1]

    def counter_key(
        self, method: str, path: str, canonical: Callable[[str, str | None], tuple[str, str | None]]
    ) -> str:
        if self.route is None:
            return f"{method} {path}"
        sobject, field = canonical(self.args.get("sobject", ""), self.args.get("field"))
        values = {"sobject": sobject, "field": field or "", "id": "{id}", "locator": "{locator}"}
        return f"{method} {self.route.key.format(**values)}"


class Router:
    def __init__(self) -> None:
        rules = [
            Rule(route.rule, endpoint=index, methods=list(route.methods), strict_slashes=False)
            for index, route in enumerate(ROUTES)
        ]
        self._adapter = Map(rules, merge_slashes=False).bind("salesforce.emulator")

    def match(self, method: str, path: str) -> Match:
        try:
            endpoint, args = self._adapter.match(path, method=method)
        except MethodNotAllowed as exc:
            allowed = ",".join(m for m in exc.valid_methods or () if m not in {"HEAD", "OPTIONS"})
            return Match(
                None, {}, fail(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {allowed}")
            )
        except NotFound:
            return Match(None, {}, not_found())
        return Match(ROUTES[int(endpoint)], {k: str(v) for k, v in args.items()})

    def execute(self, org: Org, request: ApiRequest, match: Match | None = None) -> ApiResponse:
        """Run one request atomically: any error undoes what it wrote."""
        match = match or self.match(request.method, request.path)
        if match.error is not None or match.route is None:
            error = match.error or not_found()
            return ApiResponse(error.status, error.body())
        handler = match.route.methods[request.method if request.method != "HEAD" else "GET"][0]
        call = Call(org, request, match.args, lambda sub: self.execute(org, sub))
        # Duplicate rules read this request's own header: a composite subrequest has only its
        # httpHeaders, not the composite request's.
        rules = org.duplicate_rules
        saved = (rules.in_api_request, rules.request_header, rules.api_version)
        rules.in_api_request, rules.request_header = True, request.header(DUPLICATE_RULE_HEADER)
        rules.api_version = request.version
        try:
            with org.store.transaction():
                return handler(call)
        except ApiError as error:
            return ApiResponse(error.status, error.body())
        except MultipleMatches as multiple:
            return ApiResponse(300, [record_url(request.version, multiple.object_name, i) for i in multiple.record_ids])
        finally:
            rules.in_api_request, rules.request_header, rules.api_version = saved
