"""What template.yaml promises about data at rest, access logs and concurrency, read from the template
(checkov's scan in `make template` reads only whether a property is set, not what it says)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devstack.cfn import Resolver, load_template
from devstack.template import QUEUE, resources_of_type

TEMPLATE = load_template(Path(__file__).resolve().parents[2] / "template.yaml")
QUEUES = sorted(resources_of_type(TEMPLATE, QUEUE))
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def resolver(**parameters: Any) -> Resolver:
    """The template's intrinsics evaluated with its parameter defaults, overridden by `parameters`."""
    defaults = {name: spec.get("Default") for name, spec in TEMPLATE["Parameters"].items() if "Default" in spec}
    return Resolver(TEMPLATE, {**defaults, **parameters}, {}, {})


def resolved(logical_id: str, **parameters: Any) -> dict[str, Any]:
    props = dict(TEMPLATE["Resources"][logical_id]["Properties"])
    props.pop("RedrivePolicy", None)  # names the dead-letter queue's ARN: not what is checked here
    return resolver(**parameters).resolve(props)


@pytest.mark.parametrize("queue", QUEUES)
def test_a_queue_is_encrypted_by_sqs_when_no_key_is_given(queue: str) -> None:
    props = resolved(queue)
    assert props.get("SqsManagedSseEnabled") is True
    assert "KmsMasterKeyId" not in props


@pytest.mark.parametrize("queue", QUEUES)
def test_a_queue_is_encrypted_with_the_customer_key_when_given(queue: str) -> None:
    props = resolved(queue, QueueKmsKeyArn=KEY)
    assert props.get("KmsMasterKeyId") == KEY
    assert "SqsManagedSseEnabled" not in props  # the two kinds of SSE are exclusive


def test_the_api_access_log_names_routes_not_paths() -> None:
    # A path holds customer keys (emails, customer numbers) and native webhook tokens.
    settings = TEMPLATE["Resources"]["ConnectorApi"]["Properties"]["AccessLogSettings"]
    log_format = settings["Format"]
    assert "$context.routeKey" in log_format
    for leaking in ("$context.path", "$context.rawPath", "querystring", "$input", "$request", "header"):
        assert leaking not in log_format.lower().replace("$context.routekey", "")


def test_the_api_access_log_is_kept_for_a_bounded_time() -> None:
    assert resolved("ApiAccessLogGroup")["RetentionInDays"] == 30


def test_reserved_concurrency_leaves_room_for_webhooks_beside_the_queue_batches() -> None:
    # Queue batches run at most MaxConcurrency at once; a function capped below that would have its
    # batches throttled (and counted as failed deliveries) and no room left for webhooks.
    parameters = TEMPLATE["Parameters"]
    assert parameters["ReservedConcurrency"]["Default"] >= 2 * parameters["MaxConcurrency"]["Default"]


def reserved_concurrency(**parameters: Any) -> Any:
    reserved = TEMPLATE["Globals"]["Function"]["ReservedConcurrentExecutions"]
    return resolver(**parameters).resolve({"value": reserved}).get("value")


def test_every_function_has_its_concurrency_reserved_by_default() -> None:
    assert reserved_concurrency() == TEMPLATE["Parameters"]["ReservedConcurrency"]["Default"] == 20


def test_a_reserved_concurrency_of_zero_reserves_nothing() -> None:
    # 0 would throttle every invocation; it means "no cap" (accounts with a small concurrency quota).
    assert reserved_concurrency(ReservedConcurrency=0) is None
