"""Steps the customer commands share: the customer found by the configured key, a profile value
checked, the enrolment's write-back of the record Id (and its undo or queueing), the audit."""

from __future__ import annotations

from typing import Any

from connector.config.loyalty import LoyaltyConfig
from connector.envelope import Command
from connector.errors import MappingError, TransientError
from connector.loyalty.audit import audit_state, record_action
from connector.loyalty.customer_models import SalesforceRecordAnswer
from connector.loyalty.models import (
    ActionData,
    Agent,
    CustomerRef,
    LoyaltyCommand,
)
from connector.loyalty.parent_record import (
    ParentRecordUpdateData,
    queue_record_update,
    write_record,
)
from connector.loyalty.profile_values import Loc
from connector.observability import logger
from connector.services import Services


def audit_applied(
    services: Services, command: Command, agent: Agent, ref: CustomerRef, customer_id: str, summary: str
) -> Any:
    """Audit an applied action whatever its data's shape: the audit reads a customer and an agent."""
    stand_in = LoyaltyCommand(
        event_id=command.event_id,
        event_type=command.event_type,
        occurred_at=command.occurred_at,
        data=ActionData(
            customer=CustomerRef(external_id=ref.external_id, email=ref.email, salesforce_id=ref.salesforce_id),
            agent=agent,
        ),
    )
    record_action(services, stand_in, customer_id, summary)
    return audit_state(services)


def check_parent_object(config: LoyaltyConfig, sobject: str | None) -> None:
    if sobject is not None and sobject != config.parent_object:
        raise MappingError(["data", "salesforce_object"], f"the Parent Object setting is {config.parent_object}")


def find_customer(services: Services, ref: CustomerRef, loc: Loc) -> dict[str, Any] | None:
    """The customer by the configured key; the key missing: 422 at `loc` + the key's field."""
    config = services.settings.config.loyalty
    try:
        ref.key(config.search_by_external_id)
    except MappingError as exc:
        raise MappingError([*loc, exc.loc[-1]], exc.msg) from None
    return services.loyalty.find_user(ref)


def key_field(config: LoyaltyConfig) -> str:
    return "external_id" if config.search_by_external_id else "email"


def write_back_external_id(services: Services, record_id: str, loc: Loc) -> SalesforceRecordAnswer:
    """The record's Id written into its external-id field, before the customer is created: an Id
    Salesforce does not know is a 404 and nothing is created; Salesforce down: `queued` (the caller
    queues it once the customer exists)."""
    field = services.settings.config.loyalty.external_id_field
    try:
        write_record(services, record_id, {field: record_id}, loc)
    except TransientError:
        return SalesforceRecordAnswer(status="queued", salesforce_id=record_id, fields=[field])
    return SalesforceRecordAnswer(status="updated", salesforce_id=record_id, fields=[field])


def undo_write_back(services: Services, record_id: str) -> None:
    """The external-id field emptied again (it was: the external id was empty). Best effort: the
    enrolment's own failure is what the caller is answered, and a retry writes the Id again."""
    field = services.settings.config.loyalty.external_id_field
    try:
        write_record(services, record_id, {field: None}, ["data", "customer", "salesforce_id"])
    except Exception as exc:
        logger.warning("an enrolment's write-back could not be undone", extra={"error": type(exc).__name__})


def queue_write_back(services: Services, command: Command, record_id: str, customer_id: str) -> None:
    config = services.settings.config.loyalty
    queue_record_update(
        services,
        ParentRecordUpdateData(
            action_event_id=command.event_id,
            sobject=config.parent_object,
            salesforce_id=record_id,
            customer_id=customer_id,
            values={config.external_id_field: record_id},
        ),
    )
