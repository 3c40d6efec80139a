"""What a failure means for the event that met it: one verdict for both paths (HttpApi and SQS),
and the text that logs, sync state and the DLQ may carry about it."""

from __future__ import annotations

from enum import Enum

from connector.crm.policy import org_setting_advice, refused_caller_data
from connector.errors import (
    ConflictError,
    ConnectorError,
    IneligibleEvent,
    MappingError,
    NotFoundError,
    PermanentError,
    RefusedByPlatform,
)
from connector.salesforce.errors import SalesforceError


class Verdict(Enum):
    RETRY = "retry"  # transient, or unexpected: the queue tries again with backoff
    REJECT = "reject"  # the caller's to fix (422, 404, 409): nothing written, never retried
    DEAD = "dead"  # a permanent refusal of a valid event (org rule, configuration): the DLQ
    IGNORE = "ignore"  # nothing to do for this event
    DEFER = "defer"  # the org's API allocation is spent: wait in the queue, without using up an attempt
    FAIL = "fail"  # a platform refused part of a valid event: FAILED with its reason, not retried


# The start of `last_error` for work deferred by the org's API usage (the reconciler knows it).
DEFERRED = "deferred"
# The start of `last_error` for work that outlasted the queue's attempts inside a platform's
# replication-lag window: a fresh message carries it on, and the workflow itself dead-letters it
# once the window has passed (the reconciler knows it too).
WAITING_FOR_REPLICATION = "waiting for replication"


def verdict(exc: BaseException) -> Verdict:
    if isinstance(exc, IneligibleEvent):
        return Verdict.IGNORE
    if isinstance(exc, RefusedByPlatform):
        return Verdict.FAIL
    if isinstance(exc, MappingError | ConflictError | NotFoundError) or refused_caller_data(exc) is not None:
        return Verdict.REJECT
    if isinstance(exc, SalesforceError) and exc.error_code == "REQUEST_LIMIT_EXCEEDED":
        # The rolling 24-hour allocation, not a blip: retrying with backoff would only burn the
        # attempts into the DLQ before the window frees.
        return Verdict.DEFER
    if isinstance(exc, PermanentError):
        return Verdict.DEAD
    return Verdict.RETRY


def rejection(exc: BaseException) -> tuple[int, list[str | int], str, str]:
    """status, loc, msg and type of the answer to a rejected event."""
    if isinstance(exc, ConflictError):
        return 409, ["data"], str(exc), "invalid_state_change"
    if isinstance(exc, NotFoundError):
        return 404, exc.loc, exc.msg, "not_found"
    refused = refused_caller_data(exc)
    if refused is not None:
        return 422, refused.loc, refused.msg, "rejected"
    if isinstance(exc, MappingError):
        return 422, exc.loc, exc.msg, "mapping_error"
    raise TypeError(f"not a rejection: {type(exc).__name__}")


def error_text(exc: BaseException) -> str:
    """What logs, sync state and the DLQ may say about a failure: codes and field names, never the
    values (Salesforce and pydantic messages quote them, and they hold emails, names, phones)."""
    name = type(exc).__name__
    if isinstance(exc, SalesforceError):
        fields = sorted({f for d in exc.details for f in d.fields})
        text = f"{name}: {exc.operation} -> {exc.status} {exc.error_code}" + (f" fields={fields}" if fields else "")
        advice = org_setting_advice(exc)
        return f"{text} ({advice})" if advice else text
    if isinstance(exc, MappingError | NotFoundError):
        return f"{name}: {exc.loc} {exc.msg}"[:1000]
    if isinstance(exc, ConnectorError) and not isinstance(exc.__cause__, SalesforceError):
        return f"{name}: {exc}"[:1000]  # our own messages, written without personal data
    return name


def raised_at(exc: BaseException) -> str:
    """file:line where an unexpected error was raised (the traceback's text could quote data)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"
