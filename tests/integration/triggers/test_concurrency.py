"""A second delivery while the first is still running, as Lambda runs them: one request per
container, two containers of one function at once (DESIGN §2: 409 for a delivery in progress).

Only the overlap of one waiting delivery and one quick one is tested in-process: Powertools' Metrics
is one per process and moto's DynamoDB is not thread-safe, so many handlers racing in one process
prove nothing about Lambda (where each container is a process). The e2e suite races whole
deliveries (twenty concurrent registrations of one customer)."""

from __future__ import annotations

import threading
import time
from typing import Any

from trigger_events import event_body


def test_a_delivery_of_an_event_still_in_progress_is_409_and_the_first_delivery_completes(connector: Any) -> None:
    first_container, second_container = connector.container("registration"), connector.container("registration")
    body = event_body("customer.registered")
    connector.salesforce.fault(latency_ms=1500, match="/composite", count=1)
    first: list[Any] = []
    runner = threading.Thread(target=lambda: first.append(first_container.post(body)))
    runner.start()
    time.sleep(0.4)  # the first delivery is waiting on Salesforce

    status, answer = second_container.post(body)
    runner.join(10)

    assert status == 409
    assert [e["loc"] for e in answer["errors"]] == [["event_id"]]
    assert first[0].status == 200
    assert len(connector.salesforce.records("Contact")) == 1
    assert second_container.post(body) == first[0]
