"""moto's checks of a DynamoDB UpdateExpression, made in time linear in the expression's size.

Why: moto (5.2) validates an UpdateExpression with processors that walk its syntax tree, and two
of them, `ActionCountValidator` (one SET, REMOVE, ADD clause at most) and
`OverlappingPathsValidator` (no attribute path written twice), check every node of the tree that
is an `UpdateExpression` (nearly all of them: each action, path and value) by collecting the
clauses or actions below it with `Node.find_clauses`, which walks that node's whole subtree again.
moto's parser nests a list of N actions N deep, so these two checks cost O(N x tree size), and
moto runs the validation twice for an item that does not exist yet. The intake's sync-state update
(23 actions: connector.state.sync_state) took about 20 ms of moto's time per call on the local
stack, a cost of the emulator that real DynamoDB does not have (its single-digit-millisecond
writes do not grow with the square of an expression's length), and it dominated the registration
function's REPORT duration there (bench/function_time.py).

The replacement makes exactly moto's checks, in moto's order, with moto's own check methods and
errors: the same nodes are visited in the same depth-first, children-first order, and each check
is given, through a stand-in node, the same clause list `find_clauses` would have returned, only
computed once per node from its children's lists instead of by a new walk. Same verdicts, same
error messages (tests/integration/devstack/test_devstack_update_expressions.py compares both on
valid and refused expressions).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any


def linear_update_expression_checks() -> None:
    """Patch moto's two quadratic UpdateExpression checks, and its traversals' per-node rebuild of
    the node types they process (idempotent)."""
    from moto.dynamodb.parsing.validators import ActionCountValidator, OverlappingPathsValidator

    if getattr(ActionCountValidator.traverse, "linear", False):
        return
    ActionCountValidator.traverse = _linear(ActionCountValidator.verify_action_counts)
    OverlappingPathsValidator.traverse = _linear(OverlappingPathsValidator.check_for_overlapping_paths)
    _ast_nodes().DepthFirstTraverser.nodes_to_be_processed = _types_processed


def _ast_nodes() -> Any:
    # moto's syntax-tree module is untyped (mypy sees none of its classes): its classes as values.
    return importlib.import_module("moto.dynamodb.parsing.ast_nodes")


def _types_processed(self: Any) -> tuple[type, ...]:
    """moto's `DepthFirstTraverser.nodes_to_be_processed`, "Cached accessor for getting Node types that
    need to be processed" as its docstring says, cached: moto builds the tuple again, from a new
    `_processing_map()` dict, at every node of every traversal (about a tenth of an update's time on
    the local stack). Every traverser's map has fixed classes for keys, so one tuple per traverser."""
    types: tuple[type, ...] | None = self.__dict__.get("_devstack_types")
    if types is None:
        types = self.__dict__["_devstack_types"] = tuple(self._processing_map().keys())
    return types


class _Clauses:
    """Stands for one node in a check: answers `find_clauses` from the lists already found, and
    notes which clause types the check asked for."""

    def __init__(self, node: Any, found: Callable[[Any, tuple[type, ...]], list[Any]]) -> None:
        self._node = node
        self._found = found
        self.asked: list[tuple[type, ...]] = []

    def find_clauses(self, clause_types: Sequence[type]) -> list[Any]:
        types = tuple(clause_types)
        self.asked.append(types)
        return list(self._found(self._node, types))


def _linear(check: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """A traverser's `traverse` that runs `check` on each UpdateExpression node, as moto's
    `DepthFirstTraverser.traverse_node_recursively` does (children first, in order), the node's
    `find_clauses` answered from its children's answers.

    Both checks depend on nothing but the clause lists they get (and their traverser's fixed
    attribute names), and ask for the same clause types at every node: a node whose lists are those
    of a node already checked (the same clause nodes, in the same order; most nodes have none below
    them) gets the verdict it got, a pass, without asking the check again."""
    ast = _ast_nodes()
    node_class, update_expression = ast.Node, ast.UpdateExpression
    searched = (ast.Expression, ast.UpdateExpressionFunction)

    # type -> (a Node, an UpdateExpression, searched by find_clauses): isinstance against moto's
    # abstract (ABCMeta) classes is slow, and the tree holds few types.
    kinds: dict[type, tuple[bool, bool, bool]] = {}

    def kind(of: type) -> tuple[bool, bool, bool]:
        known = kinds.get(of)
        if known is None:
            known = (issubclass(of, node_class), issubclass(of, update_expression), issubclass(of, searched))
            kinds[of] = known
        return known

    def traverse(self: Any, root: Any) -> Any:
        memo: dict[tuple[int, tuple[type, ...]], list[Any]] = {}
        asked: list[tuple[type, ...]] | None = None
        passed: set[tuple[tuple[int, ...], ...]] = set()

        def found(node: Any, types: tuple[type, ...]) -> list[Any]:
            # Node.find_clauses: a child of one of the types is taken (and not searched); an
            # Expression or an UpdateExpressionFunction is searched; anything else is not.
            key = (id(node), types)
            if key not in memo:
                clauses: list[Any] = []
                for child in node.children or []:
                    if type(child) in types:
                        clauses.append(child)
                    elif kind(type(child))[2]:
                        clauses.extend(found(child, types))
                memo[key] = clauses
            return memo[key]

        def visit(node: Any) -> None:
            nonlocal asked
            is_node, is_update_expression, _ = kind(type(node))
            if not is_node:
                return
            for child in node.children or []:
                visit(child)
            if not is_update_expression:
                return
            if asked is not None:
                lists = tuple(tuple(id(clause) for clause in found(node, types)) for types in asked)
                if lists in passed:
                    return
            stand_in = _Clauses(node, found)
            # Both checks return the node they were given and change nothing: the tree stays.
            check(self, stand_in)
            asked = stand_in.asked
            passed.add(tuple(tuple(id(clause) for clause in found(node, types)) for types in asked))

        visit(root)
        return root

    traverse.linear = True  # type: ignore[attr-defined]
    return traverse
