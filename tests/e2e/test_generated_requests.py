"""Generated requests (schemathesis) against the running local stack, from the OpenAPI document the
functions validate with (issue 11): a bounded number of cases per route here (`make bench` runs
>= 1,000, `bench/schema_fuzz.py`). Each is signed with its route family's secret; none may answer a
5xx, none a status the document does not name for its route, and none that is refused may write
in Salesforce."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import LocalStack, booted_stack

from devstack import fuzz

pytestmark = pytest.mark.e2e

CASES_PER_ROUTE = 10  # per generation mode (schema-valid and schema-invalid)
# Refused cases per route and mode whose DynamoDB and SQS writes are looked at (Salesforce's are
# looked at for every one): each look costs two snapshots of the stack's AWS; `make bench` looks at all.
AWS_CHECKS_PER_ROUTE = 1


@pytest.fixture(scope="module")
def fresh_stack(request: pytest.FixtureRequest) -> Iterator[LocalStack]:
    """A stack of its own: each AWS look scans every table, and the shared stack's tables hold what
    the worker's earlier files sent (the soak's 500 events: 190 s for this test against 45 s fresh)."""
    with booted_stack(request, "e2e-generated") as local:
        yield local


def test_generated_requests_get_no_5xx_no_undocumented_status_and_rejected_ones_write_nothing(
    fresh_stack: LocalStack,
) -> None:
    # Given the document's routes, and signed generated cases for each
    # When they are sent through the local stack
    report = fuzz.run(fresh_stack.health, CASES_PER_ROUTE, aws_checks_per_route=AWS_CHECKS_PER_ROUTE)

    # Then every route was exercised, and no check failed
    operations = sum(len(methods) for methods in fuzz.openapi_document()["paths"].values())
    assert len(report.cases) == operations
    assert dict(report.failures) == {}, "\n".join(report.lines())
