"""What a request left in the local stack's AWS (the moto server): DynamoDB items and SQS messages.

A refused request (4xx) must write nothing anywhere (issue 11): not in Salesforce (devstack.fuzz
checks that from the emulator's counters) and not here either: no sync state, idempotency record,
identity-map entry or claim, no message on any queue or DLQ. `AwsWrites.counted()` takes a snapshot
of every table's items (each one's content digest, so that a changed item shows too) and of every
queue's message count; `since(before)` names what changed. Every table and queue of the account is
looked at (listed, not taken from the template), so a table added later is covered too.

What it names is a table or queue and the kind of item (the key's prefix up to its second `#`:
`id#contact_email`, `claim#entity`), never a whole key, which may hold an email.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devstack.aws import CREDENTIALS, REGION

if TYPE_CHECKING:
    from mypy_boto3_sqs.literals import QueueAttributeFilterType

# What the stack writes on its own, whatever a request does: the org's API usage read from every
# Salesforce answer (reads included, and a refused request may read: `salesforce#api-usage`), the
# per-minute request budgets that the scheduled polls take from too (`budget#<platform>`), and the
# scheduled polls' positions in the platforms' feeds (`feed#<feed>`). Not traces of a request.
BACKGROUND = ("salesforce#api-usage", "budget#", "feed#")
# Every count of messages a queue holds: waiting, received but not yet deleted, and delayed.
QUEUE_COUNTS: tuple[QueueAttributeFilterType, ...] = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


@dataclass
class AwsSnapshot:
    items: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> item key -> content digest
    messages: dict[str, int] = field(default_factory=dict)  # queue name -> messages held


class AwsWrites:
    """Snapshots of the stack's DynamoDB tables and SQS queues, and what changed between two."""

    def __init__(self, health: Mapping[str, Any]) -> None:
        import boto3

        session = boto3.session.Session(
            aws_access_key_id=CREDENTIALS["aws_access_key_id"],
            aws_secret_access_key=CREDENTIALS["aws_secret_access_key"],
            region_name=str(health.get("region") or REGION),
        )
        self.dynamodb = session.client("dynamodb", endpoint_url=str(health["moto"]))
        self.sqs = session.client("sqs", endpoint_url=str(health["moto"]))
        # The stack makes its tables and queues once, at boot: listed once.
        self.tables = {
            table: [k["AttributeName"] for k in self.dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]]
            for table in self.dynamodb.list_tables()["TableNames"]
        }
        self.queues = list(self.sqs.list_queues().get("QueueUrls", []))
        # The queues functions consume (those with a redrive policy; a dead-letter queue has none
        # and keeps what it holds).
        self.work_queues = [
            url
            for url in self.queues
            if "RedrivePolicy"
            in self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"]).get("Attributes", {})
        ]
        # A snapshot costs a scan per table and a call per queue: made side by side, it adds
        # little to each generated case.
        self._pool = ThreadPoolExecutor(max_workers=8)
        self._latest: AwsSnapshot | None = None

    def counted(self) -> AwsSnapshot:
        """The tables' items and the queues' messages now. Right after `since`, its own snapshot is
        the answer (nothing was sent in between): one snapshot per refused case, not two."""
        if self._latest is not None:
            latest, self._latest = self._latest, None
            return latest
        return self._snapshot()

    def settled(self, timeout: float = 3.0) -> AwsSnapshot | None:
        """A fresh snapshot once the functions' queues hold nothing: waiting, in flight or delayed;
        None if they still hold something after `timeout` (a retry waiting out its backoff).
        An accepted case is answered before its queued work is done (202, or a retry): looked at
        before that work ends, its writes would land while a later refused case is being watched."""
        deadline = time.monotonic() + timeout
        while any(self._pool.map(self._messages, self.work_queues)):
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.1)
        self._latest = None
        return self._snapshot()

    def _snapshot(self) -> AwsSnapshot:
        items = dict(zip(self.tables, self._pool.map(self._items, self.tables), strict=True))
        held = self._pool.map(self._messages, self.queues)
        return AwsSnapshot(items, {url.rsplit("/", 1)[-1]: n for url, n in zip(self.queues, held, strict=True)})

    def _items(self, table: str) -> dict[str, str]:
        """Each item's key, and a digest of its content (a changed item shows too)."""
        items: dict[str, str] = {}
        for page in self.dynamodb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                key = "|".join(_plain(item[name]) for name in self.tables[table])
                items[key] = hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()
        return items

    def _messages(self, url: str) -> int:
        counts = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(QUEUE_COUNTS))["Attributes"]
        return sum(int(value) for name, value in counts.items() if name in QUEUE_COUNTS)

    def since(self, before: AwsSnapshot) -> list[str]:
        """What was written since `before`: "<table>: new|changed <item kind>", "<queue>: +N messages"."""
        after = self._latest = self._snapshot()
        written: list[str] = []
        for table, items in after.items.items():
            earlier = before.items.get(table, {})
            for key, digest in items.items():
                if key.startswith(BACKGROUND):
                    continue
                if key not in earlier:
                    written.append(f"{table}: new {_kind(key)}")
                elif earlier[key] != digest:
                    written.append(f"{table}: changed {_kind(key)}")
        for queue, count in after.messages.items():
            if count > before.messages.get(queue, 0):
                written.append(f"{queue}: +{count - before.messages.get(queue, 0)} messages")
        return written


def _plain(value: Mapping[str, Any]) -> str:
    """A key attribute's value ({"S": "..."} or {"N": "..."}) as text."""
    return str(next(iter(value.values())))


def _kind(key: str) -> str:
    """The kind of an item, from its partition key: `sync#...` -> `sync`, `id#contact_email#...` ->
    `id#contact_email`; never the rest, which may be personal data."""
    return "#".join(key.split("|", 1)[0].split("#")[:2])
