"""A trigger's dead-letter queue for an operator: what is in it (without the bodies, which hold
personal data), and sending it back through the trigger's queue once the cause is fixed.

Why receive/send/delete rather than SQS's own redrive (`StartMessageMoveTask`,
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html):
the move task takes the whole queue at a rate (no count, so no `--limit`; no dry run; no
per-message choice), one task per queue at a time, says nothing of each message, and moto (the
local stack's AWS, 5.2) does not implement it. Sending a copy first and deleting
the original only once SQS took the copy never loses a message; at worst (a delete that fails after
the send) the message is redriven twice, which the pipeline's version and duplicate checks make
harmless (an event already synced is dropped as settled).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from connector.state.sync_state import SyncState, SyncStateStore, SyncStatus
from connector.value_types import TIMESTAMP_FORMAT
from scc.target import CliError, Target

# Long enough to take a batch, send it and delete it; released at once when not redriven.
VISIBILITY_SECONDS = 120
# A message's age is its SentTimestamp's: a standard queue keeps the enqueue timestamp when it
# moves a message to its DLQ ("the enqueue timestamp is unchanged", SQS developer guide, Setting up
# dead-letter queue retention), so a dead letter's entity turned DEAD after that instant: less a
# clock-skew margin, the lower bound of the sync-state query.
CLOCK_SKEW = timedelta(minutes=5)
LAST_ERROR = "last_error"  # the message attribute connector.services.work_queue sets
# Errors that a redrive would meet again at once: the body is not an event the trigger reads.
NOT_REDRIVABLE = ("ValidationError", "SourceMismatch", "not a backfill step")
# A backfill step (connector.commerce.backfill.BackfillStep) moved by the queue's redrive policy
# carries no event attributes: it is named by its run, part and chunk, and redriven like an event
# (the run's checkpoints make a step that runs again write nothing twice).
BACKFILL_STEP = "backfill.step"
_SALESFORCE_CODE = re.compile(r"-> \d{3} ([A-Z_]+)")


@dataclass
class DeadLetter:
    """One message of a dead-letter queue, joined to its entity's sync state when it has one."""

    message_id: str
    receipt_handle: str
    body: str
    attributes: dict[str, dict[str, Any]]
    sent_at: datetime
    receive_count: int
    event_type: str
    event_id: str
    state: SyncState | None = None

    @property
    def error(self) -> str | None:
        """What the pipeline said when it gave up: the message's own `last_error`, else its state's
        (a message moved by the queue's redrive policy carries none). Codes and field names only:
        `connector.pipeline.failures.error_text` never writes a value."""
        attribute = self.attributes.get(LAST_ERROR, {}).get("StringValue")
        return attribute or (self.state.last_error if self.state else None)

    @property
    def error_code(self) -> str:
        return error_code(self.error)

    @property
    def entity(self) -> str | None:
        # A sync state's key is never personal data: an email key is stored as its keyed hash.
        return f"{self.state.ref.source}/{self.state.ref.entity}/{self.state.ref.key}" if self.state else None

    def skip_reason(self) -> str | None:
        if not self.event_id or not self.event_type or self.event_type == "unknown":
            return "not an event the trigger reads"
        if (self.error or "").startswith(NOT_REDRIVABLE):
            return f"{self.error_code}: would be dead-lettered again unrun"
        return None

    def public(self, now: datetime) -> dict[str, Any]:
        """What `dlq list` shows: never the body."""
        return {
            "event_type": self.event_type,
            "event_id": self.event_id,
            "entity": self.entity,
            "error_code": self.error_code,
            "error": self.error,
            "age_seconds": int((now - self.sent_at).total_seconds()),
            "receive_count": self.receive_count,
            "status": self.state.status.value if self.state else None,
        }


def error_code(error: str | None) -> str:
    """`SalesforceError: POST ... -> 400 FIELD_CUSTOM_VALIDATION_EXCEPTION fields=[...]` ->
    `FIELD_CUSTOM_VALIDATION_EXCEPTION`; another error its class name; none `-`."""
    if not error:
        return "-"
    found = _SALESFORCE_CODE.search(error)
    return found.group(1) if found else error.split(":", 1)[0].strip() or "-"


class DeadLetterQueue:
    """Reads a dead-letter queue without changing it: what it takes stays hidden until released."""

    def __init__(self, target: Target, trigger: str) -> None:
        self.target = target
        self.trigger = trigger
        self.queues = target.trigger(trigger)
        self.sqs = target.client("sqs")
        self.store = SyncStateStore(target.sync_state_table, target.client("dynamodb"))
        self.taken: list[DeadLetter] = []
        self._dead: dict[str, SyncState] = {}  # DEAD states by event id, read from `_dead_since` on
        self._dead_since: str | None = None

    def take(self, limit: int | None = None, batch: int = 10) -> Iterator[list[DeadLetter]]:
        """Batches of messages, each hidden for VISIBILITY_SECONDS, until the queue answers none or
        `limit` were taken. On AWS, long polling (1 s) asks every SQS server, so an empty answer
        means empty, where a short poll samples a subset of the servers and can answer a false empty
        (SQS developer guide, "Amazon SQS short and long polling"); moto answers from one store."""
        while limit is None or len(self.taken) < limit:
            want = min(batch, 10, (limit - len(self.taken)) if limit is not None else 10)
            resp = self._call(
                self.sqs.receive_message,
                QueueUrl=self.queues.dead_letter_queue_url,
                MaxNumberOfMessages=want,
                VisibilityTimeout=VISIBILITY_SECONDS,
                WaitTimeSeconds=0 if self.target.local else 1,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            letters = [_dead_letter(raw) for raw in resp.get("Messages", [])]
            if not letters:
                return
            self._join_states(letters)
            self.taken += letters
            yield letters

    def release(self, letters: list[DeadLetter]) -> None:
        """Visible again at once: listing or a dry run leaves the queue as it found it."""
        for start in range(0, len(letters), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": letter.receipt_handle, "VisibilityTimeout": 0}
                for i, letter in enumerate(letters[start : start + 10])
            ]
            self._call(
                self.sqs.change_message_visibility_batch,
                QueueUrl=self.queues.dead_letter_queue_url,
                Entries=entries,
            )

    def send_back(self, letter: DeadLetter) -> bool:
        """A copy on the trigger's queue, without the DLQ's `last_error`; then the original goes.
        Raises (and keeps the original) if SQS refuses the copy; False if the copy went but the
        original could not be deleted (tried twice): the event is on its way all the same, and a
        second copy of it, should it be redriven again, is answered as the duplicate it is."""
        attributes = {
            name: {"DataType": value["DataType"], "StringValue": value["StringValue"]}
            for name, value in letter.attributes.items()
            if name != LAST_ERROR and "StringValue" in value
        }
        self.sqs.send_message(QueueUrl=self.queues.queue_url, MessageBody=letter.body, MessageAttributes=attributes)
        for attempt in range(2):
            try:
                self.sqs.delete_message(QueueUrl=self.queues.dead_letter_queue_url, ReceiptHandle=letter.receipt_handle)
            except (ClientError, BotoCoreError):
                if attempt == 1:
                    return False
            else:
                return True
        return False  # pragma: no cover

    def _join_states(self, letters: list[DeadLetter]) -> None:
        """Each letter's entity DEAD by that very event, if it still is. One query of the GSI serves
        every batch whose messages are no older than the first ones read."""
        since = (min(letter.sent_at for letter in letters) - CLOCK_SKEW).strftime(TIMESTAMP_FORMAT)
        if self._dead_since is None or since < self._dead_since:
            self._dead = {s.event_id: s for s in self._call(lambda: list(self.store.dead_since(since)))}
            self._dead_since = since
        for letter in letters:
            letter.state = self._dead.get(letter.event_id)

    def _call(self, fn: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            raise CliError(f"{self.trigger}: AWS refused {getattr(fn, '__name__', 'a call')}: {code}") from None
        except BotoCoreError as exc:
            raise CliError(f"{self.trigger}: {exc}") from None


def _dead_letter(raw: dict[str, Any]) -> DeadLetter:
    attributes = dict(raw.get("MessageAttributes") or {})
    system = raw.get("Attributes") or {}
    try:
        body = json.loads(raw["Body"])
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}

    def named(key: str) -> str:
        value = attributes.get(key, {}).get("StringValue") or body.get(key)
        return value if isinstance(value, str) else ""

    event_type, event_id = named("event_type"), named("event_id")
    if not event_type and isinstance(body.get("run_id"), str):
        event_type = BACKFILL_STEP
        event_id = ":".join(str(body.get(key, "")) for key in ("run_id", "part", "index", "step"))
    detail = body.get("detail")
    if not event_type and isinstance(body.get("detail-type"), str) and isinstance(detail, dict):
        # A Salesforce event relayed through EventBridge (connector.relay.events) that the queue's
        # redrive policy moved, or EventBridge could not deliver: named by its API name and its UUID,
        # and redriven as it is (the trigger reads relayed events from its queue; Trigger.relay).
        event_type, event_id = body["detail-type"], str(detail.get("id") or "")
    sent_ms = int(system.get("SentTimestamp") or time.time() * 1000)
    return DeadLetter(
        message_id=raw["MessageId"],
        receipt_handle=raw["ReceiptHandle"],
        body=raw["Body"],
        attributes=attributes,
        sent_at=datetime.fromtimestamp(sent_ms / 1000, UTC),
        receive_count=int(system.get("ApproximateReceiveCount") or 0),
        event_type=event_type,
        event_id=event_id,
    )


# ------------------------------------------------------------------------------------ list
def list_dead_letters(target: Target, trigger: str, limit: int | None = None) -> list[DeadLetter]:
    queue = DeadLetterQueue(target, trigger)
    letters = [letter for batch in queue.take(limit) for letter in batch]
    queue.release(letters)
    return sorted(letters, key=lambda letter: letter.sent_at)


# --------------------------------------------------------------------------------- redrive
@dataclass
class RedriveReport:
    dry_run: bool
    redriven: int = 0
    skipped: int = 0
    still_failing: int = 0  # not sent (SQS refused the copy), or dead again after the redrive
    synced: int = 0  # redriven and now SYNCED (or IGNORED, or overtaken by a newer event)
    pending: int = 0  # redriven, not settled when the wait ended (or no sync state to follow)
    left_in_dead_letter_queue: int = 0  # redriven, but SQS would not delete the original
    skipped_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "redriven": self.redriven,
            "skipped": self.skipped,
            "still_failing": self.still_failing,
            "synced": self.synced,
            "pending": self.pending,
            "left_in_dead_letter_queue": self.left_in_dead_letter_queue,
            "skipped_reasons": self.skipped_reasons,
        }


Progress = Callable[[str, int, int | None, RedriveReport], None]


def redrive(
    target: Target,
    trigger: str,
    *,
    dry_run: bool = False,
    limit: int | None = None,
    wait_seconds: float = 60.0,
    progress: Progress | None = None,
) -> RedriveReport:
    """Send a trigger's dead letters back through its queue, then follow their sync states until
    each settles (SYNCED, or DEAD again) or `wait_seconds` pass. A dry run sends nothing and leaves
    the queue as it was; it counts what would be redriven and skipped."""
    queue = DeadLetterQueue(target, trigger)
    report = RedriveReport(dry_run=dry_run)
    notify = progress or (lambda *_: None)
    kept: list[DeadLetter] = []  # hidden until the end, so that the next receive moves on
    followed: list[tuple[SyncState, DeadLetter]] = []
    seen = 0
    sent: set[str] = set()
    for batch in queue.take(limit):
        for letter in batch:
            if letter.event_id in sent:
                # Redriven by this run and dead-lettered again already (a rule still in force):
                # sending it again would loop; its outcome is counted when its state is followed.
                kept.append(letter)
                continue
            seen += 1
            reason = letter.skip_reason()
            if reason is not None:
                report.skipped += 1
                report.skipped_reasons[reason] = report.skipped_reasons.get(reason, 0) + 1
                kept.append(letter)
            elif dry_run:
                report.redriven += 1
                kept.append(letter)
            else:
                try:
                    removed = queue.send_back(letter)
                except (ClientError, BotoCoreError):
                    report.still_failing += 1  # left in the dead-letter queue, visible again soon
                    kept.append(letter)
                else:
                    report.redriven += 1
                    if not removed:
                        report.left_in_dead_letter_queue += 1
                        kept.append(letter)
                    sent.add(letter.event_id)
                    if letter.state is not None:
                        followed.append((letter.state, letter))
                    else:
                        report.pending += 1
            notify("redrive", seen, limit, report)
    queue.release(kept)
    if not dry_run:
        _follow(queue.store, followed, report, wait_seconds, notify)
    return report


def _follow(
    store: SyncStateStore,
    followed: list[tuple[SyncState, DeadLetter]],
    report: RedriveReport,
    wait_seconds: float,
    notify: Progress,
) -> None:
    deadline = time.monotonic() + wait_seconds
    waiting = list(followed)
    total = len(waiting)
    while waiting:
        still: list[tuple[SyncState, DeadLetter]] = []
        for before, letter in waiting:
            settled = _outcome(before, store.get(before.ref))
            if settled == "failing":
                report.still_failing += 1
            elif settled == "synced":
                report.synced += 1
            else:
                still.append((before, letter))
        waiting = still
        notify("settle", total - len(waiting), total, report)
        if not waiting or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    report.pending += len(waiting)


def _outcome(before: SyncState, now: SyncState | None) -> str | None:
    """'synced', 'failing' or None (not settled yet) for a redriven event, by its entity's state."""
    if now is None:
        return None
    if now.event_id != before.event_id:
        return "synced"  # a newer event took the entity over: this one is settled, superseded
    if now.status in (SyncStatus.SYNCED, SyncStatus.IGNORED):
        return "synced"
    if now.status is SyncStatus.DEAD and now.updated_at != before.updated_at:
        return "failing"
    return None
