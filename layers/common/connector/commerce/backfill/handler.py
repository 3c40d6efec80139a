"""The backfill function's queue consumer: each message one step (connector.commerce.backfill.steps),
a failed step's message back on the queue (partial batch failures), one that is not a step at all
put in the dead-letter queue with why."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from connector.commerce.backfill.batch import BulkIngest
from connector.commerce.backfill.runs import BackfillStep
from connector.commerce.backfill.steps import run_step
from connector.observability import PLATFORM_API_CALLS, SALESFORCE_API_CALLS, count, logger, metrics
from connector.services import Services
from connector.services.work_queue import backoff_seconds
from connector.settings import get_settings
from connector.state.backfill_runs import BackfillRunStore


def handle_batch(event: dict[str, Any], services: Services, bulk: BulkIngest) -> dict[str, Any]:
    store = BackfillRunStore(services.settings.sync_state_table, services.dynamodb)
    failures: list[dict[str, str]] = []
    for record in event.get("Records") or []:
        message_id = str(record.get("messageId", ""))
        try:
            step = BackfillStep.model_validate_json(record.get("body") or "")
        except ValidationError as exc:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors())
            services.queue.dead_letter(
                record.get("body") or "",
                event_type="backfill.step",
                event_id=message_id,
                error=f"not a backfill step: {fields}",
            )
            continue
        try:
            run_step(services, bulk, store, step)
        except Exception as exc:  # the message comes back (backoff as the triggers'), at last the DLQ
            logger.warning(
                "backfill step failed; its message comes back",
                extra={"run_id": step.run_id, "step": step.step, "error": type(exc).__name__},
            )
            receives = int((record.get("attributes") or {}).get("ApproximateReceiveCount") or 1)
            delay = backoff_seconds(receives, services.settings.retry_base_seconds)
            services.queue.retry_later(str(record.get("receiptHandle")), delay)
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}


class BackfillFunction:
    """Clients built on first use and kept for the container's life (nothing at import time)."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self._bulk: BulkIngest | None = None

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        # As the triggers' handlers: the Lambda context in every log line, the metrics flushed.
        if context is None:
            return dict(metrics.log_metrics(self._counted)(event, context))
        wrapped = logger.inject_lambda_context(clear_state=True, log_event=False)(metrics.log_metrics(self._counted))
        return dict(wrapped(event, context))

    def _counted(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if self._services is None:
            from connector.clients.salesforce_bulk import SalesforceBulk

            self._services = Services(get_settings())
            self._bulk = SalesforceBulk(self._services.salesforce)
        assert self._bulk is not None
        services = self._services
        salesforce, platforms = services.salesforce_calls(), services.platform_calls()
        try:
            return handle_batch(event, services, self._bulk)
        finally:
            # The dashboard's API-call widgets per service, and the org's usage for the API budget.
            count(SALESFORCE_API_CALLS, services.salesforce_calls() - salesforce)
            count(PLATFORM_API_CALLS, services.platform_calls() - platforms)
            try:
                services.remember_api_usage()
            except Exception as exc:
                logger.warning("could not store the API usage", extra={"error": type(exc).__name__})
