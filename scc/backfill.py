"""`scc backfill`: start a backfill of the storefront's customers or orders and follow it to the
end with its figures (records read, written, failed, Salesforce API calls, records/s); `status`
takes up following a run by its id. The backfill function does the work from its queue
(`connector.commerce.backfill`); the CLI only starts a run and reads its record."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import ValidationError

from connector.commerce.backfill import BackfillRuns, RunProgress
from connector.commerce.backfill.runs import DEFAULT_RECORDS_PER_JOB
from scc.target import CliError, Target

BACKFILL = "backfill"  # the trigger whose queue takes a run's steps


def runs_of(target: Target) -> BackfillRuns:
    queues = target.trigger(BACKFILL)
    return BackfillRuns(target.client("dynamodb"), target.sync_state_table, target.client("sqs"), queues.queue_url)


def start_customers(target: Target, site_id: str, lists: list[str], records_per_job: int | None) -> RunProgress:
    per_job = records_per_job or DEFAULT_RECORDS_PER_JOB
    return _refused_as_cli_error(lambda: runs_of(target).start_customers(site_id, lists, records_per_job=per_job))


def start_orders(
    target: Target, site_id: str, created_from: datetime, created_to: datetime, records_per_job: int | None
) -> RunProgress:
    per_job = records_per_job or DEFAULT_RECORDS_PER_JOB
    runs = runs_of(target)
    return _refused_as_cli_error(lambda: runs.start_orders(site_id, created_from, created_to, records_per_job=per_job))


def progress(target: Target, run_id: str) -> RunProgress:
    found = runs_of(target).progress(run_id)
    if found is None:
        raise CliError(f"no backfill run {run_id!r} in {target.name}", reason="not_found")
    return found


def follow(
    target: Target, run_id: str, show: Callable[[RunProgress], None], *, interval: float = 0.5, timeout: float | None
) -> RunProgress:
    """Read the run's figures every `interval` until it is COMPLETE (or `timeout` passes); Ctrl-C
    stops following, never the run."""
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        while True:
            current = progress(target, run_id)
            show(current)
            if current.state == "COMPLETE" or (deadline is not None and time.monotonic() >= deadline):
                return current
            time.sleep(interval)
    except KeyboardInterrupt:
        raise CliError(f"stopped following; the run goes on: scc backfill status {run_id}", code=130) from None


def figures(run: RunProgress) -> str:
    rate = f", {run.records_per_second:g} records/s" if run.records_per_second is not None else ""
    return (
        f"read {run.records_read}, written {run.records_written}, failed {run.records_failed}, "
        f"skipped {run.records_skipped}, API calls {run.salesforce_calls}{rate}"
    )


def parse_instant(text: str) -> datetime:
    """A date or an RFC 3339 instant; one without an offset is UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected a date or an ISO 8601 instant, got {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _refused_as_cli_error(start: Callable[[], RunProgress]) -> RunProgress:
    try:
        return start()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or "request"
        raise CliError(f"backfill: {field}: {first.get('msg', 'invalid')}", code=2) from None
    except ValueError as exc:
        raise CliError(f"backfill: {exc}", code=2) from None
