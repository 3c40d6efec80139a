"""Cold init of a trigger function (import + settings + client creation), next to the import time
of its dependencies alone, both measured in fresh interpreters in the same run.

Each sample is a new `python -c` process, as a Lambda cold start is a new runtime: the figures are
what the function's own code adds on top of what its libraries cost anyway.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "7"))

DEPENDENCIES_ONLY = """
import time
t0 = time.perf_counter()
import boto3, requests, pydantic
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.batch import BatchProcessor
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.parameters import get_secret
print(time.perf_counter() - t0)
"""

FUNCTION_COLD_INIT = """
import importlib.util, json, sys, time
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
app = importlib.util.module_from_spec(spec)
spec.loader.exec_module(app)
t1 = time.perf_counter()
from connector.settings import get_settings
settings = get_settings()
t2 = time.perf_counter()
services = app.trigger.services
# What a real-time event creates before its first call: DynamoDB, Salesforce, the processor.
services.dynamodb, services.salesforce, services.sync_state, services.identities
processor = app.trigger.processor
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "settings": t2 - t1, "clients": t3 - t2, "total": t3 - t0}))
"""


def _env(config_file: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "POWERTOOLS_SERVICE_NAME": "registration",
            "SYNC_STATE_TABLE": "SyncState",
            "IDEMPOTENCY_TABLE": "Idempotency",
            "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
            "DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/dlq",
            "CONNECTOR_CONFIG_FILE": config_file,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "PYTHONDONTWRITEBYTECODE": "0",
        }
    )
    return env


def _run(code: str, *args: str, env: dict[str, str]) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    return out.stdout.strip().splitlines()[-1]


def measure(function: str = "registration") -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as config:
        config.write("{}")
    env = _env(config.name)
    app_path = str(ROOT / "functions" / function / "app.py")
    _run(FUNCTION_COLD_INIT, app_path, env=env)  # warm the bytecode cache, as a deployed layer has it
    deps, totals, imports, settings, clients = [], [], [], [], []
    for _ in range(SAMPLES):
        deps.append(float(_run(DEPENDENCIES_ONLY, env=env)))
        sample = json.loads(_run(FUNCTION_COLD_INIT, app_path, env=env))
        totals.append(sample["total"])
        imports.append(sample["import"])
        settings.append(sample["settings"])
        clients.append(sample["clients"])
    os.unlink(config.name)
    return {
        "dependencies_import_ms": statistics.median(deps) * 1000,
        "cold_init_ms": statistics.median(totals) * 1000,
        "function_import_ms": statistics.median(imports) * 1000,
        "settings_ms": statistics.median(settings) * 1000,
        "client_creation_ms": statistics.median(clients) * 1000,
    }


def main() -> None:
    figures = measure("registration")
    print(f"cold start, registration function (median of {SAMPLES} fresh interpreters)")
    print(f"  dependencies import alone      {figures['dependencies_import_ms']:8.1f} ms")
    print(f"  cold init (import+settings+clients) {figures['cold_init_ms']:8.1f} ms")
    print(f"    of which app import          {figures['function_import_ms']:8.1f} ms")
    print(f"    of which settings            {figures['settings_ms']:8.1f} ms")
    print(f"    of which client creation     {figures['client_creation_ms']:8.1f} ms")
    overhead = figures["cold_init_ms"] - figures["dependencies_import_ms"]
    print(f"  connector's own overhead       {overhead:8.1f} ms")


if __name__ == "__main__":
    main()
