"""`scc --stack NAME`: a deployed connector is found by its CloudFormation outputs (queues, the
sync-state table, the API URL) and its parameters (the webhook secrets' ARNs), read with boto3;
here against moto's CloudFormation, with the outputs template.yaml declares."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devstack.cfn import load_template
from scc.target import DEAD_LETTER_OUTPUT, CliError, deployed_target

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
STACK = "scc-connector"
API_URL = "https://abc123.execute-api.us-east-1.amazonaws.com/"
KINDS = {"AWS::SQS::Queue": {}, "AWS::DynamoDB::Table": None}


@functools.cache
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def template_outputs() -> dict[str, Any]:
    return dict(template()["Outputs"])


@functools.cache
def referenced_resources() -> dict[str, str]:
    """Output name -> the queue or table resource it names (`!Ref`), as template.yaml declares."""
    resources = template()["Resources"]
    found = {}
    for name, output in template_outputs().items():
        ref = output["Value"].get("Ref") if isinstance(output["Value"], dict) else None
        if ref and resources[ref]["Type"] in KINDS:
            found[name] = ref
    return found


def stand_in_template() -> str:
    """A template moto can create: the outputs of template.yaml that name queues and tables, over
    plain queues and tables of those logical ids, the API URL as a literal, a webhook secret ARN."""
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {"ApiUrl": {"Value": API_URL}}
    for output, logical_id in referenced_resources().items():
        kind = template()["Resources"][logical_id]["Type"]
        if kind == "AWS::SQS::Queue":
            resources[logical_id] = {"Type": kind, "Properties": {}}
        else:
            resources[logical_id] = {
                "Type": kind,
                "Properties": {
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                    "BillingMode": "PAY_PER_REQUEST",
                },
            }
        outputs[output] = {"Value": {"Ref": logical_id}}
    return json.dumps(
        {
            "Parameters": {"CommerceWebhookSecretArn": {"Type": "String"}},
            "Resources": resources,
            "Outputs": outputs,
        }
    )


@pytest.fixture(scope="module")
def account() -> Iterator[None]:
    """One in-process AWS account for the module: creating the stand-in stack once saves seconds."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.delenv("AWS_PROFILE", raising=False)
        with mock_aws():
            yield


@pytest.fixture(scope="module")
def deployed(account: None) -> dict[str, Any]:
    """The stand-in stack, created in moto's CloudFormation; its webhook secret in Secrets Manager."""
    arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="scc/commerce-webhook", SecretString="deployed-commerce-secret"
    )["ARN"]
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    cfn.create_stack(
        StackName=STACK,
        TemplateBody=stand_in_template(),
        Parameters=[{"ParameterKey": "CommerceWebhookSecretArn", "ParameterValue": arn}],
    )
    outputs = cfn.describe_stacks(StackName=STACK)["Stacks"][0]["Outputs"]
    return {o["OutputKey"]: o["OutputValue"] for o in outputs}


def test_every_trigger_queue_of_the_template_has_the_two_outputs_the_cli_reads() -> None:
    # Given template.yaml's queues that have a dead-letter queue (a RedrivePolicy)
    resources = template()["Resources"]
    redriven = {
        name
        for name, resource in resources.items()
        if resource["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in resource.get("Properties", {})
    }

    # When the outputs that name queues are read
    named = set(referenced_resources().values())

    # Then each such queue and its dead-letter queue are outputs, under <Trigger>QueueUrl and
    # <Trigger>DeadLetterQueueUrl
    assert redriven
    for queue in redriven:
        assert queue in named
        dead_letter = resources[queue]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        outputs = {o for o, ref in referenced_resources().items() if ref == dead_letter}
        assert any(DEAD_LETTER_OUTPUT.match(o) for o in outputs), dead_letter


def test_a_deployed_stack_names_each_triggers_queue_and_dead_letter_queue_from_its_outputs(
    deployed: dict[str, Any],
) -> None:
    # Given the connector's stack, deployed
    # When the CLI resolves it by name
    target = deployed_target(STACK, session=boto3.Session(region_name="us-east-1"))

    # Then every trigger's two queue URLs are the stack's outputs
    assert set(target.triggers) >= {"registration", "order_header", "contact_us", "chat_end", "offer_actions"}
    assert target.trigger("order_header").queue_url == deployed["OrderHeaderQueueUrl"]
    assert target.trigger("order_header").dead_letter_queue_url == deployed["OrderHeaderDeadLetterQueueUrl"]


def test_a_deployed_stack_names_its_sync_state_table_and_api_url(deployed: dict[str, Any]) -> None:
    # Given the connector's stack, deployed
    # When the CLI resolves it by name
    target = deployed_target(STACK, session=boto3.Session(region_name="us-east-1"))

    # Then the table and the API are the stack's
    assert target.sync_state_table == deployed["SyncStateTableName"]
    assert target.api_url == API_URL
    assert not target.local


def test_a_deployed_stacks_webhook_secret_is_read_from_the_secret_its_parameter_names(
    deployed: dict[str, Any],
) -> None:
    # Given the stack's CommerceWebhookSecretArn parameter naming a secret
    target = deployed_target(STACK, session=boto3.Session(region_name="us-east-1"))

    # When the commerce family's secret is asked for (to sign `scc send`)
    secret = target.webhook_secret("commerce")

    # Then it is that secret's value; a family without the parameter is a clear error
    assert secret == "deployed-commerce-secret"
    with pytest.raises(CliError, match="no webhook secret for the 'chat' family"):
        target.webhook_secret("chat")


def test_an_unknown_stack_is_one_clear_error(account: None) -> None:
    # Given no stack of that name
    # When the CLI resolves it
    with pytest.raises(CliError) as raised:
        deployed_target("no-such-stack", session=boto3.Session(region_name="us-east-1"))

    # Then the error names the stack and the region
    assert str(raised.value) == "no CloudFormation stack 'no-such-stack' in us-east-1"


def test_a_stack_without_the_connectors_outputs_is_refused(account: None) -> None:
    # Given a stack that is not the connector's
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName="other",
        TemplateBody=json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}),
    )

    # When the CLI resolves it
    with pytest.raises(CliError, match="has no output ApiUrl, SyncStateTableName"):
        deployed_target("other", session=boto3.Session(region_name="us-east-1"))


def test_an_unknown_profile_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an AWS configuration without that profile
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")

    # When the CLI resolves a stack with it
    with pytest.raises(CliError) as raised:
        deployed_target("any", profile="no-such-profile", region="us-east-1")

    # Then the error says so in one line
    assert str(raised.value) == "cannot read stack 'any': The config profile (no-such-profile) could not be found"
