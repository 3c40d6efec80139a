"""Event sources: the SQS event source mapping (pollers) and EventBridge schedules."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from devstack.events import BatchResponseError, failed_message_ids, scheduled_event, sqs_event
from devstack.runtime import InvokeResult
from devstack.template import ScheduleSource, SqsSource

log = logging.getLogger("devstack")

Invoke = Callable[[Any], InvokeResult]


class SqsPoller:
    """Mirrors a Lambda SQS event source mapping: long-poll a batch, invoke, delete what succeeded.

    With ReportBatchItemFailures, every message not listed in `batchItemFailures` is deleted; an
    invocation error (handler exception, timeout, crash) deletes none; messages left behind come
    back after their visibility timeout, and SQS's redrive policy moves them to the DLQ past
    maxReceiveCount. One receiver thread per mapping hands batches to at most `workers`
    concurrent invocations (the mapping's MaximumConcurrency); while they are all busy it
    receives nothing more.
    """

    def __init__(
        self,
        function: str,
        source: SqsSource,
        queue_url: str,
        sqs_factory: Callable[[], Any],
        invoke: Invoke,
        stop: threading.Event,
        workers: int = 1,
        region: str = "us-east-1",
    ) -> None:
        self.function = function
        self.source = source
        self.queue_url = queue_url
        self.sqs_factory = sqs_factory
        self.invoke = invoke
        self.stop_event = stop
        self.workers = max(1, workers)
        self.region = region
        self.batches = 0
        self._slots = threading.BoundedSemaphore(self.workers)
        self._local = threading.local()
        self._thread: threading.Thread | None = None
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix=f"sqs-{function}-batch")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"sqs-{self.function}", daemon=True)
        self._thread.start()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _client(self) -> Any:
        client = getattr(self._local, "sqs", None)
        if client is None:
            client = self._local.sqs = self.sqs_factory()
        return client

    def _run(self) -> None:
        while not self.stop_event.is_set():
            # Wait for a free invocation slot before taking messages off the queue.
            if not self._slots.acquire(timeout=0.5):
                continue
            handed_off = False
            try:
                messages = self._receive(self._client())
                if messages and not self.stop_event.is_set():
                    self._executor.submit(self._work, messages)
                    handed_off = True
            except Exception as exc:
                if self.stop_event.is_set():
                    return
                log.warning("poller %s: %s", self.function, exc)
                self.stop_event.wait(1.0)
            finally:
                if not handed_off:
                    self._slots.release()

    def _work(self, messages: list[dict[str, Any]]) -> None:
        try:
            self.process(self._client(), messages)
        except Exception as exc:
            if not self.stop_event.is_set():
                log.warning("poller %s: %s", self.function, exc)
        finally:
            self._slots.release()

    def _receive(self, sqs: Any) -> list[dict[str, Any]]:
        """One batch: a long poll, then up to the batching window to fill it to BatchSize."""
        wanted = max(1, self.source.batch_size)
        messages = self._receive_once(sqs, min(10, wanted), wait=1)
        if not messages:
            return []
        deadline = time.monotonic() + self.source.batching_window
        while len(messages) < wanted and not self.stop_event.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            got = self._receive_once(sqs, min(10, wanted - len(messages)), wait=0)
            if got:
                messages.extend(got)
            else:
                self.stop_event.wait(min(0.1, remaining))
        return messages

    def _receive_once(self, sqs: Any, count: int, wait: int) -> list[dict[str, Any]]:
        resp = sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=wait,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(resp.get("Messages") or [])

    def process(self, sqs: Any, messages: list[dict[str, Any]]) -> None:
        ids = [m["MessageId"] for m in messages]
        event = sqs_event(messages, self._queue_arn(), self.region)
        outcome = self.invoke(event)
        self.batches += 1
        if not outcome.ok:
            log.warning(
                "poller %s: batch of %d failed (%s); messages stay on the queue",
                self.function,
                len(messages),
                outcome.error,
            )
            return
        failed: set[str] = set()
        if self.source.report_batch_item_failures:
            try:
                failed = failed_message_ids(outcome.json(), ids)
            except (BatchResponseError, ValueError) as exc:
                log.warning("poller %s: %s; the whole batch is retried", self.function, exc)
                return
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            resp = sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
            for failure in resp.get("Failed") or []:
                log.warning("poller %s: delete failed: %s", self.function, failure)
        if failed:
            log.info("poller %s: %d of %d messages reported failed", self.function, len(failed), len(messages))

    def _queue_arn(self) -> str:
        return self.source.queue_arn


class Scheduler:
    """Invokes scheduled functions every `interval` seconds with an EventBridge scheduled event."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop_event = stop
        self._jobs: list[tuple[str, ScheduleSource, float, Invoke, str]] = []
        self._thread: threading.Thread | None = None

    def add(self, function: str, source: ScheduleSource, interval: float, invoke: Invoke, rule_name: str) -> None:
        self._jobs.append((function, source, interval, invoke, rule_name))

    def start(self) -> None:
        if not self._jobs:
            return
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._thread.start()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        now = time.monotonic()
        due = [now + interval for _, _, interval, _, _ in self._jobs]
        while not self.stop_event.is_set():
            now = time.monotonic()
            for i, (function, source, interval, invoke, rule_name) in enumerate(self._jobs):
                if now >= due[i]:
                    due[i] = now + interval
                    threading.Thread(
                        target=self._fire,
                        args=(function, source, invoke, rule_name),
                        name=f"schedule-{function}",
                        daemon=True,
                    ).start()
            self.stop_event.wait(max(0.05, min(due) - time.monotonic()))

    def _fire(self, function: str, source: ScheduleSource, invoke: Invoke, rule_name: str) -> None:
        event: Any = json.loads(source.input) if source.input else scheduled_event(rule_name)
        outcome = invoke(event)
        if not outcome.ok:
            log.warning("schedule %s.%s: invocation failed (%s)", function, source.event, outcome.error)
