"""The Flask application: OAuth, the data API pipeline (auth, counting, faults, routing) and
the admin API."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from .admin import admin_blueprint
from .api import ApiRequest, ApiResponse
from .errors import not_found
from .faults import error_body
from .limits import LIMIT_EXCEEDED
from .org import Org
from .request_log import LOGGED_HEADERS, parse_json
from .routes import Match, Router

_VERSION = re.compile(r"^\d{2}\.\d$")
# Versions listed by GET /services/data/ (any vNN.N is served).
_LISTED_VERSIONS = (
    ("Spring '24", "60.0"),
    ("Summer '24", "61.0"),
    ("Winter '25", "62.0"),
    ("Spring '25", "63.0"),
    ("Summer '25", "64.0"),
)
_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"]
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if status == 204 or (body is None and status < 300):
        response = Response(status=status)
    else:
        response = Response(json.dumps(body), status=status, mimetype="application/json")
        response.headers["Content-Type"] = "application/json;charset=UTF-8"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    # Salesforce accepts the legacy "OAuth" scheme as well as "Bearer".
    return token.strip() if scheme.lower() in {"bearer", "oauth"} and token.strip() else None


def create_app(schema_dir: Path | None = None) -> Flask:
    """A fresh in-memory org served over the Salesforce REST API shape.

    The schema comes from the SFDX source (`SALESFORCE_EMULATOR_SCHEMA_DIR` or the repo's
    `salesforce/` folder) unless `schema_dir` names another SFDX project or objects folder.
    """
    org = Org(schema_dir)
    router = Router()
    app = Flask("emulators.salesforce")
    app.extensions["salesforce_org"] = org
    app.register_blueprint(admin_blueprint(org))

    @app.post("/services/oauth2/token")
    def token() -> Response:
        org.counters.record_token_request()
        auth = request.authorization
        basic = (auth.username or "", auth.password or "") if auth and auth.type == "basic" else None
        outcome = org.sessions.token_request(
            request.form.to_dict(), basic, request.host_url.rstrip("/"), org.user_id, host=request.host
        )
        return json_response(outcome.body, outcome.status)

    @app.get("/services/data")
    @app.get("/services/data/")
    def versions() -> Response:
        return json_response(
            [{"label": label, "url": f"/services/data/v{v}", "version": v} for label, v in _LISTED_VERSIONS]
        )

    @app.route("/services/data/v<version>", methods=_METHODS)
    @app.route("/services/data/v<version>/", methods=_METHODS)
    @app.route("/services/data/v<version>/<path:rest>", methods=_METHODS)
    def data(version: str, rest: str = "") -> Response:
        if not _VERSION.match(version):
            error = not_found()
            return json_response(error.body(), error.status)
        if not org.sessions.is_valid(_bearer_token()):
            return json_response(INVALID_SESSION, 401)
        path = "/" + rest
        method = request.method
        match = router.match(method, path)
        key = match.counter_key(method, path, _canonical_names(org))
        allowed, used, allocation = org.api_allocation.spend()
        limit_info = {"Sforce-Limit-Info": f"api-usage={used}/{allocation}"}
        if not allowed:
            return json_response(LIMIT_EXCEEDED, 403, limit_info)
        org.counters.record_call(match.operation(method), key)
        response = _run(org, router, match, key, version, path)
        org.requests.record(
            method=method,
            path=request.path,
            key=key,
            query=request.args.to_dict(),
            body=parse_json(request.get_data()),
            status=response.status,
            headers={name: request.headers[name] for name in LOGGED_HEADERS if name in request.headers},
        )
        if response.raw is not None:
            blob = Response(response.raw, status=response.status, mimetype="application/octetstream")
            blob.headers.update({**response.headers, **limit_info})
            return blob
        return json_response(
            response.body,
            response.status,
            {**response.headers, **limit_info},
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "UNKNOWN_EXCEPTION")
        message = "The requested resource does not exist" if status == 404 else exc.description or exc.name
        return json_response([{"message": message, "errorCode": code}], status)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        # A bug in the emulator: answer like Salesforce's own internal errors, and log it.
        app.logger.exception("unhandled error in the Salesforce emulator")
        return json_response(
            [{"message": f"An unexpected error occurred: {type(exc).__name__}", "errorCode": "UNKNOWN_EXCEPTION"}], 500
        )

    return app


def _run(org: Org, router: Router, match: Match, key: str, version: str, path: str) -> ApiResponse:
    """Inject any fault for this call, else run it under the org lock."""
    method = request.method
    injection = org.faults.pick((f"{method} {request.path}", key))
    injection.wait()
    if injection.failure is not None:
        return ApiResponse(injection.failure.status, error_body(injection.failure))
    api_request = ApiRequest(
        method=method,
        path=path,
        version=version,
        args=request.args.to_dict(),
        headers=dict(request.headers),
        raw_body=request.get_data(),
    )
    with org.lock:
        return router.execute(org, api_request, match)


def _canonical_names(org: Org) -> Any:
    """Counter keys use the schema's spelling, however the client cased the URL."""

    def canonical(sobject: str, field: str | None) -> tuple[str, str | None]:
        obj = org.schema.object(sobject) if sobject else None
        if obj is None:
            return sobject, field
        field_def = obj.field(field) if field else None
        return obj.name, field_def.name if field_def is not None else field

    return canonical
