"""What a failure means for its event: the API allocation defers, other transient failures retry."""

import pytest

from connector.pipeline.failures import Verdict, verdict
from connector.salesforce.errors import ApiErrorDetail, salesforce_error


def test_request_limit_exceeded_defers_the_event_rather_than_retrying_it():
    # The rolling 24-hour allocation: retries with backoff would only burn the attempts.
    exc = salesforce_error(403, [ApiErrorDetail("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")])

    assert verdict(exc) is Verdict.DEFER


@pytest.mark.parametrize(("status", "code"), [(503, "SERVER_UNAVAILABLE"), (400, "UNABLE_TO_LOCK_ROW")])
def test_other_transient_salesforce_failures_are_retried(status, code):
    assert verdict(salesforce_error(status, [ApiErrorDetail(code, "")])) is Verdict.RETRY
