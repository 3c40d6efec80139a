"""The local stack's DynamoDB checks an UpdateExpression exactly as moto does, in linear time
(devstack.aws_expressions): the same expressions pass, and the same ones are refused with the same
error, whether the checks walk the tree once (the local stack's) or once per node (moto's own)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser
from moto.dynamodb.parsing.expressions import UpdateExpressionParser
from moto.dynamodb.parsing.validators import ActionCountValidator, OverlappingPathsValidator

from devstack.aws import LocalAws
from devstack.aws_expressions import linear_update_expression_checks

NAMES = {"#a": "a", "#b": "b", "#status": "status", "#c": "a"}

# The intake's sync-state update (connector.state.sync_state), the expression that made moto slow.
INTAKE = (
    "SET #status = :status, source_version = :v, #a = :e, #b = :t, created_at = if_not_exists(created_at, :now), "
    "previous_version = if_not_exists(source_version, :none), previous_status = if_not_exists(#status, :null), "
    "previous_a = if_not_exists(#a, :null), tags = list_append(if_not_exists(tags, :empty), :t), n = n + :one "
    "REMOVE last_error"
)
ACCEPTED = [
    INTAKE,
    "SET a = :a",
    "SET a.b[1].c = :x, d = :y REMOVE e[0], e[2] ADD f :one DELETE g :set",
    "REMOVE a, b.c, d[3]",
    "ADD counter :one, other :two",
]
REFUSED = [
    "SET a = :a SET b = :b",  # two SET clauses
    "REMOVE a REMOVE b",  # two REMOVE clauses
    "ADD a :one ADD b :two REMOVE c REMOVE d",  # two ADD and two REMOVE clauses: which is named
    "SET a = :a, a = :b",  # the same path twice
    "SET #a = :a, #c = :b",  # two names for one attribute
    "SET a.b = :x REMOVE a",  # overlapping paths
    "SET x = :x, a.b[1] = :y, a.b[1].c = :z",  # overlapping paths, nested
    INTAKE.replace("REMOVE last_error", "REMOVE previous_status"),  # the long one, refused
]


@pytest.fixture(scope="module", autouse=True)
def linear_checks() -> None:
    linear_update_expression_checks()


def verdict(traverse: Callable[[Any, Any], Any], validator: Any, expression: str) -> tuple[str, str]:
    tree = UpdateExpressionParser.make(expression)
    try:
        traverse(validator, copy.deepcopy(tree))
    except Exception as exc:
        return type(exc).__name__, str(exc)
    return "accepted", ""


def checkers() -> Iterator[tuple[str, Any]]:
    yield "action counts", ActionCountValidator()
    yield "overlapping paths", OverlappingPathsValidator(NAMES)


@pytest.mark.parametrize("expression", ACCEPTED + REFUSED)
def test_each_check_gives_motos_own_verdict_and_error(expression: str) -> None:
    for name, validator in checkers():
        # given moto's own traversal (once per node) and the local stack's (once)
        own = verdict(DepthFirstTraverser.traverse, validator, expression)
        # when both check the expression
        linear = verdict(type(validator).traverse, validator, expression)
        # then they agree, error text included
        assert linear == own, name


@pytest.mark.parametrize("expression", REFUSED)
def test_a_refused_expression_is_refused_by_one_of_the_checks(expression: str) -> None:
    # given an expression DynamoDB refuses (two clauses of a kind, or a path written twice)
    # when the local stack's checks look at it
    verdicts = [verdict(type(v).traverse, v, expression)[0] for _, v in checkers()]
    # then one of them refuses it (the comparison above is not between two checks that pass everything)
    assert any(v != "accepted" for v in verdicts)


def test_the_local_dynamodb_refuses_a_path_written_twice_and_applies_a_long_update() -> None:
    # given the local stack's DynamoDB (moto server, the linear checks in place)
    aws = LocalAws()
    try:
        ddb = aws.client("dynamodb")
        ddb.create_table(
            TableName="Expressions",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        values = {":a": {"S": "a"}, ":b": {"S": "b"}}
        long_update = "SET " + ", ".join(f"f{n} = if_not_exists(f{n}, :a)" for n in range(25)) + ", g = :b"
        # when one update writes a path twice and another sets 26 attributes
        with pytest.raises(ddb.exceptions.ClientError) as refused:
            ddb.update_item(
                TableName="Expressions",
                Key={"pk": {"S": "k"}},
                UpdateExpression="SET x = :a, x = :b",
                ExpressionAttributeValues=values,
            )
        ddb.update_item(
            TableName="Expressions",
            Key={"pk": {"S": "k"}},
            UpdateExpression=long_update,
            ExpressionAttributeValues=values,
        )
        item = ddb.get_item(TableName="Expressions", Key={"pk": {"S": "k"}})["Item"]
    finally:
        aws.stop()
    # then the first is refused as DynamoDB refuses it, and the second is written whole
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "Two document paths overlap" in refused.value.response["Error"]["Message"]
    assert item["f24"] == {"S": "a"} and item["g"] == {"S": "b"} and len(item) == 27


def test_each_traverser_processes_the_node_types_of_its_processing_map() -> None:
    # given every processor moto's update validation runs (the node types each processes, cached)
    tree = UpdateExpressionParser.make(INTAKE)
    for processor in [ActionCountValidator(), OverlappingPathsValidator(NAMES), *moto_processors(tree)]:
        # when it is asked twice which node types it processes
        first, second = processor.nodes_to_be_processed(), processor.nodes_to_be_processed()
        # then both answers are moto's: the keys of its processing map, in order
        assert first == second == tuple(processor._processing_map().keys())


def moto_processors(tree: Any) -> list[Any]:
    from moto.dynamodb.models import Item
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.parsing.validators import UpdateExpressionValidator

    class Table:
        table_key_attrs = attribute_keys = ["pk"]
        attr = [{"AttributeName": "pk", "AttributeType": "S"}]

    item = Item(DynamoType({"S": "k"}), None, attrs={})
    validator = UpdateExpressionValidator(
        tree, expression_attribute_names=NAMES, expression_attribute_values={}, item=item, table=Table()
    )
    return list(validator.processors)
