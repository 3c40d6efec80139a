"""The local HTTP API: requests in, HttpApi payload-2.0 events to the functions, responses out."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from devstack.events import INTERNAL_ERROR, NOT_FOUND, TOO_LARGE, HttpResult, http_api_event, http_api_response
from devstack.routes import RouteTable
from devstack.runtime import InvokeResult
from devstack.serving import LocalServer
from devstack.sigv4 import AUTHORIZER, FORBIDDEN, Refusal, SigV4Verifier

log = logging.getLogger("devstack")

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
HEALTH_PATH = "/_local/health"
INVOKE_PREFIX = "/_local/invoke/"
CONFIG_PATH = "/_local/config"

Invoker = Callable[[str, Any], InvokeResult]


def serve(app: Any, host: str, port: int, name: str) -> tuple[LocalServer, threading.Thread]:
    """Serve a WSGI app in a daemon thread (port 0 = any free port), on persistent HTTP/1.1
    connections as the real endpoints keep them (devstack.serving)."""
    server = LocalServer(app, host, port, name)
    return server, server.thread


class Gateway:
    """A WSGI app behaving like an API Gateway HTTP API with Lambda proxy integrations."""

    def __init__(
        self,
        routes: RouteTable,
        invoke: Invoker,
        health: Callable[[], dict[str, Any]],
        functions: Iterable[str],
        *,
        api_id: str = "local",
        replace_config: Callable[[str, list[str] | None], dict[str, Any]] | None = None,
        sigv4: SigV4Verifier | None = None,
    ) -> None:
        self.routes = routes
        self.invoke = invoke
        self.health = health
        self.functions = set(functions)
        self.api_id = api_id
        self.replace_config = replace_config
        # Checks the SigV4 signature of the AWS_IAM routes; without one, they refuse every request.
        self.sigv4 = sigv4

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        started = time.monotonic()
        target = "-"
        try:
            result, target = self._handle(request, environ)
        except Exception:
            log.exception("gateway: unexpected error")
            result = INTERNAL_ERROR
        response = Response(result.body, status=result.status)
        response.headers.clear()
        for name, value in result.headers:
            response.headers.add(name, value)
        response.headers.setdefault("apigw-requestid", environ.get("devstack.request_id", "local"))
        if not request.path.startswith("/_local/"):
            log.info(
                "gateway | %s %s -> %s %d (%.0f ms)",
                request.method,
                environ.get("devstack.logged_path") or request.full_path.rstrip("?"),
                target,
                result.status,
                (time.monotonic() - started) * 1000,
            )
        return response(environ, start_response)

    # ------------------------------------------------------------------ request handling
    def _handle(self, request: Request, environ: dict[str, Any]) -> tuple[HttpResult, str]:
        raw_path, _, raw_query = _raw_target(environ)
        if request.path == HEALTH_PATH and request.method == "GET":
            return _json(200, self.health()), "health"
        if request.path.startswith(INVOKE_PREFIX) and request.method == "POST":
            return self._direct_invoke(request, request.path[len(INVOKE_PREFIX) :])
        if request.path == CONFIG_PATH and request.method == "PUT" and self.replace_config is not None:
            return self._replace_config(request)

        length = request.content_length
        if length is not None and length > MAX_REQUEST_BYTES:
            return TOO_LARGE, "-"
        body = request.stream.read(MAX_REQUEST_BYTES + 1)
        if len(body) > MAX_REQUEST_BYTES:
            return TOO_LARGE, "-"

        match = self.routes.match(request.method, raw_path)
        if match is None:
            return NOT_FOUND, "-"
        route, params = match
        environ["devstack.logged_path"] = loggable_path(route.path, raw_path, raw_query)
        caller: dict[str, Any] | None = None
        if route.authorizer == AUTHORIZER:
            # As API Gateway's IAM authorizer: checked before the function is invoked, which a refused
            # request never reaches.
            verdict = (
                self.sigv4.verify(request.method, raw_path, raw_query, request.headers.items(), body)
                if self.sigv4 is not None
                else Refusal(FORBIDDEN, "ForbiddenException")
            )
            if isinstance(verdict, Refusal):
                log.info("gateway | %s %s: IAM authorizer refused: %s", request.method, route.path, verdict.message)
                return verdict.result(), "-"
            caller = verdict
        event = http_api_event(
            method=request.method,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=request.headers.items(),
            body=body,
            route_key=route.route_key,
            path_parameters=params,
            source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"),
            protocol=environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            scheme=environ.get("wsgi.url_scheme", "http"),
            server_port=int(environ.get("SERVER_PORT", 0) or 0) or None,
            api_id=self.api_id,
        )
        if caller is not None:
            event["requestContext"]["authorizer"] = {"iam": caller}
        environ["devstack.request_id"] = event["requestContext"]["requestId"]
        outcome = self.invoke(route.function, event)
        if not outcome.ok:
            log.warning(
                "gateway | %s failed (%s): %s",
                route.function,
                outcome.error,
                outcome.payload[:500].decode(errors="replace"),
            )
            return INTERNAL_ERROR, route.function
        return http_api_response(outcome.payload), route.function

    def _direct_invoke(self, request: Request, function: str) -> tuple[HttpResult, str]:
        if function not in self.functions:
            return _json(404, {"message": f"no function {function!r}", "functions": sorted(self.functions)}), "-"
        raw = request.get_data()
        try:
            event = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return _json(400, {"message": "body is not JSON"}), function
        outcome = self.invoke(function, event)
        headers = [("content-type", "application/json")]
        if not outcome.ok:
            headers.append(("x-amz-function-error", "Unhandled"))
        return HttpResult(200 if outcome.ok else 500, headers, outcome.payload), function

    def _replace_config(self, request: Request) -> tuple[HttpResult, str]:
        """`PUT /_local/config[?functions=A,B]`: the connector-config document (JSON, not validated
        here: the connector validates it at its cold start, as it would after a deployment); the
        functions named (default: all) cold-start."""
        assert self.replace_config is not None
        raw = request.get_data()
        try:
            json.loads(raw)
        except ValueError:
            return _json(400, {"message": "body is not JSON"}), "config"
        named = [f for f in request.args.get("functions", "").split(",") if f] or None
        try:
            replaced = self.replace_config(raw.decode(), named)
        except KeyError as exc:
            return _json(404, {"message": str(exc.args[0]), "functions": sorted(self.functions)}), "config"
        return _json(200, {"status": "replaced", **replaced}), "config"


MASK = "***"


def loggable_path(route_path: str, raw_path: str, raw_query: str = "") -> str:
    """The request path as the gateway logs it: a `{...token...}` path parameter (a native webhook's
    URL token, a credential) masked."""
    template = route_path.split("/")
    parts = raw_path.split("/")
    if len(template) == len(parts):
        for index, segment in enumerate(template):
            if segment.startswith("{") and "token" in segment.lower():
                parts[index] = MASK
    path = "/".join(parts)
    return f"{path}?{raw_query}" if raw_query else path


def _raw_target(environ: dict[str, Any]) -> tuple[str, str, str]:
    """(path, '?', query) exactly as the client sent them."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        path = environ.get("PATH_INFO", "/")
        query = environ.get("QUERY_STRING", "")
        return path, "?" if query else "", query
    if "://" in raw:  # absolute-form target
        raw = "/" + raw.split("://", 1)[1].partition("/")[2]
    return raw.partition("?")


def _json(status: int, document: Any) -> HttpResult:
    return HttpResult(status, [("content-type", "application/json")], json.dumps(document).encode())
