"""What a registration leaves in its function's log on the local stack: EMF metric lines
(CloudWatch turns them into the dashboard's metrics) and log lines carrying the event id as
correlation id."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from example_events import body_of, unique


def _log_lines(path: Path, needle: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """The JSON lines of a function's log mentioning `needle` (the log is written asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for line in path.read_text(errors="replace").splitlines():
            start = line.find("{")
            if needle in line and start >= 0:
                try:
                    found.append(json.loads(line[start:]))
                except ValueError:
                    continue
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_registration_leaves_emf_metrics_and_a_correlation_id_in_the_function_log(stack: Any) -> None:
    body = body_of("customer.registered")
    body["data"]["customer"].update(customer_no=unique("C"), email=f"{unique('obs')}@example.com")

    answer = stack.send(body)

    assert answer.status_code == 200, answer.text
    log = Path(stack.function("RegistrationFunction")["log"])
    lines = _log_lines(log, body["event_id"])
    assert any(line.get("correlation_id") == body["event_id"] for line in lines)
    emf = [line for line in _log_lines(log, '"_aws"') if line.get("EventsSynced")]
    assert emf, "no EMF line with EventsSynced"
    metrics = emf[-1]
    names = {m["Name"] for d in metrics["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert {"EventsReceived", "EventsSynced", "SalesforceApiCalls", "SyncLatency"} <= names
    assert metrics["service"] == "registration"
    assert metrics["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "ServiceCloudConnector"
    assert sum(metrics["SalesforceApiCalls"]) >= 1
