"""A Salesforce call's timeout depends on who waits: a caller on an HTTP request gets
SALESFORCE_TIMEOUT_SECONDS (the chat platform's webhook waits 10 s, then redelivers), a queue batch
the default, so that an org that is merely slow is retried to success, not dead-lettered."""

from __future__ import annotations

from connector.services import QUEUE_READ_TIMEOUT_SECONDS, Services
from connector.settings import Settings


def services(read_timeout: float) -> Services:
    return Services(Settings.from_environment({"SALESFORCE_TIMEOUT_SECONDS": str(read_timeout)}))


def test_a_call_while_a_caller_waits_times_out_after_the_configured_seconds() -> None:
    # given a function configured with 3.5 s per Salesforce call
    built = services(3.5)
    # when a call is made while an HTTP caller waits
    with built.caller_waiting():
        timeout = built.salesforce.current_timeout()
    # then its read timeout is 3.5 s
    assert timeout == (3.05, 3.5)


def test_a_call_from_the_queue_gets_the_default_timeout() -> None:
    # given the same function
    built = services(3.5)
    # when a call is made from a queue batch (no caller waits)
    timeout = built.salesforce.current_timeout()
    # then the default read timeout applies
    assert timeout == (3.05, QUEUE_READ_TIMEOUT_SECONDS)


def test_the_waiting_caller_is_forgotten_when_the_request_is_answered_even_by_an_error() -> None:
    # given a request whose handling fails
    built = services(3.5)
    try:
        with built.caller_waiting():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    # when a later queue batch calls Salesforce
    # then it is not held to the request's timeout
    assert built.salesforce.current_timeout() == (3.05, QUEUE_READ_TIMEOUT_SECONDS)
