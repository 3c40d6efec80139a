"""Plumbing shared by the commerce, loyalty and social emulators.

Tests, benchmarks and the local stack drive every emulator the same way, so the parts they rely
on live here once: the `/_admin/` API (reset, seed, counters, faults, request log), errors
rendered in each platform's own shape, the `python -m emulators.<name>` entry point, and
`running()`, which serves an app on a free port in a thread (for test fixtures).

Admin API (no auth, never counted, never faulted):

    POST   /_admin/reset            empty the store, counters, request log and faults
    POST   /_admin/seed             add records (body per emulator)
    GET    /_admin/counters         {"total": n, "by_path": {"GET /customers/{customer_no}": n}}
    POST   /_admin/counters/reset
    GET    /_admin/requests         [{"method","path","key","query","json","at"}...]; ?match=substr
    DELETE /_admin/requests
    GET    /_admin/faults           {"faults": [the active rules]}
    POST   /_admin/faults           {"status": 503, "count": 2} | {"ratio": 0.5, "seed": 7} |
                                    {"latency_ms": 200}, optionally with "match": substring of
                                    "METHOD /path" (the real path or the counter key). "count"
                                    limits how many calls the rule hits (else until DELETE);
                                    "ratio" fails that share of calls; status defaults to 503 for
                                    "ratio" or a bare "count"; "latency_ms" without a status only
                                    delays. When several rules hit a call their latencies add up
                                    and the first failing one decides (`emulators.faults`).
    DELETE /_admin/faults
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import string
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.serving import make_server

from emulators.faults import Faults, FaultSpecError

JSON = dict[str, Any]
ADMIN_PREFIX = "/_admin"
# Bounded so a long `make run` session cannot grow the log without limit.
REQUEST_LOG_SIZE = 10_000
_RULE_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_ALNUM = string.ascii_letters + string.digits


class ApiError(Exception):
    """An error answered in the platform's shape; `code=None` means the platform's default code
    for that HTTP status."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


# (status, code, message) -> response in the platform's own error shape.
ErrorRenderer = Callable[[int, str, str], Response]


def now_iso() -> str:
    """UTC timestamp with milliseconds and a Z suffix, as OCAPI and SessionM print them."""
    return iso(datetime.now(UTC))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    """Parse an RFC 3339 timestamp (Z or offset); raises ValueError when it is not one."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def new_id(prefix: str = "", length: int = 20) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(length))


def json_body(*, required: bool = True) -> JSON:
    """The request body as a JSON object, or a 400 in the platform's shape."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise ApiError(400, "A JSON request body is required.")
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, f"Malformed JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return value


def route_template(rule: str) -> str:
    """Flask rule `/customers/<customer_no>` -> counter key form `/customers/{customer_no}`."""
    return _RULE_ARG.sub(r"{\1}", rule)


class RequestLog:
    """The last data calls received, newest last (thread-safe); each entry has at least
    "method", "path" and "key"."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JSON] = deque(maxlen=REQUEST_LOG_SIZE)

    def append(self, entry: JSON) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self, match: str | None = None) -> list[JSON]:
        """Every entry, or those whose "METHOD path" or counter key contains `match`."""
        with self._lock:
            entries = list(self._entries)
        if match:
            entries = [e for e in entries if match in f"{e['method']} {e['path']}" or match in e["key"]]
        return entries

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class Instruments:
    """Counters, request log and fault rules of one emulator instance (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self.requests = RequestLog()
        self.faults = Faults()

    def reset(self) -> None:
        self.reset_counters()
        self.requests.clear()
        self.faults.clear()

    def record(self, key: str, entry: JSON) -> None:
        with self._lock:
            self._counts[key] += 1
        self.requests.append(entry)

    def counters(self) -> JSON:
        with self._lock:
            return {"total": sum(self._counts.values()), "by_path": dict(self._counts)}

    def reset_counters(self) -> None:
        with self._lock:
            self._counts.clear()


class Store(Protocol):
    """What the admin API needs of an emulator's store."""

    def reset(self) -> None: ...

    def seed(self, body: JSON) -> JSON: ...


def install(
    app: Flask,
    *,
    store: Store,
    render_error: ErrorRenderer,
    default_codes: Mapping[int, str],
    api_base: str | re.Pattern[str] = "",
    authenticate: Callable[[], None] | None = None,
    authenticated: str = "/",
) -> Instruments:
    """Wire the admin API, request accounting, fault injection and platform-shaped errors.

    `api_base` (a prefix, or a pattern anchored at the start of route templates) is left out of
    the counter keys, so they read like the platform's documentation: "GET /customers/{customer_no}".
    `authenticate` checks each call whose path starts with `authenticated` and raises ApiError to
    refuse it, after the call was counted, logged and given its fault.
    """
    instruments = Instruments()
    base = api_base if isinstance(api_base, re.Pattern) else re.compile("^" + re.escape(api_base))

    def error(status: int, message: str, code: str | None = None) -> Response:
        return render_error(status, code or default_codes.get(status, "Error"), message)

    @app.before_request
    def _account_and_inject() -> Response | None:
        if request.path.startswith(ADMIN_PREFIX):
            return None
        rule = request.url_rule.rule if request.url_rule is not None else request.path
        key = f"{request.method} {base.sub('', route_template(rule), count=1) or '/'}"
        instruments.record(
            key,
            {
                "method": request.method,
                "path": request.path,
                "key": key,
                "query": request.args.to_dict(),
                "json": request.get_json(silent=True),
                "at": now_iso(),
            },
        )
        injection = instruments.faults.pick((f"{request.method} {request.path}", key))
        injection.wait()
        failure = injection.failure
        if failure is not None:
            return error(failure.status, failure.message or f"Injected fault: HTTP {failure.status}.", failure.code)
        return None

    if authenticate is not None:

        @app.before_request
        def _authenticate() -> None:
            if request.path.startswith(authenticated):
                authenticate()

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error(exc.status, exc.message, exc.code)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        response = error(status, exc.description or exc.name)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unhandled error")
        return error(500, f"Internal error: {type(exc).__name__}")

    ok = json_response

    @app.post(f"{ADMIN_PREFIX}/reset")
    def _reset() -> Response:
        store.reset()
        instruments.reset()
        return ok({"reset": True})

    @app.post(f"{ADMIN_PREFIX}/seed")
    def _seed() -> Response:
        return ok(store.seed(json_body()))

    @app.get(f"{ADMIN_PREFIX}/counters")
    def _counters() -> Response:
        return ok(instruments.counters())

    @app.post(f"{ADMIN_PREFIX}/counters/reset")
    def _reset_counters() -> Response:
        instruments.reset_counters()
        return ok(instruments.counters())

    @app.get(f"{ADMIN_PREFIX}/requests")
    def _requests() -> Response:
        return ok(instruments.requests.entries(request.args.get("match")))

    @app.delete(f"{ADMIN_PREFIX}/requests")
    def _clear_requests() -> Response:
        instruments.requests.clear()
        return ok([])

    @app.get(f"{ADMIN_PREFIX}/faults")
    def _faults() -> Response:
        return ok({"faults": instruments.faults.list()})

    @app.post(f"{ADMIN_PREFIX}/faults")
    def _add_fault() -> Response:
        try:
            instruments.faults.add(json_body())
        except FaultSpecError as exc:
            raise ApiError(400, str(exc)) from exc
        return ok({"faults": instruments.faults.list()})

    @app.delete(f"{ADMIN_PREFIX}/faults")
    def _clear_faults() -> Response:
        instruments.faults.clear()
        return ok({"faults": []})

    return instruments


def json_response(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def main(create_app: Callable[[], Flask], prog: str, argv: list[str] | None = None, default_port: int = 0) -> None:
    """`python -m emulators.<name> --host H --port P`: serve until interrupted. Port 0 picks a
    free port; the READY line names the real one, so a parent process can wait for it."""
    parser = argparse.ArgumentParser(prog=prog, description=f"Serve the {prog} emulator over HTTP.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port, help="0 picks a free port")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, create_app(), threaded=True)
    print(f"READY http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@contextmanager
def running(app: Flask, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `app` on a free port in a daemon thread; yields its base URL (for test fixtures)."""
    server = make_server(host, 0, app, threaded=True)
    # A short poll interval keeps shutdown fast at the end of a test session.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
