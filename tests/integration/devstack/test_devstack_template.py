"""devstack reads template.yaml: short-form tags, intrinsic resolution, Globals, routes, event sources."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from devstack.cfn import NO_VALUE, Resolver, TemplateError, load_template, parameter_defaults
from devstack.template import load_functions, merge_globals, schedule_interval, unsupported_events

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "template.yaml"

TRIGGERS = {
    "RegistrationFunction": "registration",
    "OrderHeaderFunction": "order_header",
    "ContactUsFunction": "contact_us",
    "ChatEndFunction": "chat_end",
    "ConversationRoutingFunction": "conversation_routing",
    "OfferActionsFunction": "offer_actions",
    "SalesforceChangesFunction": "salesforce_changes",
}
# DESIGN §2: every route and the function serving it.
ROUTES = {
    "POST /v1/commerce/customers": "RegistrationFunction",
    "POST /v1/commerce/orders": "OrderHeaderFunction",
    "GET /v1/commerce/orders/{order_no}": "OrderHeaderFunction",
    "POST /v1/commerce/cases": "ContactUsFunction",
    "POST /v1/chat/events": "ChatEndFunction",
    "POST /v1/chat/native/{token}": "ChatEndFunction",
    "POST /v1/chat/route": "ConversationRoutingFunction",
    "POST /v1/chat/bot": "ConversationRoutingFunction",
    "POST /v1/social/conversations": "ConversationRoutingFunction",
    "POST /v1/social/salesforce-events": "ConversationRoutingFunction",
    "POST /v1/social/native/{token}": "ConversationRoutingFunction",
    "POST /v1/loyalty/actions": "OfferActionsFunction",
    "GET /v1/loyalty/customers/{key}": "OfferActionsFunction",
    "GET /v1/loyalty/customers/{key}/activity": "OfferActionsFunction",
    "GET /v1/social/users/{user_id}/activity": "ConversationRoutingFunction",
    "GET /v1/sync/{source}/{entity}/{key}": "ReconcilerFunction",
    # The twins Salesforce calls, AWS Signature V4 checked by the gateway (AWS_IAM).
    "POST /v1/iam/loyalty/actions": "OfferActionsFunction",
    "GET /v1/iam/loyalty/customers/{key}": "OfferActionsFunction",
    "GET /v1/iam/loyalty/customers/{key}/activity": "OfferActionsFunction",
    "POST /v1/iam/social/salesforce-events": "ConversationRoutingFunction",
}
GLOBAL_VARIABLES = {
    "SYNC_STATE_TABLE",
    "IDEMPOTENCY_TABLE",
    "SYNC_MODE",
    "MAX_RECEIVE_COUNT",
    "RETRY_BASE_SECONDS",
    "SALESFORCE_MY_DOMAIN_URL",
    "SALESFORCE_AUTH_FLOW",
    "SALESFORCE_JWT_AUDIENCE",
    "SALESFORCE_API_VERSION",
    "SALESFORCE_SECRET_ARN",
    "COMMERCE_WEBHOOK_SECRET_ARN",
    "CHAT_WEBHOOK_SECRET_ARN",
    "SOCIAL_WEBHOOK_SECRET_ARN",
    "LOYALTY_WEBHOOK_SECRET_ARN",
    "COMMERCE_API_URL",
    "COMMERCE_API_SECRET_ARN",
    "LOYALTY_API_URL",
    "LOYALTY_API_SECRET_ARN",
    "SOCIAL_API_URL",
    "SOCIAL_API_SECRET_ARN",
    "CONNECTOR_CONFIG_PARAMETER",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def local_resolver(template: dict[str, Any], **overrides: Any) -> Resolver:
    params = parameter_defaults(template)
    for name in template["Parameters"]:
        if name.endswith("SecretArn"):
            params[name] = f"arn:aws:secretsmanager:us-east-1:123456789012:secret:local/{name}-AbCdEf"
    # Required (no default): devstack gives it the Salesforce emulator's URL.
    params["SalesforceMyDomainUrl"] = "http://127.0.0.1:8000"
    params.update(overrides)
    refs: dict[str, Any] = {}
    attributes: dict[tuple[str, str], Any] = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::SQS::Queue":
            refs[logical_id] = f"http://127.0.0.1:5000/123456789012/local-{logical_id}"
            attributes[(logical_id, "Arn")] = f"arn:aws:sqs:us-east-1:123456789012:local-{logical_id}"
            attributes[(logical_id, "QueueName")] = f"local-{logical_id}"
        elif resource["Type"] == "AWS::DynamoDB::Table":
            refs[logical_id] = f"local-{logical_id}"
    return Resolver(template, params, refs, attributes)


# ------------------------------------------------------------------------------------- loader
def test_short_form_tags_load_as_long_form(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "AWSTemplateFormatVersion: 2010-09-09\n"
        "Resources:\n"
        "  R:\n"
        "    Type: X\n"
        "    Properties:\n"
        "      A: !Ref P\n"
        "      B: !GetAtt Q.Arn\n"
        "      C: !Sub 'x-${P}'\n"
        "      D: !Join [',', [a, !Ref P]]\n"
        "      E: !If [Cond, 1, !Ref AWS::NoValue]\n"
        "      F: !Select [1, !Split [',', 'a,b,c']]\n"
        "      G: !Not [!Equals [!Ref P, '']]\n"
        "      H: !FindInMap [M, k, v]\n"
        "      I: !GetAtt [Q, QueueName]\n"
        "      J: !Condition Cond\n"
    )
    doc = load_template(path)
    props = doc["Resources"]["R"]["Properties"]
    assert doc["AWSTemplateFormatVersion"] == "2010-09-09"  # a string, as CloudFormation reads it
    assert props["A"] == {"Ref": "P"}
    assert props["B"] == {"Fn::GetAtt": ["Q", "Arn"]}
    assert props["C"] == {"Fn::Sub": "x-${P}"}
    assert props["D"] == {"Fn::Join": [",", ["a", {"Ref": "P"}]]}
    assert props["E"] == {"Fn::If": ["Cond", 1, {"Ref": "AWS::NoValue"}]}
    assert props["F"] == {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}
    assert props["G"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "P"}, ""]}]}
    assert props["H"] == {"Fn::FindInMap": ["M", "k", "v"]}
    assert props["I"] == {"Fn::GetAtt": ["Q", "QueueName"]}
    assert props["J"] == {"Condition": "Cond"}


# ------------------------------------------------------------------------------------- resolver
def test_intrinsics_resolve_against_local_values() -> None:
    template = {
        "Parameters": {"Name": {"Type": "String", "Default": "/a/b"}, "Empty": {"Type": "String", "Default": ""}},
        "Conditions": {"HasEmpty": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Empty"}, ""]}]}},
        "Mappings": {"M": {"us-east-1": {"v": "mapped"}}},
        "Resources": {"Q": {"Type": "AWS::SQS::Queue"}, "T": {"Type": "AWS::DynamoDB::Table"}},
    }
    resolver = Resolver(
        template,
        parameter_defaults(template),
        refs={"Q": "http://moto/123456789012/local-Q", "T": "local-T"},
        attributes={("Q", "Arn"): "arn:aws:sqs:us-east-1:123456789012:local-Q"},
    )
    value = {
        "sub": {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${Name}"},
        "sub_vars": {"Fn::Sub": ["${x}-${Q.Arn}-${!Literal}", {"x": {"Ref": "T"}}]},
        "join": {"Fn::Join": ["/", [{"Ref": "T"}, "k"]]},
        "strip_slash": {"Fn::Select": [1, {"Fn::Split": ["/", {"Ref": "Name"}]}]},
        "if": {"Fn::If": ["HasEmpty", "yes", {"Ref": "AWS::NoValue"}]},
        "list": [1, {"Fn::If": ["HasEmpty", 2, {"Ref": "AWS::NoValue"}]}, 3],
        "map": {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "v"]},
        "queue": {"Ref": "Q"},
    }
    assert resolver.resolve(value) == {
        "sub": "arn:aws:ssm:us-east-1:123456789012:parameter/a/b",
        "sub_vars": "local-T-arn:aws:sqs:us-east-1:123456789012:local-Q-${Literal}",
        "join": "local-T/k",
        "strip_slash": "a",
        "list": [1, 3],
        "map": "mapped",
        "queue": "http://moto/123456789012/local-Q",
    }
    assert resolver.resolve({"Ref": "AWS::NoValue"}) is NO_VALUE


def test_a_parameter_without_value_is_an_error() -> None:
    template = {"Parameters": {"Secret": {"Type": "String"}}, "Resources": {}}
    with pytest.raises(TemplateError, match="Secret"):
        Resolver(template, {}).resolve({"Ref": "Secret"})


def test_globals_merge_like_sam() -> None:
    merged = merge_globals(
        {"Timeout": 30, "Layers": ["a"], "Environment": {"Variables": {"A": "1", "B": "2"}}},
        {"Timeout": 5, "Layers": ["b"], "Environment": {"Variables": {"B": "x", "C": "3"}}},
    )
    assert merged == {"Timeout": 5, "Layers": ["a", "b"], "Environment": {"Variables": {"A": "1", "B": "x", "C": "3"}}}


# ------------------------------------------------------------------------------------- template.yaml
def test_template_functions_routes_and_sources(template: dict[str, Any]) -> None:
    functions = {f.logical_id: f for f in load_functions(template, local_resolver(template), ROOT)}

    assert set(functions) == {*TRIGGERS, "ReconcilerFunction", "BackfillFunction"}
    routes = {r.route_key: r.function for f in functions.values() for r in f.routes}
    assert routes == ROUTES
    for logical_id, trigger in TRIGGERS.items():
        spec = functions[logical_id]
        assert spec.code_dir == ROOT / "functions" / trigger
        assert spec.handler == "app.handler"
        assert (spec.runtime, spec.timeout, spec.memory, spec.architectures) == ("python3.13", 30, 512, ["x86_64"])
        assert spec.layer_dirs == [ROOT / "layers" / "common"]
        [sqs] = spec.sqs
        assert sqs.queue_arn.endswith(f"local-{logical_id.removesuffix('Function')}Queue")
        assert (sqs.batch_size, sqs.batching_window, sqs.report_batch_item_failures) == (10, 1, True)
        assert sqs.maximum_concurrency == 5
        # The social inbox's actions feed is polled by conversation_routing; no other trigger has a schedule.
        expected = ["rate(1 minute)"] if logical_id == "ConversationRoutingFunction" else []
        assert [schedule.expression for schedule in spec.schedules] == expected
    backfill = functions["BackfillFunction"]
    assert backfill.code_dir == ROOT / "functions" / "backfill"
    assert backfill.timeout == 300  # a step reads 25 storefront pages and sends one Bulk API job
    [steps] = backfill.sqs
    assert steps.queue_arn.endswith("local-BackfillQueue")
    assert (steps.batch_size, steps.report_batch_item_failures) == (1, True)
    assert not backfill.routes and not backfill.schedules
    reconciler = functions["ReconcilerFunction"]
    assert not reconciler.sqs
    [schedule] = reconciler.schedules
    assert schedule.expression == "rate(5 minutes)"
    assert schedule_interval(schedule.expression) == 300
    assert unsupported_events(template) == []


def test_template_environment(template: dict[str, Any]) -> None:
    resolver = local_resolver(template, RetryBaseSeconds="1", SalesforceMyDomainUrl="http://127.0.0.1:9999")
    functions = {f.logical_id: f for f in load_functions(template, resolver, ROOT)}

    for logical_id, trigger in TRIGGERS.items():
        env = functions[logical_id].environment
        assert set(env) >= GLOBAL_VARIABLES
        name = logical_id.removesuffix("Function")
        assert env["POWERTOOLS_SERVICE_NAME"] == trigger
        assert env["QUEUE_URL"] == f"http://127.0.0.1:5000/123456789012/local-{name}Queue"
        assert env["DEAD_LETTER_QUEUE_URL"] == f"http://127.0.0.1:5000/123456789012/local-{name}DeadLetterQueue"
        assert env["SYNC_STATE_TABLE"] == "local-SyncStateTable"
        assert env["IDEMPOTENCY_TABLE"] == "local-IdempotencyTable"
        assert env["RETRY_BASE_SECONDS"] == "1"
        assert env["MAX_RECEIVE_COUNT"] == "5"
        assert env["SYNC_MODE"] == "realtime"
        assert env["SALESFORCE_MY_DOMAIN_URL"] == "http://127.0.0.1:9999"
        assert env["SALESFORCE_API_VERSION"] == "62.0"
        assert env["CONNECTOR_CONFIG_PARAMETER"] == "/service-cloud-connector/config"
        assert env["SALESFORCE_SECRET_ARN"].endswith(":secret:local/SalesforceSecretArn-AbCdEf")
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "ServiceCloudConnector"
        assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
        assert env["COMMERCE_API_URL"] == ""
    assert functions["ReconcilerFunction"].environment["POWERTOOLS_SERVICE_NAME"] == "reconciler"


def test_template_queues_and_tables(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    resolver = local_resolver(template)
    for logical_id in TRIGGERS:
        name = logical_id.removesuffix("Function")
        queue = resolver.resolve(resources[f"{name}Queue"]["Properties"])
        assert queue["VisibilityTimeout"] == 180
        assert queue["RedrivePolicy"] == {
            "deadLetterTargetArn": f"arn:aws:sqs:us-east-1:123456789012:local-{name}DeadLetterQueue",
            "maxReceiveCount": "5",
        }
        dlq = resolver.resolve(resources[f"{name}DeadLetterQueue"]["Properties"])
        assert dlq["MessageRetentionPeriod"] == 1209600
    state = resolver.resolve(resources["SyncStateTable"]["Properties"])
    assert [k["AttributeName"] for k in state["KeySchema"]] == ["pk", "sk"]
    [gsi] = state["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "ByStatus"
    assert [k["AttributeName"] for k in gsi["KeySchema"]] == ["status", "updated_at"]
    assert state["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    idem = resolver.resolve(resources["IdempotencyTable"]["Properties"])
    assert idem["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert idem["TimeToLiveSpecification"]["AttributeName"] == "expiration"


def test_alarm_actions_follow_the_alarm_topic_condition(template: dict[str, Any]) -> None:
    alarm = template["Resources"]["RegistrationDeadLetterAlarm"]["Properties"]
    topic = "arn:aws:sns:us-east-1:123456789012:alerts"
    assert "AlarmActions" not in local_resolver(template).resolve(alarm)
    assert local_resolver(template, AlarmTopicArn=topic).resolve(alarm)["AlarmActions"] == [topic]


def test_the_local_stack_reads_the_aws_iam_authorizer_of_exactly_the_iam_twins(template: dict[str, Any]) -> None:
    functions = load_functions(template, local_resolver(template), ROOT)

    behind_iam = {r.route_key for f in functions for r in f.routes if r.authorizer == "AWS_IAM"}

    assert behind_iam == {key for key in ROUTES if key.split(" ", 1)[1].startswith("/v1/iam/")}


def test_an_authorizer_the_local_stack_cannot_emulate_is_refused_not_served_open(template: dict[str, Any]) -> None:
    changed = copy.deepcopy(template)
    event = changed["Resources"]["OfferActionsFunction"]["Properties"]["Events"]["IamLoyaltyActionsPost"]
    event["Properties"]["Auth"] = {"Authorizer": "MyJwtAuthorizer"}

    with pytest.raises(TemplateError, match="not emulated locally"):
        load_functions(changed, local_resolver(changed), ROOT)
