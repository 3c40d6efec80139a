"""Logger, Metrics and tracing: created once per container, imported everywhere.

The service name (the trigger) and the metrics namespace come from the environment
(`POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE`, set by template.yaml), so every metric
carries one dimension, `service`, the trigger's name; the dashboard reads them per trigger.

Tracing goes through `traced()`, not a module-level `Tracer`: creating a Tracer imports the X-Ray
SDK, which measured 120 ms on top of boto3 (`python -X importtime`), a cold-start cost worth paying
only where traces are recorded. So the Tracer is created on first use, and only when Powertools
itself would trace (in Lambda, not under sam local or the local stack, not disabled).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

logger: Final = Logger()
# The namespace defaults to the template's, so code run outside Lambda (tests, scripts) still flushes.
metrics: Final = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "ServiceCloudConnector")

# The metric names of DESIGN's dashboard; template.yaml's dashboard and alarms name the same.
EVENTS_RECEIVED = "EventsReceived"
EVENTS_SYNCED = "EventsSynced"
EVENTS_QUEUED = "EventsQueued"
EVENTS_DEAD = "EventsDead"
EVENTS_IGNORED = "EventsIgnored"
EVENTS_FAILED = "EventsFailed"  # a platform refused part of a valid event (sync state FAILED)
# Sync events sent back to wait in the queue because the org's daily API usage is past the threshold.
EVENTS_DEFERRED = "EventsDeferred"
COMMANDS_ANSWERED = "CommandsAnswered"
SALESFORCE_API_CALLS = "SalesforceApiCalls"
PLATFORM_API_CALLS = "PlatformApiCalls"
SYNC_LATENCY = "SyncLatency"


def count(name: str, value: float = 1) -> None:
    if value:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def latency_ms(name: str, milliseconds: float) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Milliseconds, value=max(milliseconds, 0.0))


def tracing_enabled() -> bool:
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower() in ("1", "true", "yes", "on")
    return bool(os.environ.get("LAMBDA_TASK_ROOT")) and not os.environ.get("AWS_SAM_LOCAL") and not disabled


@cache
def tracer() -> Tracer | None:
    if not tracing_enabled():
        return None
    from aws_lambda_powertools import Tracer

    # Our own subsegments name what matters (workflows, API calls); patching every library is not needed.
    return Tracer(auto_patch=False)


@contextmanager
def traced(name: str, **annotations: str) -> Iterator[Any]:
    """A subsegment around a workflow or an API call, when traces are recorded; else nothing."""
    active = tracer()
    if active is None:
        with nullcontext() as nothing:
            yield nothing
        return
    with active.provider.in_subsegment(f"## {name}") as subsegment:
        for key, value in annotations.items():
            subsegment.put_annotation(key, value)
        yield subsegment
