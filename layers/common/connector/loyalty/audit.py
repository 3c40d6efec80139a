"""The audit trail of loyalty actions: a completed Task on the customer's Salesforce record for each
action an agent applied (what, who, when, result), so that agents see it in the record's activity.

The action's answer never waits for Salesforce: `record_action` only queues an internal sync event
(`loyalty.action_audited`, on the trigger's own queue; no HTTP route accepts it), and the queue's
consumer writes the Task, upserted by `Task.Loyalty_Event_Id__c` = the action's event_id, so a
retried audit never writes two Tasks. Salesforce down: the queue retries with the pipeline's
backoff and the Task arrives later.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from connector.envelope import Envelope, Outcome
from connector.errors import IneligibleEvent
from connector.loyalty.models import Agent, CustomerRef, LoyaltyCommand, utc_text
from connector.observability import logger
from connector.salesforce.soql import soql_quote
from connector.services import Services

AUDIT_EVENT_TYPE = "loyalty.action_audited"
TASK_KEY_FIELD = "Loyalty_Event_Id__c"
# What each action is, in the Task's Subject ("Loyalty: offer redeemed").
ACTION_TITLES = {
    "offer.issue": "offer issued",
    "offer.revoke": "offer revoked",
    "offer.redeem": "offer redeemed",
    "offer.unredeem": "offer unredeemed",
    "offer.extend": "offer extended",
    "offer.reissue": "offer reissued",
    "reward.purchase": "reward purchased",
    "points.award": "points awarded",
    "note.add": "note added",
    "customer.enroll": "customer enrolled",
    "customer.update": "customer updated",
    "customer.sync": "customer synced",
    "customer.merge": "customers merged",
}
# Salesforce's Task.Description is a Long Text Area of 32,000 characters.
_DESCRIPTION_LIMIT = 32_000


class AuditedAction(BaseModel):
    """What the Task records: the action, its agent, when it was applied, its result, the customer."""

    model_config = ConfigDict(extra="forbid")

    action: str = Field(min_length=1, max_length=64)
    action_event_id: str = Field(min_length=1, max_length=128)
    customer: CustomerRef
    customer_id: str
    agent: Agent
    applied_at: datetime
    summary: str = Field(max_length=4000)


class ActionAudited(Envelope, entity="loyalty_audit", key="data.action_event_id"):
    """The internal event the audit queues (decoded from the queue only: `Trigger.internal`)."""

    event_type: Literal["loyalty.action_audited"]
    source: Literal["loyalty"] = "loyalty"
    data: AuditedAction


def audit_event_id(action_event_id: str) -> str:
    """`<action event_id>.audit`; a long one is shortened by a digest to fit an event_id's 128 characters."""
    candidate = f"{action_event_id}.audit"
    if len(candidate) <= 128:
        return candidate
    digest = hashlib.sha256(action_event_id.encode()).hexdigest()[:32]
    return f"{action_event_id[:89]}.{digest}.audit"


def record_action(services: Services, command: LoyaltyCommand, customer_id: str, summary: str) -> None:
    """Queue the audit of an action the platform accepted. Never raises: the action is applied, and
    failing its answer now would make the agent's retry apply it twice; a queue that refuses is
    logged (with the event id) for an operator."""
    if not services.settings.config.loyalty.audit_tasks:
        return
    now = datetime.now(UTC)
    event = ActionAudited(
        event_id=audit_event_id(command.event_id),
        event_type="loyalty.action_audited",
        occurred_at=now,
        data=AuditedAction(
            action=command.event_type,
            action_event_id=command.event_id,
            customer=command.data.customer,
            customer_id=customer_id,
            agent=command.data.agent,
            applied_at=now,
            summary=summary[:4000],
        ),
    )
    try:
        services.queue.send(event.model_dump_json(), event_type=event.event_type, event_id=event.event_id)
    except Exception as exc:
        logger.error(
            "the audit of a loyalty action could not be queued",
            extra={"error": type(exc).__name__, "action_event_id": command.event_id},
        )


def audit_state(services: Services) -> Literal["queued", "off"]:
    """What an action's answer says about its audit."""
    return "queued" if services.settings.config.loyalty.audit_tasks else "off"


def write_audit_task(event: ActionAudited, services: Services) -> Outcome:
    """The queue's consumer: the completed Task on the customer's Contact (WhoId) or Account (WhatId)."""
    config = services.settings.config.loyalty
    if not config.audit_tasks:
        raise IneligibleEvent("loyalty.audit_tasks is off")
    audited = event.data
    parent_id = _parent_id(services, audited.customer)
    title = ACTION_TITLES.get(audited.action, audited.action)
    fields: dict[str, Any] = {
        "Subject": f"Loyalty: {title}",
        "Status": "Completed",
        "Priority": "Normal",
        "ActivityDate": audited.applied_at.astimezone(UTC).date().isoformat(),
        "Description": _description(audited, title)[:_DESCRIPTION_LIMIT],
    }
    if parent_id is not None:
        fields["WhoId" if config.parent_object == "Contact" else "WhatId"] = parent_id
    else:
        # The action happened: its trail is kept, unlinked, rather than lost; the log says so.
        logger.warning("no Salesforce record for the audited customer; the Task is unlinked")
    result = services.salesforce.upsert("Task", TASK_KEY_FIELD, audited.action_event_id, fields)
    return Outcome(ids={"Task": result.id})


def _description(audited: AuditedAction, title: str) -> str:
    agent = audited.agent
    return "\n".join(
        (
            f"Loyalty action: {title} ({audited.action})",
            f"Agent: {agent.name} (id {agent.id}, {agent.email})",
            f"Applied at: {utc_text(audited.applied_at)}",
            f"Loyalty customer id: {audited.customer_id}",
            f"Result: {audited.summary}",
            f"Event id: {audited.action_event_id}",
        )
    )


def _parent_id(services: Services, customer: CustomerRef) -> str | None:
    """The parent record: the Salesforce Id the action named, else one escaped query by the
    external-id field or the mapped email field."""
    if customer.salesforce_id:
        return customer.salesforce_id
    config = services.settings.config.loyalty
    sobject = config.parent_object
    if customer.external_id:
        where = f"{config.external_id_field} = {soql_quote(customer.external_id)}"
    elif customer.email:
        email_field = config.mapping().get("email", "Email" if sobject == "Contact" else "PersonEmail")
        where = f"{email_field} = {soql_quote(customer.email)}"
    else:
        return None
    rows = services.salesforce.query(f"SELECT Id FROM {sobject} WHERE {where} ORDER BY CreatedDate ASC LIMIT 1")
    return str(rows[0]["Id"]) if rows else None
