"""Points an agent awards a customer: to a configured point account, from a configured source, for a
configured reason (the reference's picklists, `loyalty.point_accounts|point_sources|point_reasons`).

The platform records a points transaction without its author, so the agent is written into its
reason in one fixed format (`agent_tag`), and the answer names the agent too.
"""

from __future__ import annotations

from connector.errors import MappingError
from connector.loyalty.audit import audit_state, record_action
from connector.loyalty.models import Agent, PointsAnswer, PointsAward, agent_answer
from connector.loyalty.platform import customer_id_of
from connector.services import Services


def agent_tag(agent: Agent) -> str:
    """How a platform record names the agent who wrote it: `[agent: Alex Kim (agent-7)]`."""
    return f"[agent: {agent.name} ({agent.id})]"


def award_points(command: PointsAward, services: Services) -> PointsAnswer:
    data = command.data
    config = services.settings.config.loyalty
    for field, value, allowed in (
        ("point_account", data.point_account, config.point_accounts),
        ("point_source", data.point_source, config.point_sources),
        ("reason", data.reason, config.point_reasons),
    ):
        if value not in allowed:
            raise MappingError(["data", field], f"must be one of the configured values: {', '.join(allowed)}")
    customer_id = customer_id_of(services, data.customer)
    reason = f"{data.reason} {agent_tag(data.agent)}"
    result = services.loyalty.adjust_points(customer_id, data.points, data.point_account, data.point_source, reason)
    balance = int(result["available_points"])
    account = f"{data.point_account} ({data.point_source})"
    summary = f"+{data.points} points to {account}, reason {data.reason}; balance now {balance}"
    record_action(services, command, customer_id, summary)
    return PointsAnswer(
        action=command.event_type,
        customer_id=customer_id,
        audit=audit_state(services),
        points=data.points,
        point_accounts=list(result["point_accounts"]),
        available_points=balance,
        awarded_by=agent_answer(data.agent),
    )
