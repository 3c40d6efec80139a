"""The trigger's SQS queue and DLQ: where work waits for a retry or for async processing."""

from __future__ import annotations

import random
from typing import Any

MAX_VISIBILITY_SECONDS = 900


def backoff_seconds(receive_count: int, base: int) -> int:
    """Exponential backoff with jitter for the n-th failed receive, capped at 15 minutes."""
    if base <= 0:
        return 0
    # The exponent is bounded: a huge int cannot be added to the float jitter (OverflowError).
    delay = base * 2 ** min(max(receive_count - 1, 0), 32)
    return int(min(delay + random.uniform(0, base), MAX_VISIBILITY_SECONDS))


class WorkQueue:
    def __init__(self, queue_url: str, dead_letter_queue_url: str, client: Any) -> None:
        self.queue_url = queue_url
        self.dead_letter_queue_url = dead_letter_queue_url
        self._sqs = client

    @staticmethod
    def _attributes(event_type: str, event_id: str, extra: dict[str, str] | None = None) -> dict[str, Any]:
        attrs = {"event_type": event_type, "event_id": event_id, **(extra or {})}
        return {k: {"DataType": "String", "StringValue": v} for k, v in attrs.items() if v}

    def send(
        self, body: str, *, event_type: str, event_id: str, delay_seconds: int = 0, queue_url: str | None = None
    ) -> str:
        """Queue a message on this trigger's queue (or `queue_url`: the reconciler re-queues for others)."""
        resp = self._sqs.send_message(
            QueueUrl=queue_url or self.queue_url,
            MessageBody=body,
            DelaySeconds=min(max(delay_seconds, 0), 900),
            MessageAttributes=self._attributes(event_type, event_id),
        )
        return str(resp["MessageId"])

    def dead_letter(self, body: str, *, event_type: str, event_id: str, error: str) -> None:
        """Park a message that retrying cannot fix, with the reason, for an operator to redrive."""
        self._sqs.send_message(
            QueueUrl=self.dead_letter_queue_url,
            MessageBody=body,
            MessageAttributes=self._attributes(event_type, event_id, {"last_error": error[:256]}),
        )

    def retry_later(self, receipt_handle: str, seconds: int) -> None:
        self._sqs.change_message_visibility(
            QueueUrl=self.queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )
