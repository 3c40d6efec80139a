"""AWS calls counted at the boto3 client: one per API operation a client makes, by service and
operation name (DynamoDB GetItem, SQS SendMessage, ...), whatever session or library made it.

Every client's API call goes through `botocore.client.BaseClient._make_api_call` once (its retries
of one call are not new calls), whichever session made the client and whenever: the connector's one
session per container (connector.aws_session) outlives a test or a benchmark round, so a handler on
the event system of sessions created later would miss it. Counted there while the block runs;
nothing in the connector is patched or wrapped.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.client import BaseClient

# The services whose calls a figure is about, as botocore names them (service_model.service_name).
SERVICES = ("dynamodb", "sqs", "secretsmanager", "ssm")


class AwsCalls:
    """Calls counted since the counter was installed, per (service, operation)."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self.active = True

    def on_call(self, service: str, operation: str) -> None:
        if self.active:
            with self._lock:
                self._counts[(service, operation)] += 1

    def snapshot(self) -> Counter[tuple[str, str]]:
        with self._lock:
            return Counter(self._counts)

    def total(self, service: str) -> int:
        return sum(n for (svc, _), n in self.snapshot().items() if svc == service)

    @contextmanager
    def measure(self) -> Iterator[Counter[tuple[str, str]]]:
        """The calls made inside the block, filled in when it exits."""
        before = self.snapshot()
        made: Counter[tuple[str, str]] = Counter()
        try:
            yield made
        finally:
            made.update(self.snapshot() - before)


@contextmanager
def counting_aws_calls() -> Iterator[AwsCalls]:
    """Count the calls every boto3 client makes inside the block, clients made before it included
    (the container's session outlives a test)."""
    calls = AwsCalls()
    making = BaseClient._make_api_call

    def counted(client: Any, operation_name: str, api_params: Any) -> Any:
        calls.on_call(client.meta.service_model.service_name, operation_name)
        return making(client, operation_name, api_params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        BaseClient._make_api_call = making  # type: ignore[method-assign]
        calls.active = False
