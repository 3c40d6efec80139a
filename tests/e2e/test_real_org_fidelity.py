"""Issue 7 ("real-org fidelity"): what a production org and storefront answer that the happy path
never shows (per-record and per-subrequest refusals, replication lag, refused events), end to end
through the local stack with the emulators switched into the matching real-org behaviour."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from example_events import body_of, unique
from salesforce_org import SalesforceOrg, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def org(stack: Any) -> Iterator[SalesforceOrg]:
    org = SalesforceOrg(stack.salesforce)
    org.clear_faults()
    yield org
    org.clear_faults()


def registration(customer_no: str, *, at: str, minimal: bool = False, **profile: Any) -> dict[str, Any]:
    body = body_of(
        "customer.registered.minimal" if minimal else "customer.registered",
        site_id="RefArch",
        customer_list_id="RefArchGlobal",
    )
    body["occurred_at"] = at
    body["data"]["customer"].update(customer_no=customer_no, email=f"{customer_no.lower()}@example.com", **profile)
    return body


def sync_state(stack: Any, entity: str, key: str) -> dict[str, Any] | None:
    resp = stack.get(f"/v1/sync/commerce/{entity}/{key}")
    return dict(resp.json()) if resp.status_code == 200 else None


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- rejected events ----------------------------------------------------------------------------------


def test_an_older_valid_event_after_a_rejected_newer_one_is_synced_not_dropped_as_stale(
    stack: Any, org: SalesforceOrg
) -> None:
    # given a newer update of a customer that Salesforce refuses as the caller's bad data (a 422)
    no = unique("C")
    org.inject_fault(
        status=400, errorCode="STRING_TOO_LONG", message="Last Name: data value too large", fields=["LastName"], count=1
    )
    refused = stack.send(registration(no, at="2026-11-23T12:00:00Z", last_name="Refused"))
    assert refused.status_code == 422, refused.text

    # when an older, valid event of that customer arrives (the sender's retry of what it had before)
    older = stack.send(registration(no, at="2026-11-23T11:00:00Z", last_name="Older"))

    # then it is synchronized, not dropped as superseded by the refused one
    assert older.status_code == 200, older.text
    assert older.json().get("stale") is not True
    assert [c["LastName"] for c in org.contacts_with_customer_no(no, "LastName")] == ["Older"]
    assert sync_state(stack, "customer", no)["source_version"].startswith("2026-11-23T11:00:00")  # type: ignore[index]
