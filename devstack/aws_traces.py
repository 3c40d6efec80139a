"""What a request left in the local stack's AWS (the moto server): DynamoDB items and SQS messages.

A refused request (4xx) must write nothing anywhere (issue 11): not in Salesforce (devstack.fuzz
checks that from the emulator's counters) and not here either: no sync state, idempotency record,
identity-map entry or claim, no message on any queue or DLQ. `AwsWrites.counted()` marks where the
moto server's journal of item writes stands (devstack.aws_journal: each write with a digest of the
item before and after it) and every queue's message count; `since(before)` names the items whose
content differs from what they held at the mark (new, changed or deleted: an item written then
given back as it was is no trace) and the queues holding more messages. Every table and queue of
the account is covered (the journal sees every write), so a table added later is covered too.

What it names is a table or queue and the kind of item (the key's prefix up to its second `#`:
`id#contact_email`, `claim#entity`), never a whole key, which may hold an email.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from devstack.aws import CREDENTIALS, REGION

# What the stack writes on its own, whatever a request does: the org's API usage read from every
# Salesforce answer (reads included, and a refused request may read: `salesforce#api-usage`), the
# per-minute request budgets that the scheduled polls take from too (`budget#<platform>`), and the
# scheduled polls' positions in the platforms' feeds (`feed#<feed>`). Not traces of a request.
BACKGROUND = ("salesforce#api-usage", "budget#", "feed#")


@dataclass
class AwsSnapshot:
    seq: int = 0  # the journal's last item write at the mark
    messages: dict[str, int] = field(default_factory=dict)  # queue name -> messages held


class AwsWrites:
    """Marks in the stack's journal of DynamoDB writes and SQS message counts, and what changed
    between a mark and now."""

    def __init__(self, health: Mapping[str, Any]) -> None:
        import boto3

        self._url = f"{str(health['moto']).rstrip('/')}/_local/writes"
        self._http = requests.Session()
        self._http.trust_env = False
        sqs = boto3.session.Session(
            aws_access_key_id=CREDENTIALS["aws_access_key_id"],
            aws_secret_access_key=CREDENTIALS["aws_secret_access_key"],
            region_name=str(health.get("region") or REGION),
        ).client("sqs", endpoint_url=str(health["moto"]))
        # The queues functions consume (those with a redrive policy; a dead-letter queue has none
        # and keeps what it holds). The stack makes its queues once, at boot: listed once.
        self.work_queues = [
            url.rsplit("/", 1)[-1]
            for url in sqs.list_queues().get("QueueUrls", [])
            if "RedrivePolicy"
            in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"]).get("Attributes", {})
        ]
        self._latest: AwsSnapshot | None = None

    def counted(self) -> AwsSnapshot:
        """A mark now. Right after `since`, its own mark is the answer (nothing was sent in
        between)."""
        if self._latest is not None:
            latest, self._latest = self._latest, None
            return latest
        return self._snapshot()

    def settled(self, timeout: float = 3.0) -> AwsSnapshot | None:
        """A fresh mark once the functions' queues hold nothing: waiting, in flight or delayed;
        None if they still hold something after `timeout` (a retry waiting out its backoff).
        An accepted case is answered before its queued work is done (202, or a retry): marked
        before that work ends, its writes would land while a later refused case is being watched."""
        deadline = time.monotonic() + timeout
        while True:
            mark = self._snapshot()
            if not any(mark.messages.get(queue, 0) for queue in self.work_queues):
                self._latest = None
                return mark
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.1)

    def _read(self, since: int | None) -> dict[str, Any]:
        """The journal's last seq and the queues' messages; and the writes after `since`, if given."""
        answer = self._http.get(self._url, params={} if since is None else {"since": since}, timeout=60)
        answer.raise_for_status()  # 409: the writes since the mark left the journal: no partial answer
        return dict(answer.json())

    def _snapshot(self) -> AwsSnapshot:
        now = self._read(None)
        return AwsSnapshot(int(now["seq"]), dict(now["messages"]))

    def since(self, before: AwsSnapshot) -> list[str]:
        """What was written since `before`: "<table>: new|changed|deleted <item kind>",
        "<queue>: +N messages"."""
        now = self._read(before.seq)
        self._latest = AwsSnapshot(int(now["seq"]), dict(now["messages"]))
        first: dict[tuple[str, str], str | None] = {}
        last: dict[tuple[str, str], str | None] = {}
        for table, key, was, became in now["writes"]:
            first.setdefault((table, key), was)
            last[(table, key)] = became
        written: list[str] = []
        for (table, key), became in last.items():
            was = first[(table, key)]
            if key.startswith(BACKGROUND) or was == became:
                continue
            change = "new" if was is None else "deleted" if became is None else "changed"
            written.append(f"{table}: {change} {_kind(key)}")
        for queue, count in self._latest.messages.items():
            if count > before.messages.get(queue, 0):
                written.append(f"{queue}: +{count - before.messages.get(queue, 0)} messages")
        return written


def _kind(key: str) -> str:
    """The kind of an item, from its partition key: `sync#...` -> `sync`, `id#contact_email#...` ->
    `id#contact_email`; never the rest, which may be personal data."""
    return "#".join(key.split("|", 1)[0].split("#")[:2])
