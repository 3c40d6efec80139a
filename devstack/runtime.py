"""Functions run the way Lambda runs them, without Docker.

Each pool slot is one Lambda Runtime Interface Emulator process (the static binary aws-sam-cli
ships) wrapping `python -m awslambdaric <handler>`: the real invoke API, timeouts, context,
START/END/REPORT lines. RIE serves one invocation at a time, so a function gets `size` slots.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import platform
import queue
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import requests

from devstack.template import FunctionSpec

log = logging.getLogger("devstack")

INVOKE_PATH = "/2015-03-31/functions/function/invocations"
# RIE's own (rapid) INFO/DEBUG chatter goes to the log file only; its warnings and errors (a
# timeout, a crashed runtime) and everything the function prints reach the console too.
_RAPID_CHATTER = re.compile(r"^\d{2} \w{3} \d{4} [\d:,.]+ \[(?:INFO|DEBUG)\] \(rapid\)")
_PASSTHROUGH = (
    "PATH",
    "HOME",
    "USER",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "NO_PROXY",
    "no_proxy",
    "VIRTUAL_ENV",
)


def rie_binary() -> Path:
    """The RIE binary bundled with aws-sam-cli for this machine's architecture."""
    spec = importlib.util.find_spec("samcli")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("aws-sam-cli is not installed: it ships the Lambda Runtime Interface Emulator")
    machine = platform.machine().lower()
    arch = "arm64" if machine in ("arm64", "aarch64") else "x86_64"
    path = Path(next(iter(spec.submodule_search_locations))) / "local" / "rapid" / f"aws-lambda-rie-{arch}"
    if not path.exists():
        raise RuntimeError(f"{path} not found (aws-sam-cli without the bundled RIE?)")
    if sys.platform != "linux":
        raise RuntimeError("the Lambda Runtime Interface Emulator is a Linux binary: run devstack on Linux")
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | 0o111)
    return path


_allocated: set[int] = set()
_allocated_lock = threading.Lock()


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free now and that this process has not handed out before.

    Ports are picked below the kernel's ephemeral range when there is room: a port from bind(0)
    may be handed to an outgoing connection before the child process that should listen on it
    gets there.
    """
    low, _ = _ephemeral_range()
    rng = random.SystemRandom()
    with _allocated_lock:
        for _ in range(200):
            port = rng.randrange(20000, low) if low > 21000 else _bind_any(host)
            if port in _allocated or not _bindable(host, port):
                continue
            _allocated.add(port)
            return port
    raise RuntimeError("no free local port")


def _bind_any(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def function_environment(
    spec: FunctionSpec,
    aws_endpoint: str,
    overrides: Mapping[str, str] | None = None,
    region: str = "us-east-1",
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment a function's process gets: a clean base (PATH, locale, proxies), the
    template's resolved variables, what Lambda itself sets, local AWS credentials, then overrides."""
    source = os.environ if base is None else base
    env = {k: source[k] for k in _PASSTHROUGH if k in source}
    if "NO_PROXY" in env or "no_proxy" in env or "HTTP_PROXY" in env or "http_proxy" in env:
        local = "127.0.0.1,localhost"
        env["NO_PROXY"] = env["no_proxy"] = ",".join(filter(None, [env.get("NO_PROXY", ""), local]))
    env.update(spec.environment)
    python_path = [str(spec.code_dir), *(str(d) for d in spec.layer_dirs)]
    env.update(
        {
            "AWS_ENDPOINT_URL": aws_endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
            # Lambda has no ~/.aws: the user's config and credentials files stay out of it.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_LAMBDA_FUNCTION_NAME": spec.logical_id,
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime or 'python3.13'}",
            "_HANDLER": spec.handler,
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "PYTHONPATH": os.pathsep.join(python_path),
            "PYTHONUNBUFFERED": "1",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
    )
    env.update(overrides or {})
    return env


@dataclass
class InvokeResult:
    """`ok` is a successful invocation with `payload` its JSON result; otherwise `error` says why
    (`function` error raised by the handler, `timeout`, or `runtime` when RIE could not run it)."""

    ok: bool
    payload: bytes
    error: str | None = None
    duration_ms: float = 0.0

    def json(self) -> Any:
        return json.loads(self.payload) if self.payload.strip() else None


def classify(status: int, payload: bytes) -> str | None:
    """RIE answers a handler exception, a timeout and a crash all with a payload, not a flag."""
    if status != 200:
        return "runtime"
    text = payload.strip()
    if text.startswith(b"Task timed out after"):
        return "timeout"
    if text.startswith(b"{") and b'"errorMessage"' in text:
        try:
            document = json.loads(text)
        except ValueError:
            return None
        if isinstance(document, dict) and "errorMessage" in document and "errorType" in document:
            return "timeout" if document.get("errorType") == "Sandbox.Timedout" else "function"
    return None


class LineSink:
    """Writes function output to the console (prefixed) and to the function's log file."""

    _console_lock = threading.Lock()

    def __init__(self, name: str, log_file: Path | None, console: TextIO | None) -> None:
        self.name = name
        self.path = log_file
        self.console = console
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            self._file = log_file.open("w", buffering=1, encoding="utf-8")

    def write(self, line: str) -> None:
        line = line.rstrip("\r\n")
        with self._lock:
            if self._file is not None:
                self._file.write(line + "\n")
        if self.console is not None and not _RAPID_CHATTER.match(line):
            with LineSink._console_lock:
                self.console.write(f"{self.name} | {line}\n")
                self.console.flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


class _Slot:
    def __init__(self, index: int, host: str) -> None:
        self.index = index
        self.host = host
        self.port = 0
        self.api_port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.reader: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{INVOKE_PATH}"


class FunctionPool:
    """`size` RIE processes for one function; `invoke` waits for a free one."""

    def __init__(
        self,
        spec: FunctionSpec,
        env: Mapping[str, str],
        size: int,
        sink: LineSink,
        *,
        rie: Path | None = None,
        python: str = sys.executable,
        host: str = "127.0.0.1",
    ) -> None:
        self.spec = spec
        self.env = dict(env)
        self.size = max(1, size)
        self.sink = sink
        self.rie = rie or rie_binary()
        self.python = python
        self.host = host
        self._slots = [_Slot(i, host) for i in range(self.size)]
        # Last in, first out: the slot freed last (a warm runtime) takes the next invoke, as Lambda
        # prefers a warm execution environment; a FIFO would cold-start every slot in turn.
        self._free: queue.LifoQueue[_Slot] = queue.LifoQueue()
        self._stopping = threading.Event()
        self._session = threading.local()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Spawn every slot's process. Call from a thread that outlives the pool: with setpriv
        available, each process gets SIGTERM when that thread's process dies (no orphans)."""
        if not self.spec.code_dir.is_dir():
            raise RuntimeError(f"{self.spec.logical_id}: CodeUri {self.spec.code_dir} is not a directory")
        for slot in self._slots:
            self._spawn(slot)
            self._free.put(slot)

    def _command(self, port: int, api_port: int) -> list[str]:
        # Both RIE listeners need a port of their own: the invoke API and the Runtime API the
        # runtime client polls (127.0.0.1:9001 by default, shared by every RIE otherwise).
        command = [
            str(self.rie),
            "--runtime-interface-emulator-address",
            f"{self.host}:{port}",
            "--runtime-api-address",
            f"127.0.0.1:{api_port}",
            self.python,
            "-m",
            "awslambdaric",
            self.spec.handler,
        ]
        setpriv = shutil.which("setpriv")
        if setpriv and sys.platform == "linux":
            command = [setpriv, "--pdeathsig", "SIGTERM", "--", *command]
        return command

    def _spawn(self, slot: _Slot) -> None:
        slot.port = free_port(self.host)
        slot.api_port = free_port("127.0.0.1")
        slot.process = subprocess.Popen(
            self._command(slot.port, slot.api_port),
            cwd=self.spec.code_dir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        slot.reader = threading.Thread(
            target=self._pump, args=(slot.process,), name=f"log-{self.spec.logical_id}-{slot.index}", daemon=True
        )
        slot.reader.start()

    def _pump(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            self.sink.write(raw.decode("utf-8", errors="replace"))
        process.stdout.close()

    def wait_ready(self, deadline: float, attempts: int = 3) -> None:
        """Wait until every slot listens and stays up; a slot whose RIE exited (one of its ports
        taken meanwhile) is respawned on new ports, `attempts` times at most. Call from the thread
        that called `start`."""
        tries = dict.fromkeys(range(self.size), 1)
        pending = list(self._slots)
        while pending:
            for slot in pending:
                while not port_open(self.host, slot.port):
                    if slot.process is None or slot.process.poll() is not None:
                        break
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{self.spec.logical_id}: RIE did not listen on port {slot.port}")
                    time.sleep(0.05)
            # RIE opens its invoke port before the Runtime API one: a moment more shows whether
            # the second bind failed.
            time.sleep(0.2)
            dead = [s for s in pending if s.process is None or s.process.poll() is not None]
            for slot in dead:
                if tries[slot.index] >= attempts:
                    code = slot.process.returncode if slot.process is not None else None
                    raise RuntimeError(f"{self.spec.logical_id}: RIE exited with {code} (see {self.sink.path})")
                tries[slot.index] += 1
                self._spawn(slot)
            pending = dead

    def recycle(self, timeout: float = 30.0) -> None:
        """Make every slot's next invocation a cold start, as new execution environments after a
        configuration change in AWS. Waits for in-flight invocations; the processes are respawned by
        `check`, on the thread that started the pool (their parent-death signal is tied to it)."""
        deadline = time.monotonic() + timeout
        taken: list[_Slot] = []
        try:
            for _ in range(self.size):
                taken.append(self._free.get(timeout=max(0.0, deadline - time.monotonic())))
            for slot in taken:
                if slot.process is not None:
                    _kill_tree(slot.process)
            for slot in taken:
                while slot.process is None or slot.process.poll() is not None or not port_open(self.host, slot.port):
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{self.spec.logical_id}: slot {slot.index} was not respawned")
                    time.sleep(0.05)
            time.sleep(0.2)  # RIE opens its invoke port before the Runtime API one (see wait_ready)
        finally:
            for slot in taken:
                self._free.put(slot)

    def check(self) -> None:
        """Respawn slots whose RIE process died (RIE itself restarts a crashed runtime)."""
        if self._stopping.is_set():
            return
        for slot in self._slots:
            if slot.process is not None and slot.process.poll() is not None:
                log.warning(
                    "%s: RIE slot %d exited with %s; restarting",
                    self.spec.logical_id,
                    slot.index,
                    slot.process.returncode,
                )
                self._spawn(slot)

    def stop(self, grace: float = 2.0) -> None:
        self._stopping.set()
        processes = [s.process for s in self._slots if s.process is not None]
        children = {p.pid: _descendants(p.pid) for p in processes}
        for p in processes:
            _signal_group(p, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for p in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=max(0.0, deadline - time.monotonic()))
        for p in processes:
            if p.poll() is None:
                _signal_group(p, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    p.wait(timeout=1.0)
            _kill_pids(children.get(p.pid, []))
        for slot in self._slots:
            if slot.reader is not None:
                slot.reader.join(timeout=1.0)

    @property
    def pids(self) -> list[int]:
        return [s.process.pid for s in self._slots if s.process is not None]

    # ------------------------------------------------------------------ invoke
    def invoke(self, event: Any, timeout: float | None = None) -> InvokeResult:
        """Invoke once, like the Lambda Invoke API (RequestResponse), waiting for a free slot."""
        data = event if isinstance(event, bytes) else json.dumps(event).encode()
        wait = timeout if timeout is not None else self.spec.timeout + 30
        try:
            slot = self._free.get(timeout=wait)
        except queue.Empty:
            return InvokeResult(False, b'{"errorMessage":"no free runtime slot"}', "runtime")
        started = time.monotonic()
        try:
            if self._stopping.is_set():
                return InvokeResult(False, b'{"errorMessage":"stack is stopping"}', "runtime")
            session = self._http()
            try:
                try:
                    resp = session.post(slot.url, data=data, timeout=(2.0, self.spec.timeout + 10))
                except requests.ConnectionError as refused:
                    # Nothing reached the function: the slot's RIE died (a port it lost right after a
                    # respawn). `check` respawns it on new ports; the invoke goes there once.
                    if isinstance(refused, requests.ReadTimeout) or not self._await_respawn(slot):
                        raise
                    resp = session.post(slot.url, data=data, timeout=(2.0, self.spec.timeout + 10))
            except requests.RequestException as exc:
                message = json.dumps({"errorMessage": str(exc), "errorType": "Runtime.InvokeError"}).encode()
                return InvokeResult(False, message, "runtime", (time.monotonic() - started) * 1000)
            error = classify(resp.status_code, resp.content)
            return InvokeResult(error is None, resp.content, error, (time.monotonic() - started) * 1000)
        finally:
            self._free.put(slot)

    def _await_respawn(self, slot: _Slot, timeout: float = 10.0) -> bool:
        """Wait for a slot whose RIE refused a connection to be listening again (respawned by `check`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self._stopping.is_set():
            if slot.process is not None and slot.process.poll() is None and port_open(self.host, slot.port):
                time.sleep(0.2)  # RIE opens its invoke port before the Runtime API one (see wait_ready)
                if slot.process.poll() is None:
                    return True
            time.sleep(0.05)
        return False

    def _http(self) -> requests.Session:
        session: requests.Session | None = getattr(self._session, "value", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # never route a local invoke through a proxy
            self._session.value = session
        return session


def _kill_pids(pids: list[int]) -> None:
    # RIE starts the runtime in a process group of its own: make sure it is gone too.
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    """RIE and the runtime it started, at once (a recycled slot leaves no runtime behind)."""
    children = _descendants(process.pid)
    _signal_group(process, signal.SIGKILL)
    _kill_pids(children)


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)


def _descendants(pid: int) -> list[int]:
    """Every descendant pid of `pid` (Linux /proc), deepest last."""
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child in _children(parent):
            found.append(child)
            frontier.append(child)
    return found


def _children(pid: int) -> list[int]:
    out: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    try:
        for task in task_dir.iterdir():
            with contextlib.suppress(OSError):
                out.extend(int(c) for c in (task / "children").read_text().split())
    except OSError:
        return []
    return out


InvokeFn = Callable[[Any], InvokeResult]
