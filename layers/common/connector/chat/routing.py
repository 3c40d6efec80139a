"""Where a requested chat goes: the guide's "Create Chat Routing Rules with Salesforce Fields".

Rules from the configuration are tried in order; the first whose conditions all hold routes the
chat to its department and/or agent (`agent_from: account.Owner.Email` routes a visitor to their
account manager). A condition reads a chat field (pre-chat, custom variables, visitor, session) or
a field of the visitor's Contact or Account in Salesforce, found by the identification rules.

Routing sits in front of every chat, so it costs as little as it can: Salesforce is asked only when
a rule that needs its fields is reached, once, in one API call; the token, the secret and the query
all run within `routing.budget_ms`, past which (or when Salesforce fails) the default department
answers, marked `fallback`. No rule matching also answers the default department.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any, Literal

from pydantic import ConfigDict

from connector.chat.identification import Identified, identification_queries, read_identified, record_field
from connector.chat.models import ChatRequested, ChatRequestedData, field_value
from connector.config.chat import ChatConfig, RoutingCondition, RoutingRule
from connector.envelope import CompleteAnswer
from connector.errors import TransientError
from connector.observability import logger
from connector.salesforce.errors import SalesforceError
from connector.services import Services

SALESFORCE_HEADS = ("contact", "account")
Fallback = Literal["salesforce_unavailable", "salesforce_refused"]


class RoutingDecision(CompleteAnswer):
    """Where to route the chat. `rule` is the rule that matched (None: the default department);
    the Salesforce ids are the visitor's records when Salesforce was asked (a rule needed them);
    `fallback` says the default answered because Salesforce was slow, down or refused the look-up."""

    model_config = ConfigDict(frozen=True)

    status: Literal["routed"] = "routed"
    department: str | None
    agent: str | None = None
    rule: str | None = None
    contact_id: str | None = None
    lead_id: str | None = None
    account_id: str | None = None
    fallback: Fallback | None = None


class SalesforceUnavailable(Exception):
    """The visitor's records could not be read within the budget (or Salesforce failed)."""

    def __init__(self, fallback: Fallback, reason: str) -> None:
        super().__init__(reason)
        self.fallback: Fallback = fallback
        self.reason = reason


def needs_salesforce(condition_field: str | None) -> bool:
    return condition_field is not None and condition_field.partition(".")[0] in SALESFORCE_HEADS


def rule_needs_salesforce(rule: RoutingRule) -> bool:
    return needs_salesforce(rule.agent_from) or any(needs_salesforce(c.field) for c in rule.conditions)


def salesforce_fields(rules: tuple[RoutingRule, ...]) -> tuple[list[str], list[str]]:
    """The Contact fields and the Account fields the rules read (`Owner.Email`, not `account.`)."""
    contact: dict[str, None] = {}
    account: dict[str, None] = {}
    for rule in rules:
        for path in [c.field for c in rule.conditions] + ([rule.agent_from] if rule.agent_from else []):
            head, _, rest = path.partition(".")
            if head == "contact":
                contact[rest] = None
            elif head == "account":
                account[rest] = None
    return list(contact), list(account)


def _text(value: Any) -> str | None:
    """A value as comparable text: None when unset or blank, booleans as Salesforce writes them."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    return text or None


def holds(condition: RoutingCondition, value: Any) -> bool:
    """Whether one condition holds for this value. Text compares case-insensitively, as Salesforce
    compares emails and picklist values; an unset value equals nothing and differs from everything."""
    text = _text(value)
    match condition.operator:
        case "is_set":
            return text is not None
        case "is_not_set":
            return text is None
        case "in":
            wanted = condition.value if isinstance(condition.value, tuple) else ()
            return text is not None and text.casefold() in {w.casefold() for w in wanted}
    expected = str(condition.value).casefold()
    if condition.operator == "not_equals":
        return text is None or text.casefold() != expected
    if text is None:
        return False
    actual = text.casefold()
    if condition.operator == "equals":
        return actual == expected
    if condition.operator == "contains":
        return expected in actual
    return actual.startswith(expected)  # starts_with


def record_value(record: Mapping[str, Any] | None, path: str) -> Any:
    """A field of a record as the REST API renders it, relationship paths nested (`Owner.Email`),
    named in any case (the API answers `Owner`, the configuration may say `owner`)."""
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = record_field(node, part)
    return node


class _Values:
    """What the conditions read: the chat's own fields at once, Salesforce's on first need."""

    def __init__(self, data: ChatRequestedData, look_up: Callable[[], Identified]) -> None:
        self._data = data
        self._look_up = look_up
        self.identified: Identified | None = None

    def __call__(self, path: str) -> Any:
        head, _, rest = path.partition(".")
        if head not in SALESFORCE_HEADS:
            return field_value(self._data, path)
        if self.identified is None:
            self.identified = self._look_up()
        return record_value(self.identified.contact if head == "contact" else self.identified.account, rest)


def first_match(
    rules: tuple[RoutingRule, ...], value_of: Callable[[str], Any]
) -> tuple[RoutingRule, str | None] | None:
    """The first rule whose conditions all hold, and its agent (a rule whose `agent_from` field is
    empty does not match: the next rule is tried)."""
    for rule in rules:
        if not all(holds(condition, value_of(condition.field)) for condition in rule.conditions):
            continue
        agent = rule.agent
        if rule.agent_from:
            agent = _text(value_of(rule.agent_from))
            if agent is None:
                continue
        return rule, agent
    return None


def _within(budget_s: float, work: Callable[[], Identified]) -> Identified:
    """`work()`'s answer, or SalesforceUnavailable once the budget is spent. The work runs on a
    daemon thread, so a slow token request or secret read is bounded too; one that overruns
    finishes in the background (and a token it obtains is cached for the next chat)."""
    future: Future[Identified] = Future()

    def run() -> None:
        try:
            future.set_result(work())
        except BaseException as exc:  # handed to the waiting caller
            future.set_exception(exc)

    threading.Thread(target=run, name="routing-lookup", daemon=True).start()
    try:
        return future.result(timeout=budget_s)
    except TimeoutError:
        raise SalesforceUnavailable("salesforce_unavailable", "the routing budget ran out") from None
    except SalesforceError as exc:
        fallback: Fallback = "salesforce_unavailable" if isinstance(exc, TransientError) else "salesforce_refused"
        raise SalesforceUnavailable(fallback, f"{exc.operation} -> {exc.status} {exc.error_code}") from exc
    except TransientError as exc:
        raise SalesforceUnavailable("salesforce_unavailable", type(exc).__name__) from exc
    except Exception as exc:
        raise SalesforceUnavailable("salesforce_refused", type(exc).__name__) from exc


def decide(config: ChatConfig, data: ChatRequestedData, look_up: Callable[[], Identified]) -> RoutingDecision:
    """The routing decision for a chat, reading Salesforce through `look_up` only if a rule needs it."""
    routing = config.routing
    values = _Values(data, look_up)
    try:
        matched = first_match(routing.rules, values)
    except SalesforceUnavailable as failure:
        logger.warning("routing fell back to the default department", extra={"reason": failure.reason})
        return RoutingDecision(department=routing.default_department, fallback=failure.fallback)
    found = values.identified or Identified()
    ids = {"contact_id": found.contact_id, "lead_id": found.lead_id, "account_id": found.account_id}
    if matched is None:
        return RoutingDecision(department=routing.default_department, **ids)
    rule, agent = matched
    return RoutingDecision(department=rule.department or routing.default_department, agent=agent, rule=rule.name, **ids)


def route_chat(command: ChatRequested, services: Services) -> RoutingDecision:
    """`chat.requested`: answer where the chat goes, within the routing budget."""
    config = services.settings.config.chat
    started = time.monotonic()
    budget_s = config.routing.budget_ms / 1000
    contact_fields, account_fields = salesforce_fields(
        tuple(rule for rule in config.routing.rules if rule_needs_salesforce(rule))
    )

    def look_up() -> Identified:
        queries = identification_queries(
            config.identification, command.data, contact_fields=contact_fields, account_fields=account_fields
        )
        if not queries:
            return Identified()  # nothing in the chat to find the visitor by: no call at all
        remaining = max(budget_s - (time.monotonic() - started), 0.001)
        salesforce = services.salesforce
        return _within(remaining, lambda: read_identified(salesforce.query_many(queries, timeout=remaining)))

    return decide(config, command.data, look_up)
