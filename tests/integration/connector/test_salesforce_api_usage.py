"""The client reads the org's API usage from every answer (Sforce-Limit-Info), and the budget
decides from it whether sync work may spend calls now."""

import time
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws

from connector.config import SalesforceConfig
from connector.crm.api_budget import ApiBudget
from connector.errors import TransientError
from connector.salesforce import SalesforceClient
from connector.salesforce.limits import ApiUsage, parse_limit_info
from connector.state.api_usage import ApiUsageStore, StoredApiUsage


def set_usage(emulator_url: str, **limits: int) -> None:
    requests.post(f"{emulator_url}/_admin/limits", json=limits, timeout=5).raise_for_status()


def test_the_client_reads_the_usage_from_an_answer(salesforce: SalesforceClient, emulator_url: str) -> None:
    # given an org that has used 849 of 1000 calls
    set_usage(emulator_url, allocation=1000, used=849)

    # when the client makes a call
    salesforce.query("SELECT Id FROM Contact")

    # then it knows the usage that answer reported, this call included
    assert salesforce.api_usage is not None
    assert (salesforce.api_usage.used, salesforce.api_usage.allocation) == (850, 1000)
    assert salesforce.api_usage.share == 0.85


def test_the_client_reads_the_usage_from_an_error_answer_too(salesforce: SalesforceClient, emulator_url: str) -> None:
    # given an org whose allocation is used up
    set_usage(emulator_url, allocation=1000, used=1000)

    # when a call is refused
    with pytest.raises(TransientError, match="REQUEST_LIMIT_EXCEEDED"):
        salesforce.query("SELECT Id FROM Contact")

    # then the refusal's header was read
    assert salesforce.api_usage is not None
    assert salesforce.api_usage.share == 1.0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("api-usage=18/5000", (18, 5000)),
        ("api-usage=10018/100000; api-bursts=1/750", (10018, 100000)),
        ("api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)", (25, 5000)),
        ("per-app-api-usage=17/250(appName=x)", None),
        ("", None),
        (None, None),
    ],
)
def test_the_limit_info_header_forms_salesforce_documents(header: str | None, expected: Any) -> None:
    # https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm
    usage = parse_limit_info(header, 0.0)

    assert ((usage.used, usage.allocation) if usage else None) == expected


# -- the budget -----------------------------------------------------------------------------------------


@pytest.fixture
def store() -> Any:
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="SyncState",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield ApiUsageStore("SyncState", ddb)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_below_the_threshold_sync_work_may_spend_calls(salesforce, emulator_url, store) -> None:
    set_usage(emulator_url, allocation=1000, used=500)
    salesforce.query("SELECT Id FROM Contact")

    assert ApiBudget(salesforce, store, SalesforceConfig()).over_threshold() is None


def test_past_the_threshold_sync_work_waits(salesforce, emulator_url, store) -> None:
    set_usage(emulator_url, allocation=1000, used=849)
    salesforce.query("SELECT Id FROM Contact")

    usage = ApiBudget(salesforce, store, SalesforceConfig(defer_at_api_usage=0.85)).over_threshold()

    assert usage is not None and usage.used == 850


def test_another_containers_stored_reading_is_heeded(salesforce, store) -> None:
    # given a fresh container (no reading of its own) and a stored reading at 90%
    store.put(StoredApiUsage(900, 1000, time.time()))

    assert ApiBudget(salesforce, store, SalesforceConfig()).over_threshold() is not None


def test_a_stale_reading_over_the_threshold_is_rechecked_with_one_call(salesforce, emulator_url, store) -> None:
    # given a stored reading at 90%, older than defer_seconds, while the window has since freed
    store.put(StoredApiUsage(900, 1000, 1000.0))
    set_usage(emulator_url, allocation=1000, used=100)
    calls_before = salesforce.calls.total

    # when the budget is asked
    usage = ApiBudget(salesforce, store, SalesforceConfig(defer_seconds=60)).over_threshold()

    # then one GET /limits showed the window free, and the fresh reading is shared
    assert usage is None
    assert salesforce.calls.total - calls_before == 1
    stored = store.get()
    assert stored is not None and stored.used == 101


def test_a_reading_is_stored_at_once_when_it_crosses_the_threshold_else_at_most_once_a_minute(salesforce, store):
    clock = Clock(1_000_000.0)
    budget = ApiBudget(salesforce, store, SalesforceConfig(), clock=clock)
    salesforce.api_usage = ApiUsage(100, 1000, clock.now)
    budget.persist()  # the first reading of this container
    salesforce.api_usage = ApiUsage(120, 1000, clock.now + 1)
    budget.persist()  # same side of the threshold, within the minute: not written
    assert store.get() == StoredApiUsage(100, 1000, 1_000_000.0)

    salesforce.api_usage = ApiUsage(850, 1000, clock.now + 2)
    budget.persist()  # crossed: written at once

    assert store.get() == StoredApiUsage(850, 1000, 1_000_002.0)


def test_an_older_reading_never_replaces_a_newer_one(store) -> None:
    store.put(StoredApiUsage(900, 1000, 2000.0))

    assert store.put(StoredApiUsage(100, 1000, 1000.0)) is False
    assert store.get() == StoredApiUsage(900, 1000, 2000.0)
