"""What it means when the storefront (OCAPI) has no customer or order that an event announces.

The webhook fires when the customer registers or the order is placed; the OCAPI replica the
connector reads may not show it yet. A 404 within `commerce.storefront_lag_seconds` of the event
is that lag (retried from the queue); after it, the record is not coming (dead-lettered with the
reason). Never a 422: the caller's event was valid.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from connector.config import CommerceConfig
from connector.crm import CrmServices, record_is_gone
from connector.errors import ConnectorError, PermanentError, ReplicationLag
from connector.observability import logger


class MissingFromStorefront(PermanentError):
    """The lag window has passed and the storefront still has no such record: nothing to complete
    a draft from, so none is written."""


def missing_from_storefront(what: str, occurred_at: datetime, config: CommerceConfig) -> ConnectorError:
    """The error for a storefront that has no `what` ("customer", "order") for an event of `occurred_at`."""
    retry_until = occurred_at + timedelta(seconds=config.storefront_lag_seconds)
    now = datetime.now(UTC)
    if now < retry_until:
        return ReplicationLag(f"the storefront has no {what} with this number yet (replication lag)", retry_until)
    minutes = int((now - occurred_at).total_seconds() // 60)
    # The key is in the sync state's own key; the text stays free of it.
    return MissingFromStorefront(f"the storefront has no {what} with this number {minutes} minutes after the event")


def save_draft(services: CrmServices, what: str, write: Callable[[], object]) -> None:
    """`write()` the draft of a `what` ("customer", "order") the storefront cannot complete yet, as
    best effort: the storefront's error, which the caller re-raises, decides the event's fate (retried
    through the lag window, or dead-lettered), never a failure of its draft. That failure is logged by
    its code only; when it says an Id the identity map gave is gone, the entries the workflow relied
    on are forgotten, so that its next attempt looks them up afresh."""
    try:
        write()
    except Exception as exc:
        logger.warning(
            "draft not saved; the storefront's error decides the event",
            extra={"draft": what, "error": type(exc).__name__, "code": getattr(exc, "error_code", None)},
        )
        if record_is_gone(exc):
            for kind, key in services.identities.used():
                services.identities.forget(kind, key)
