"""template.yaml observability (issue 6): the dashboard, the alarms and the Powertools service name.

The functions emit Powertools metrics (EMF) into the namespace of `POWERTOOLS_METRICS_NAMESPACE` with
one dimension, `service` = the trigger name. These tests read the template the way devstack does and
check, for every trigger function found in it, that the dashboard and the alarms watch that function.
"""

from __future__ import annotations

import ast
import json
import operator
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.cfn import Resolver, load_template, parameter_defaults

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]

FUNCTION = "AWS::Serverless::Function"
ALARM = "AWS::CloudWatch::Alarm"
DASHBOARD = "AWS::CloudWatch::Dashboard"
TOPIC = "arn:aws:sns:us-east-1:123456789012:connector-alerts"

EXPECTED_TRIGGERS = {
    "registration",
    "order_header",
    "contact_us",
    "chat_end",
    "conversation_routing",
    "offer_actions",
    "reconciler",
    "backfill",
    # Issue 15: Salesforce changes relayed through EventBridge (no route; its queue only).
    "salesforce_changes",
}
EVENT_COUNTS = ("EventsReceived", "EventsSynced", "EventsQueued", "EventsDead", "EventsIgnored", "CommandsAnswered")
API_CALL_COUNTS = ("SalesforceApiCalls", "PlatformApiCalls")


def _variables(logical_id: str) -> dict[str, Any]:
    return ((RESOURCES[logical_id].get("Properties") or {}).get("Environment") or {}).get("Variables") or {}


# Every function of the template that names its trigger: {trigger name: logical id}.
TRIGGER_FUNCTIONS = {
    _variables(logical_id)["POWERTOOLS_SERVICE_NAME"]: logical_id
    for logical_id, resource in RESOURCES.items()
    if resource.get("Type") == FUNCTION and "POWERTOOLS_SERVICE_NAME" in _variables(logical_id)
}
TRIGGERS = sorted(TRIGGER_FUNCTIONS)


def _queue_of(trigger: str, variable: str) -> str | None:
    """Logical id of the queue a trigger's function names in `variable` (`{"Ref": queue}`), if any."""
    value = _variables(TRIGGER_FUNCTIONS[trigger]).get(variable)
    return value["Ref"] if isinstance(value, dict) and "Ref" in value else None


QUEUED_TRIGGERS = sorted(t for t in TRIGGERS if _queue_of(t, "QUEUE_URL"))
DEAD_LETTERED_TRIGGERS = sorted(t for t in TRIGGERS if _queue_of(t, "DEAD_LETTER_QUEUE_URL"))


# ------------------------------------------------------------------------------------- helpers
def dummy_function_name(logical_id: str) -> str:
    return f"connector-{logical_id}-AbCdEf123456"


def dummy_queue_name(logical_id: str) -> str:
    return f"connector-{logical_id}-GhIjKl789012"


def dummy_resolver(**parameters: Any) -> Resolver:
    """Stands in for CloudFormation: dummy physical names for functions and queues, dummy secret ARNs."""
    params = parameter_defaults(TEMPLATE)
    for name in TEMPLATE["Parameters"]:
        if name.endswith("SecretArn"):
            params[name] = f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:dummy/{name}-AbCdEf"
    params.update(parameters)
    refs: dict[str, Any] = {}
    attributes: dict[tuple[str, str], Any] = {}
    for logical_id, resource in RESOURCES.items():
        if resource["Type"] == FUNCTION:
            refs[logical_id] = dummy_function_name(logical_id)
        elif resource["Type"] == "AWS::SQS::Queue":
            refs[logical_id] = f"https://sqs.eu-west-1.amazonaws.com/123456789012/{dummy_queue_name(logical_id)}"
            attributes[(logical_id, "QueueName")] = dummy_queue_name(logical_id)
    return Resolver(TEMPLATE, params, refs, attributes, stack_name="connector", region="eu-west-1")


def dashboards() -> dict[str, Any]:
    return {logical_id: r for logical_id, r in RESOURCES.items() if r["Type"] == DASHBOARD}


def dashboard_body() -> dict[str, Any]:
    [dashboard] = dashboards().values()
    return json.loads(dummy_resolver().resolve(dashboard["Properties"]["DashboardBody"]))


def dashboard_metrics() -> list[dict[str, Any]]:
    """Every metric line of every metric widget: namespace, name, dimensions, stat (the line's or the widget's)."""
    out = []
    for widget in dashboard_body()["widgets"]:
        if widget["type"] != "metric":
            continue
        props = widget["properties"]
        for line in props["metrics"]:
            options = line[-1] if isinstance(line[-1], dict) else {}
            fields = [v for v in line if not isinstance(v, dict)]
            assert "." not in fields, f"expand the '.' shorthand so the dashboard stays greppable: {line}"
            namespace, name, *dims = fields
            out.append(
                {
                    "namespace": namespace,
                    "name": name,
                    "dimensions": dict(zip(dims[::2], dims[1::2], strict=True)),
                    "stat": options.get("stat", props.get("stat")),
                    "region": props["region"],
                }
            )
    return out


def shown(namespace: str, name: str, dimensions: dict[str, str], stat: str | None = None) -> bool:
    return any(
        m["namespace"] == namespace
        and m["name"] == name
        and m["dimensions"] == dimensions
        and (stat is None or m["stat"] == stat)
        for m in dashboard_metrics()
    )


def alarms() -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in RESOURCES.items():
        if resource["Type"] == ALARM:
            yield logical_id, resource["Properties"]


def watches(alarm: dict[str, Any], namespace: str, name: str, dimension: str, value: Any) -> bool:
    """The alarm's single metric is `name` in `namespace` with `dimension` = `value` (template form)."""
    return (
        alarm.get("Namespace") == namespace
        and alarm.get("MetricName") == name
        and alarm.get("Dimensions") == [{"Name": dimension, "Value": value}]
    )


def lambda_metric_ids(alarm: dict[str, Any], function: str) -> dict[str, str]:
    """{Lambda metric name: metric-math id} of the alarm's AWS/Lambda metrics of `function`."""
    ids = {}
    for query in alarm.get("Metrics") or []:
        metric = (query.get("MetricStat") or {}).get("Metric") or {}
        if metric.get("Namespace") == "AWS/Lambda" and metric.get("Dimensions") == [
            {"Name": "FunctionName", "Value": {"Ref": function}}
        ]:
            ids[metric["MetricName"]] = query["Id"]
    return ids


def error_rate_alarm(trigger: str) -> dict[str, Any]:
    function = TRIGGER_FUNCTIONS[trigger]
    found = [a for _, a in alarms() if {"Errors", "Invocations"} <= set(lambda_metric_ids(a, function))]
    assert len(found) == 1, f"{trigger}: expected one Errors/Invocations alarm, found {len(found)}"
    return found[0]


_OPERATORS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def evaluate(expression: str, values: dict[str, float]) -> float:
    """A metric-math expression made only of + - * / numbers and metric ids, evaluated on one data point."""

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name):
            return values[node.id]
        raise AssertionError(f"unexpected metric math in {expression!r}: {ast.dump(node)}")

    return walk(ast.parse(expression, mode="eval"))


def breaches(alarm: dict[str, Any], errors: float, invocations: float) -> bool:
    """Whether one 5-minute data point of `errors` out of `invocations` puts the error-rate alarm in ALARM."""
    data = {"Errors": errors, "Invocations": invocations}
    values = {
        query["Id"]: data[query["MetricStat"]["Metric"]["MetricName"]]
        for query in alarm["Metrics"]
        if "MetricStat" in query
    }
    [returned] = [q for q in alarm["Metrics"] if q.get("ReturnData", True)]
    value = evaluate(returned["Expression"], values)
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    return value > float(alarm["Threshold"])


# ------------------------------------------------------------------------------------- the triggers
def test_every_trigger_of_the_design_has_a_function_that_names_it() -> None:
    assert set(TRIGGERS) == EXPECTED_TRIGGERS


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_each_function_sets_powertools_service_name_to_its_trigger_name(trigger: str) -> None:
    env = dummy_resolver().resolve(_variables(TRIGGER_FUNCTIONS[trigger]))
    assert env["POWERTOOLS_SERVICE_NAME"] == trigger


# ------------------------------------------------------------------------------------- the dashboard
def test_the_template_has_exactly_one_dashboard() -> None:
    assert len(dashboards()) == 1


def test_dashboard_body_is_json_once_its_placeholders_are_substituted() -> None:
    body = dashboard_body()
    assert body["widgets"]


def test_dashboard_placeholders_name_only_template_resources_or_pseudo_parameters() -> None:
    [dashboard] = dashboards().values()
    text = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    for placeholder in re.findall(r"\$\{([^}]*)\}", text):
        if placeholder.startswith("AWS::"):
            assert placeholder in ("AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName")
            continue
        logical_id = placeholder.partition(".")[0]
        assert logical_id in RESOURCES, f"${{{placeholder}}} names no resource of the template"


def test_dashboard_graphs_show_the_stacks_own_region() -> None:
    assert {m["region"] for m in dashboard_metrics()} == {"eu-west-1"}


def test_dashboard_widgets_fit_the_grid_without_overlapping() -> None:
    taken: set[tuple[int, int]] = set()
    for widget in dashboard_body()["widgets"]:
        x, y, width, height = widget["x"], widget["y"], widget["width"], widget["height"]
        assert x >= 0 and x + width <= 24, widget
        cells = {(col, row) for col in range(x, x + width) for row in range(y, y + height)}
        assert not cells & taken, f"overlapping widget {widget}"
        taken |= cells


def test_dashboard_reads_connector_metrics_from_the_namespace_the_functions_emit_into() -> None:
    namespace = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
    custom = {m["namespace"] for m in dashboard_metrics() if not m["namespace"].startswith("AWS/")}
    assert custom == {namespace}


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_dashboard_counts_each_triggers_events_under_its_service_dimension(trigger: str) -> None:
    for name in EVENT_COUNTS:
        assert shown("ServiceCloudConnector", name, {"service": trigger}, "Sum"), name


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_dashboard_counts_each_triggers_salesforce_and_platform_api_calls(trigger: str) -> None:
    for name in API_CALL_COUNTS:
        assert shown("ServiceCloudConnector", name, {"service": trigger}, "Sum"), name


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_dashboard_shows_each_triggers_sync_latency_at_p50_p90_and_max(trigger: str) -> None:
    for stat in ("p50", "p90", "Maximum"):
        assert shown("ServiceCloudConnector", "SyncLatency", {"service": trigger}, stat), stat


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_dashboard_shows_lambda_errors_and_throttles_of_each_triggers_function(trigger: str) -> None:
    function = {"FunctionName": dummy_function_name(TRIGGER_FUNCTIONS[trigger])}
    for name in ("Invocations", "Errors", "Throttles"):
        assert shown("AWS/Lambda", name, function, "Sum"), name


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_dashboard_shows_lambda_duration_of_each_triggers_function(trigger: str) -> None:
    function = {"FunctionName": dummy_function_name(TRIGGER_FUNCTIONS[trigger])}
    for stat in ("p50", "p90", "Maximum"):
        assert shown("AWS/Lambda", "Duration", function, stat), stat


@pytest.mark.parametrize("trigger", QUEUED_TRIGGERS)
def test_dashboard_shows_the_age_of_the_oldest_message_of_each_trigger_queue(trigger: str) -> None:
    queue = {"QueueName": dummy_queue_name(str(_queue_of(trigger, "QUEUE_URL")))}
    assert shown("AWS/SQS", "ApproximateAgeOfOldestMessage", queue, "Maximum")


@pytest.mark.parametrize("trigger", DEAD_LETTERED_TRIGGERS)
def test_dashboard_shows_the_depth_of_each_triggers_dead_letter_queue(trigger: str) -> None:
    queue = {"QueueName": dummy_queue_name(str(_queue_of(trigger, "DEAD_LETTER_QUEUE_URL")))}
    assert shown("AWS/SQS", "ApproximateNumberOfMessagesVisible", queue, "Maximum")


def test_dashboard_lists_every_alarm_of_the_template() -> None:
    [status] = [w for w in dashboard_body()["widgets"] if w["type"] == "alarm"]
    resolver = dummy_resolver()
    assert sorted(status["properties"]["alarms"]) == sorted(
        resolver.get_att(logical_id, "Arn") for logical_id, _ in alarms()
    )


# ------------------------------------------------------------------------------------- the alarms
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_each_function_alarms_when_more_than_five_percent_of_its_invocations_fail(trigger: str) -> None:
    alarm = error_rate_alarm(trigger)
    assert breaches(alarm, errors=6, invocations=100)
    assert not breaches(alarm, errors=5, invocations=100)
    assert not breaches(alarm, errors=0, invocations=100)


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_each_error_rate_alarm_looks_at_five_minutes(trigger: str) -> None:
    alarm = error_rate_alarm(trigger)
    periods = {q["MetricStat"]["Period"] for q in alarm["Metrics"] if "MetricStat" in q}
    stats = {q["MetricStat"]["Stat"] for q in alarm["Metrics"] if "MetricStat" in q}
    assert (periods, stats, alarm["EvaluationPeriods"]) == ({300}, {"Sum"}, 1)


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_each_error_rate_alarm_treats_missing_data_as_not_breaching(trigger: str) -> None:
    assert error_rate_alarm(trigger)["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_each_function_alarms_on_any_throttled_invocation(trigger: str) -> None:
    function = {"Ref": TRIGGER_FUNCTIONS[trigger]}
    found = [a for _, a in alarms() if watches(a, "AWS/Lambda", "Throttles", "FunctionName", function)]
    assert len(found) == 1
    [alarm] = found
    assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == ("Sum", "GreaterThanThreshold", 0)


@pytest.mark.parametrize("trigger", DEAD_LETTERED_TRIGGERS)
def test_each_trigger_alarms_when_its_dead_letter_queue_holds_messages(trigger: str) -> None:
    queue = {"Fn::GetAtt": [_queue_of(trigger, "DEAD_LETTER_QUEUE_URL"), "QueueName"]}
    found = [a for _, a in alarms() if watches(a, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue)]
    assert len(found) == 1
    [alarm] = found
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_each_trigger_alarms_when_it_declares_an_event_dead(trigger: str) -> None:
    found = [a for _, a in alarms() if watches(a, "ServiceCloudConnector", "EventsDead", "service", trigger)]
    assert len(found) == 1
    [alarm] = found
    assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == ("Sum", "GreaterThanThreshold", 0)


def test_every_alarm_stays_silent_without_an_alarm_topic() -> None:
    resolver = dummy_resolver()
    for logical_id, alarm in alarms():
        resolved = resolver.resolve(alarm)
        assert "AlarmActions" not in resolved, logical_id
        assert "OKActions" not in resolved, logical_id


def test_every_alarm_notifies_the_alarm_topic_on_alarm_and_back_to_ok() -> None:
    resolver = dummy_resolver(AlarmTopicArn=TOPIC)
    for logical_id, alarm in alarms():
        resolved = resolver.resolve(alarm)
        assert resolved["AlarmActions"] == [TOPIC], logical_id
        assert resolved["OKActions"] == [TOPIC], logical_id
