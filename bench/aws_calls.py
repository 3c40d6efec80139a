"""AWS calls counted at the boto3 client: one per API operation a client makes, by service and
operation name (DynamoDB GetItem, SQS SendMessage, ...), whatever session or library made it.

botocore emits `before-call.<service>.<Operation>` once per API call (its retries of one call are
not new calls), on the event system of the session that created the client. Every botocore session
registers `botocore.handlers.BUILTIN_HANDLERS` when it is created (that is also how moto's
`mock_aws` reaches every client), so a handler appended there sees the clients of every session
created afterwards: the connector's own, and those Powertools creates for secrets and parameters.
Nothing in the connector is patched or wrapped.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore import handlers

# The services whose calls a figure is about, as botocore names them (service_model.service_name).
SERVICES = ("dynamodb", "sqs", "secretsmanager", "ssm")


class AwsCalls:
    """Calls counted since the counter was installed, per (service, operation)."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self.active = True

    def on_call(self, model: Any, **_: Any) -> None:
        if self.active:
            with self._lock:
                self._counts[(model.service_model.service_name, model.name)] += 1

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
    """Count the calls of every boto3 client created inside the block. Sessions created earlier
    (boto3's default session, if something already made one) are not seen: install this first."""
    calls = AwsCalls()
    entry = ("before-call", calls.on_call)
    handlers.BUILTIN_HANDLERS.append(entry)
    # The connector's one session per process (connector.aws_session) may already exist, made by an
    # earlier container of this process: its clients made from now on are counted through it (a
    # client copies its session's handlers when it is made).
    from connector import aws_session

    existing = aws_session.existing_session()
    if existing is not None:
        existing.events.register("before-call", calls.on_call)
    try:
        yield calls
    finally:
        handlers.BUILTIN_HANDLERS.remove(entry)
        if existing is not None:
            existing.events.unregister("before-call", calls.on_call)
        calls.active = False  # sessions created meanwhile keep the handler; it no longer counts
