"""Cold start of the registration function, measured as deployed.

What Lambda runs is the `sam build` output (`make build`), unzipped into a read-only /var/task (the
function) and /opt (the layer), on a runtime whose site-packages hold boto3 and its dependencies.
This benchmark builds that picture: both build outputs go through a zip round trip (as
`sam deploy` packages them; extraction does not keep the build's mtimes) into read-only
directories, and a "runtime" venv of the runtime's Python gets boto3 and its dependencies alone.
Every sample is a fresh interpreter with `PYTHONDONTWRITEBYTECODE=1`, the function directory and
the layer first on `sys.path` (as /var/task and /opt/python are), so a module without its `.pyc`
is compiled again at each sample, as it would be at each cold start.

Side by side, medians of BENCH_SAMPLES (>= 7) fresh interpreters:
  (a) `import boto3, pydantic, requests, aws_lambda_powertools` alone: the floor;
  (b) init: the app's import, the settings and the clients a real-time event uses;
  (c) the first invocation after that init: a new customer's registration, against the local
      stack's moto server and emulators (Secrets Manager, SSM, DynamoDB, the Salesforce token);
  (d) a warm invocation: the next new customer's registration in the same interpreter.
Goals (issue 12): (b) <= 1.3 x (a), (c) - (d) <= 150 ms.

Then, for every function of the build, its init alone (import + settings + clients, the same code
as (b) without the invocations), medians of BENCH_FUNCTION_SAMPLES (default 5) fresh interpreters
each, and the connector's share of it: that init's CPU time less (a')'s, what the connector's own
modules (the app, the shared package's classes and models, the config document) and its clients add
to the libraries' first use; and the app's import alone after (a')'s code in the same interpreter, the
connector's own import without the spread of two interpreters' figures.

Tracing is on, as `Tracing: Active` deploys it: the first traced call imports the X-Ray SDK, a cost
of the first invocation in AWS; its segments go to a UDP port on the loopback that nobody reads.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".aws-sam" / "build"
SAMPLES = max(7, int(os.environ.get("BENCH_SAMPLES", "7")))
FUNCTION_SAMPLES = max(1, int(os.environ.get("BENCH_FUNCTION_SAMPLES", "5")))
TOP = 15
FUNCTION = "RegistrationFunction"
ROUTE = "/v1/commerce/customers"
# What the python3.13 runtime has in its site-packages besides the standard library: boto3 and the
# libraries it needs (the Makefile's RUNTIME_PROVIDED, which the layer leaves out).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
GOAL_INIT_RATIO = 1.3
GOAL_FIRST_INVOCATION_MS = 150.0

FLOOR = """
import json, time
t0, c0 = time.perf_counter(), time.process_time()
import boto3, pydantic, requests, aws_lambda_powertools
print(json.dumps({"floor": time.perf_counter() - t0, "floor_cpu": time.process_time() - c0}))
"""

# What any function using these libraries pays on top of (a) before its own code runs: pydantic's
# model machinery (BaseModel is imported lazily: `import pydantic` alone loads little) and its first
# model, a boto3 session and its first client (botocore decodes endpoints.json, 1.2 MB, and lists
# its data directory then). The part of (b) that the connector cannot remove.
LIBRARIES_FIRST_USE = """
import json, time
t0, c0 = time.perf_counter(), time.process_time()
import boto3, pydantic, requests, aws_lambda_powertools
class First(pydantic.BaseModel):
    name: str
First(name="x")
boto3.session.Session().client("dynamodb")
print(json.dumps({"libraries": time.perf_counter() - t0, "libraries_cpu": time.process_time() - c0}))
"""

# The Lambda runtime imports the handler's module by name from /var/task, then calls it per event.
FUNCTION_RUN = """
import json, os, sys, time, uuid
t0, c0 = time.perf_counter(), time.process_time()
import app
t1, c1 = time.perf_counter(), time.process_time()
from connector.settings import get_settings
get_settings()
t2, c2 = time.perf_counter(), time.process_time()
services = app.trigger.services
services.dynamodb, services.salesforce, services.sync_state, services.identities
app.trigger.processor
t3, c3 = time.perf_counter(), time.process_time()
if len(sys.argv) < 2:
    sys.exit()


class Context:
    function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
    log_group_name = f"/aws/lambda/{function_name}"
    log_stream_name = "bench"

    def __init__(self):
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self):
        return 30000


def invoke(event):
    # What the runtime sets before each invocation: the trace header of this request.
    root = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    os.environ["_X_AMZN_TRACE_ID"] = f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled=1"
    started, cpu = time.perf_counter(), time.process_time()
    answer = app.handler(event, Context())
    return time.perf_counter() - started, time.process_time() - cpu, answer["statusCode"]


first, warm = json.load(open(sys.argv[1]))
t_first, c_first, status_first = invoke(first)
t_warm, c_warm, status_warm = invoke(warm)
print(json.dumps({
    "import": t1 - t0, "settings": t2 - t1, "clients": t3 - t2, "init": t3 - t0,
    "import_cpu": c1 - c0, "settings_cpu": c2 - c1, "clients_cpu": c3 - c2, "init_cpu": c3 - c0,
    "first": t_first, "warm": t_warm, "first_cpu": c_first, "warm_cpu": c_warm,
    "statuses": [status_first, status_warm],
}))
"""


# Another function's init (the backfill has no trigger: its handler is its whole init).
FUNCTION_INIT = """
import json, time
c0 = time.process_time()
import app
c1 = time.process_time()
from connector.settings import get_settings
get_settings()
c2 = time.process_time()
trigger = getattr(app, "trigger", None)
if trigger is not None:
    services = trigger.services
    services.dynamodb, services.salesforce, services.sync_state, services.identities
    trigger.processor
c3 = time.process_time()
print(json.dumps({"import_cpu": c1 - c0, "settings_cpu": c2 - c1, "clients_cpu": c3 - c2, "init_cpu": c3 - c0}))
"""


# The app's import alone, after what (a') does in the same interpreter: the connector's own import
# (its modules, classes and models), without the spread of two interpreters' figures subtracted.
IMPORT_AFTER_LIBRARIES = """
import json, time
import boto3, pydantic, requests, aws_lambda_powertools
class First(pydantic.BaseModel):
    name: str
First(name="x")
boto3.session.Session().client("dynamodb")
c0 = time.process_time()
import app
print(json.dumps({"import_after_cpu": time.process_time() - c0}))
"""


def _unzip_read_only(built: Path, target: Path) -> Path:
    """The build output as Lambda gets it: zipped, unzipped (new mtimes), without write bits."""
    archive = target.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(built.rglob("*")):
            zipped.write(path, path.relative_to(built))
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(target)
    archive.unlink()
    for path in [target, *target.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    return target


def _runtime(target: Path) -> Path:
    """A venv of the runtime's Python whose site-packages hold what the Lambda runtime's do: boto3
    and its dependencies, copied from this venv with the bytecode pip compiled for them."""
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(target)], check=True)
    site = next(target.glob("lib/python3.*/site-packages"))
    for name in RUNTIME_PROVIDED:
        dist = metadata.distribution(name)
        for file in dist.files or []:
            source = Path(str(dist.locate_file(file)))
            if source.is_file() and ".." not in file.parts:
                (site / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, site / file)
    return target / "bin" / "python"


def _bytecode_gaps(root: Path) -> list[str]:
    """Python sources without a .pyc the runtime would use (imported from source at every cold start)."""
    tag = sys.implementation.cache_tag
    gaps = []
    for source in root.rglob("*.py"):
        cached = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        if not cached.exists() and not source.with_suffix(".pyc").exists():
            gaps.append(str(source.relative_to(root)))
    return gaps


def _bytecode(*roots: Path) -> set[Path]:
    return {path for root in roots for path in root.rglob("*.pyc")}


def _size(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


@contextmanager
def _deployed() -> Iterator[tuple[Path, Path, Path]]:
    """(python, /var/task, /opt) of a deployed registration function, in a temporary directory."""
    if not (BUILD / FUNCTION).is_dir() or not (BUILD / "CommonLayer").is_dir():
        raise SystemExit("no sam build output: run `make build` first (`make bench` does)")
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        here = Path(tmp)
        task = _unzip_read_only(BUILD / FUNCTION, here / "task")
        opt = _unzip_read_only(BUILD / "CommonLayer", here / "opt")
        python = _runtime(here / "runtime")
        try:
            yield python, task, opt
        finally:
            for path in [here, *here.rglob("*")]:
                if path.is_dir():
                    path.chmod(0o755)


def _run(python: Path, env: dict[str, str], code: str, *args: str, flags: tuple[str, ...] = ()) -> str:
    done = subprocess.run(
        [str(python), *flags, "-c", code, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the deployed function failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr


def _environment(stack: Any, task: Path, opt: Path, function: str = FUNCTION) -> dict[str, str]:
    from devstack.runtime import function_environment

    spec = next(s for s in stack.functions if s.logical_id == function)
    env = function_environment(spec, stack.aws.url)
    env.pop("POWERTOOLS_TRACE_DISABLED")  # traced as deployed (Tracing: Active)
    env.update(
        {
            "LAMBDA_TASK_ROOT": str(task),
            # Lambda's order: the function, then the layer, then the runtime's site-packages.
            "PYTHONPATH": os.pathsep.join([str(task), str(opt / "python")]),
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        }
    )
    return env


def _registrations(secret: str) -> list[dict[str, Any]]:
    """Two signed HttpApi events, each a new customer's registration (nothing in common to reuse)."""
    from devstack.events import http_api_event
    from devstack.signing import HEADER, sign

    events = []
    for _ in range(2):
        body = json.loads((ROOT / "events" / "customer.registered.json").read_text())
        no = f"CB{uuid.uuid4().hex[:10]}"
        body["event_id"] = f"bench-cold-{uuid.uuid4().hex[:12]}"
        body["data"]["customer"].update({"customer_no": no, "email": f"{no.lower()}@example.com"})
        raw = json.dumps(body).encode()
        headers = [("content-type", "application/json"), (HEADER, sign(secret, "POST", ROUTE, raw))]
        events.append(
            http_api_event(
                method="POST", raw_path=ROUTE, raw_query="", headers=headers, body=raw, route_key=f"POST {ROUTE}"
            )
        )
    return events


def _import_profile(python: Path, env: dict[str, str]) -> tuple[dict[str, float], list[tuple[float, str]]]:
    """`-X importtime` of `import app`: self time per top-level package, and the slowest modules
    by cumulative time (microseconds in, milliseconds out)."""
    stderr = _run(python, env, "import app", flags=("-X", "importtime"))
    by_package: dict[str, float] = {}
    cumulative: list[tuple[float, str]] = []
    for line in stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if not found:
            continue
        own, total, _, name = int(found[1]), int(found[2]), found[3], found[4]
        by_package[name.split(".")[0]] = by_package.get(name.split(".")[0], 0.0) + own / 1000
        cumulative.append((total / 1000, name))
    return by_package, sorted(cumulative, reverse=True)[:TOP]


def measure() -> dict[str, Any]:
    from devstack.stack import Stack, StackOptions

    # moto's server logs every request it serves; the figures are what this prints.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    with _deployed() as (python, task, opt), tempfile.TemporaryDirectory(prefix="bench-cold-stack-") as state:
        stack = Stack(
            StackOptions(template=ROOT / "template.yaml", port=0, concurrency=1, console=None, state_dir=Path(state))
        )
        health = stack.start()
        shipped = _bytecode(task, opt)
        try:
            env = _environment(stack, task, opt)
            floor, libraries, samples = [], [], []
            for _ in range(SAMPLES):
                floor.append(json.loads(_run(python, env, FLOOR)))
                libraries.append(json.loads(_run(python, env, LIBRARIES_FIRST_USE)))
                with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as events:
                    json.dump(_registrations(health["webhook_secrets"]["commerce"]), events)
                samples.append(json.loads(_run(python, env, FUNCTION_RUN, events.name)))
                os.unlink(events.name)
            packages, slowest = _import_profile(python, env)
            functions = _function_inits(stack, python, task.parent, opt)
        finally:
            stack.stop()
        statuses = sorted({status for sample in samples for status in sample["statuses"]})
        figures: dict[str, Any] = {
            key: statistics.median(sample[key] for sample in samples) * 1000
            for key in ("import", "settings", "clients", "init", "first", "warm")
            for key in (key, f"{key}_cpu")
        }
        figures.update(
            {
                "floor": statistics.median(sample["floor"] for sample in floor) * 1000,
                "floor_cpu": statistics.median(sample["floor_cpu"] for sample in floor) * 1000,
                "libraries": statistics.median(sample["libraries"] for sample in libraries) * 1000,
                "libraries_cpu": statistics.median(sample["libraries_cpu"] for sample in libraries) * 1000,
                # The spread of (b): the machine may be shared, and a median hides how far runs differ.
                "init_cpu_range": (
                    min(sample["init_cpu"] for sample in samples) * 1000,
                    max(sample["init_cpu"] for sample in samples) * 1000,
                ),
                "statuses": statuses,
                "layer_bytes": _size(opt),
                "function_bytes": _size(task),
                "without_bytecode": _bytecode_gaps(opt) + _bytecode_gaps(task),
                "written_bytecode": len(_bytecode(task, opt) - shipped),
                "packages": packages,
                "slowest": slowest,
                "functions": functions,
            }
        )
        return figures


def _function_inits(stack: Any, python: Path, here: Path, opt: Path) -> dict[str, dict[str, float]]:
    """Per function of the build, medians (CPU ms) of its init in fresh interpreters, interleaved."""
    names = sorted(path.name for path in BUILD.glob("*Function") if path.is_dir())
    envs = {}
    for name in names:
        # The registration's read-only copy is the one measured above (`_deployed`'s task).
        task = here / "task" if name == FUNCTION else _unzip_read_only(BUILD / name, here / f"function-{name}")
        envs[name] = _environment(stack, task, opt, name)
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    for _ in range(FUNCTION_SAMPLES):
        # (a') again in each round, beside the inits it is subtracted from: the machine's speed drifts
        # between the phases of this benchmark (by tens of percent on a shared machine).
        libraries = json.loads(_run(python, envs[FUNCTION], LIBRARIES_FIRST_USE))["libraries_cpu"]
        for name in names:
            run = json.loads(_run(python, envs[name], FUNCTION_INIT))
            after = json.loads(_run(python, envs[name], IMPORT_AFTER_LIBRARIES))
            samples[name].append({**run, **after, "libraries_cpu": libraries, "share_cpu": run["init_cpu"] - libraries})
    return {
        name: {key: statistics.median(run[key] for run in runs) * 1000 for key in runs[0]}
        for name, runs in samples.items()
    }


def _verdict(holds: bool) -> str:
    return "met" if holds else "NOT met"


def main() -> None:
    f = measure()
    print("cold start, registration function as deployed (sam build output, read-only, no bytecode writes;")
    print(f"  median of {SAMPLES} fresh interpreters; answers {f['statuses']})")
    print(
        f"  layer {f['layer_bytes'] / 1e6:.1f} MB unzipped ({f['layer_bytes']:,} bytes of files; "
        f"goal <= 15 MB: {_verdict(f['layer_bytes'] <= 15e6)}), "
        f"function {f['function_bytes'] / 1e3:.1f} kB"
    )
    gaps = f["without_bytecode"]
    print(f"  modules without a .pyc: {len(gaps)}" + (f" (e.g. {', '.join(gaps[:5])})" if gaps else ""))
    print(f"  .pyc written while measuring: {f['written_bytecode']}")

    def row(label: str, key: str) -> None:
        print(f"  {label:<60} {f[key]:8.1f}  {f[key + '_cpu']:8.1f}")

    print(f"  {'':<60}  wall ms    CPU ms")
    row("(a) import boto3, pydantic, requests, aws_lambda_powertools", "floor")
    row("(a') (a) + a first pydantic model + a first boto3 client", "libraries")
    row("(b) init (import + settings + clients)", "init")
    for part in ("import", "settings", "clients"):
        row(f"      of which {part}", part)
    row("(c) first invocation (a new customer's registration)", "first")
    row("(d) warm invocation (the next new customer's)", "warm")
    # Wall time is the goal's measure; CPU time says the same without the waits of a busy machine.
    for unit, a, b in (("wall", f["floor"], f["init"]), ("CPU", f["floor_cpu"], f["init_cpu"])):
        print(f"  goal (b) <= {GOAL_INIT_RATIO} x (a), {unit}: {b / a:.2f} x, {_verdict(b / a <= GOAL_INIT_RATIO)}")
    low, high = f["init_cpu_range"]
    print(f"  (b) CPU ms from {low:.1f} to {high:.1f} over the {SAMPLES} interpreters")
    print(
        f"  of (b)'s CPU beyond (a), the libraries' own first use (a') - (a): {f['libraries_cpu'] - f['floor_cpu']:.1f}"
        f" ms; the connector's (b) - (a'): {f['init_cpu'] - f['libraries_cpu']:.1f} ms"
    )
    for unit, c, d in (("wall", f["first"], f["warm"]), ("CPU", f["first_cpu"], f["warm_cpu"])):
        extra, verdict = c - d, _verdict(c - d <= GOAL_FIRST_INVOCATION_MS)
        print(f"  goal (c) - (d) <= {GOAL_FIRST_INVOCATION_MS:.0f} ms, {unit}: {extra:.1f} ms, {verdict}")
    print(f"  init per function, CPU ms, medians of {FUNCTION_SAMPLES} rounds of fresh interpreters (each round: (a')")
    print("  once, then every function's init; the connector's share: init less that round's (a'); the app's")
    print("  import after (a') in one interpreter: the connector's own import, the steadier figure):")
    header = f"{'init':>7} {'import':>7} {'settings':>8} {'clients':>7} {"(a')":>7} {'share':>7} {'import after':>12}"
    print(f"    {'function':<28} {header}")
    for name, init in f["functions"].items():
        print(
            f"    {name:<28} {init['init_cpu']:7.1f} {init['import_cpu']:7.1f} {init['settings_cpu']:8.1f}"
            f" {init['clients_cpu']:7.1f} {init['libraries_cpu']:7.1f} {init['share_cpu']:7.1f}"
            f" {init['import_after_cpu']:12.1f}"
        )
    print("  -X importtime of `import app`, self time per top-level package (ms):")
    for name, ms in sorted(f["packages"].items(), key=lambda item: -item[1])[:TOP]:
        print(f"    {ms:8.1f}  {name}")
    print(f"  the {TOP} slowest imports, cumulative (ms):")
    for ms, name in f["slowest"]:
        print(f"    {ms:8.1f}  {name}")


if __name__ == "__main__":
    main()
