"""The `stack` fixture: `python -m devstack run --port 0` as a subprocess, for the whole session.

Tests talk HTTP to it only: `stack.send(body)` signs and posts an event body to the route its
`event_type` names, `stack.get(path)` sends a signed GET, `stack.health` is the READY document
(URLs of the gateway, moto, the emulators; each function's routes, queue and DLQ URLs).
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import requests
import requests.adapters
from salesforce_org import SalesforceOrg

from devstack.signing import HEADER, route_for, secret_for, sign

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 60.0  # issue 2: `make run` answers health within 60 s
STOP_TIMEOUT = 15.0
DEFAULT_PATH = "/v1/commerce/customers"


class LocalStack:
    """A running devstack: its URLs and signed-request helpers."""

    def __init__(self, health: dict[str, Any]) -> None:
        self.health = health
        self.url: str = health["gateway"]
        self.salesforce: str | None = health.get("salesforce")
        self.commerce: str | None = health.get("commerce")
        self.loyalty: str | None = health.get("loyalty")
        self.social: str | None = health.get("social")
        self.moto: str = health["moto"]
        self.http = requests.Session()
        self.http.trust_env = False  # never through a proxy
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=64)
        self.http.mount("http://", adapter)

    def signature(
        self, method: str, path: str, raw: bytes = b"", timestamp: int | None = None, secret: str | None = None
    ) -> str:
        """The X-Signature value for `METHOD path` with this raw body (default: the route family's secret)."""
        return sign(secret or secret_for(path), method, path, raw, timestamp)

    def send(
        self,
        body: Mapping[str, Any],
        path: str | None = None,
        secret: str | None = None,
        headers: Mapping[str, str] | None = None,
        raw: bytes | None = None,
        sign: bool = True,
        timeout: float = 60.0,
    ) -> requests.Response:
        """POST `raw` (default: `body` as JSON) to `path` (default: the route of body's event_type),
        signed unless `sign=False` or `headers` already carry X-Signature."""
        data = json.dumps(body).encode() if raw is None else raw
        path = path or _route_of(body, data)
        out = {"Content-Type": "application/json", **(headers or {})}
        if sign and not any(k.lower() == HEADER.lower() for k in out):
            out[HEADER] = self.signature("POST", path, data, secret=secret)
        return self.http.post(self.url + path, data=data, headers=out, timeout=timeout)

    def get(
        self,
        path: str,
        secret: str | None = None,
        headers: Mapping[str, str] | None = None,
        sign: bool = True,
        timeout: float = 60.0,
    ) -> requests.Response:
        """A GET of `path` (with its query string), signed over an empty body."""
        out = dict(headers or {})
        if sign and not any(k.lower() == HEADER.lower() for k in out):
            out[HEADER] = self.signature("GET", path, b"", secret=secret)
        return self.http.get(self.url + path, headers=out, timeout=timeout)

    def invoke(self, function: str, event: Mapping[str, Any] | None = None) -> requests.Response:
        """Invoke a function directly (e.g. the scheduled reconciler) through /_local/invoke."""
        return self.http.post(f"{self.url}/_local/invoke/{function}", json=dict(event or {}), timeout=120)

    def replace_config(self, document: Mapping[str, Any], functions: tuple[str, ...] = ()) -> dict[str, Any]:
        """A new connector-config document and a cold start of the functions named (default: all;
        `PUT /_local/config`); returns the document it replaced."""
        params = {"functions": ",".join(functions)} if functions else None
        resp = self.http.put(f"{self.url}/_local/config", data=json.dumps(document), params=params, timeout=120)
        resp.raise_for_status()
        return dict(resp.json()["previous"])

    @contextlib.contextmanager
    def configured(self, document: Mapping[str, Any], functions: tuple[str, ...] = ()) -> Iterator[None]:
        """Run with this connector-config document (read by the functions named, default all), then
        go back to the one it replaced."""
        previous = self.replace_config(document, functions)
        try:
            yield
        finally:
            self.replace_config(previous, functions)

    def function(self, logical_id: str) -> dict[str, Any]:
        return dict(self.health["functions"][logical_id])


def _route_of(body: Mapping[str, Any], data: bytes) -> str:
    event_type = body.get("event_type") if isinstance(body, Mapping) else None
    if not isinstance(event_type, str):
        try:
            parsed = json.loads(data)
            event_type = parsed.get("event_type") if isinstance(parsed, dict) else None
        except ValueError:
            event_type = None
    route = route_for(event_type) if isinstance(event_type, str) else None
    return route or DEFAULT_PATH


class _Process:
    """The devstack subprocess, its output drained into a bounded tail."""

    def __init__(self, args: list[str]) -> None:
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "devstack", "run", *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.tail: collections.deque[str] = collections.deque(maxlen=400)
        self.ready = threading.Event()
        self.health: dict[str, Any] | None = None
        self._reader = threading.Thread(target=self._read, name="devstack-output", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            if line.startswith("READY ") and self.health is None:
                self.health = json.loads(line[len("READY ") :])
                self.ready.set()
                continue
            self.tail.append(line)
        self.ready.set()  # exited before READY

    def wait_ready(self, timeout: float) -> dict[str, Any] | None:
        self.ready.wait(timeout)
        return self.health

    def output(self, lines: int = 200) -> str:
        return "\n".join(list(self.tail)[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._reader.join(5)


@contextlib.contextmanager
def booted_stack(request: pytest.FixtureRequest, name: str, *args: str) -> Iterator[LocalStack]:
    """A local stack booted with these `devstack run` arguments, stopped afterwards."""
    # One state directory per xdist worker: each worker boots its own stack.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    state_dir = ROOT / ".devstack" / (f"{name}-{worker}" if worker else name)
    process = _Process(["--port", "0", "--state-dir", str(state_dir), *args])
    started = time.monotonic()
    health = process.wait_ready(READY_TIMEOUT)
    if health is None:
        process.stop()
        pytest.fail(
            f"devstack was not READY within {READY_TIMEOUT:.0f} s (exit code {process.proc.returncode}); "
            f"output tail:\n{process.output()}",
            pytrace=False,
        )
    sys.stderr.write(f"\ndevstack ({name}) READY in {time.monotonic() - started:.1f} s at {health['gateway']}\n")
    try:
        yield LocalStack(health)
    finally:
        process.stop()
        if request.session.testsfailed:
            sys.stderr.write(f"\n----- devstack ({name}) output (tail) -----\n{process.output()}\n-----\n")


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest) -> Iterator[LocalStack]:
    """The whole local stack (template.yaml, emulators, RIE functions), booted once per session."""
    with booted_stack(request, "e2e") as local:
        yield local


# The person-account stack's connector config (a test switching a section keeps the others).
PERSON_ACCOUNT_CONFIG: dict[str, Any] = {
    "commerce": {
        "customer_parent": "person_account",
        "site_customer_lists": {"RefArch": "RefArchGlobal"},
        "guest_case_policy": "leave_unlinked",
    }
}


@pytest.fixture(scope="module")
def person_account_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalStack]:
    """A second stack whose connector config keeps customers as Person Accounts and leaves Cases
    from unknown emails unlinked (the other choices the reference describes). Its emulated org gets
    person accounts enabled once booted, as a real org must have them before that mode is used."""
    config = tmp_path_factory.mktemp("config") / "connector-config.json"
    config.write_text(json.dumps(PERSON_ACCOUNT_CONFIG))
    with booted_stack(request, "e2e-person", "--config", str(config)) as local:
        SalesforceOrg(local.salesforce or "").enable_person_accounts()
        yield local


@pytest.fixture(scope="module")
def generic_host_stack(request: pytest.FixtureRequest) -> Iterator[LocalStack]:
    """A stack whose connector is configured with login.salesforce.com for client credentials."""
    with booted_stack(
        request, "e2e-generic-host", "--param", "SalesforceMyDomainUrl=https://login.salesforce.com"
    ) as local:
        yield local


@pytest.fixture(scope="module")
def limits_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The local configuration, with deferred work looking again every 2 s (instead of 300 s)."""
    config = json.loads((ROOT / "local" / "connector-config.json").read_text())
    config["salesforce"] = {"defer_at_api_usage": 0.8, "defer_seconds": 2}
    path = tmp_path_factory.mktemp("limits") / "connector-config.json"
    path.write_text(json.dumps(config))
    with booted_stack(request, "e2e-limits", "--config", str(path)) as local:
        yield local
