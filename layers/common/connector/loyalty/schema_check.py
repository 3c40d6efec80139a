"""The loyalty configuration checked against the org's schema at cold start (offer_actions).

Every Salesforce name the loyalty section holds is looked up in the parent object's describe: each
field of the field mapping (exists, and may be updated: customer.update, customer.sync and Auto
Sync write it) and the external-id field (exists, may be updated: an enrolment writes the record's
Id into it; may be filtered on: the audit and the queued updates find the record by it). With audit
Tasks on, Task.Loyalty_Event_Id__c must be an External ID (the Task is upserted by it). Every
problem is reported at once, in one ConfigurationError naming each configuration path and API name
(never a value): a mapping the org cannot take is refused before the first action, rather than
each action failing after the platform applied it.
"""

from __future__ import annotations

from collections.abc import Iterator

from connector.config.loyalty import LoyaltyConfig
from connector.crm.schema import OrgSchema
from connector.errors import ConfigurationError
from connector.loyalty.audit import TASK_KEY_FIELD
from connector.services import Services


def check_loyalty_schema(services: Services) -> None:
    """offer_actions' cold-start check: ConfigurationError naming every problem."""
    problems = loyalty_schema_problems(services.settings.config.loyalty, services.org_schema)
    if problems:
        raise ConfigurationError("the loyalty configuration does not fit the Salesforce org", problems)


def loyalty_schema_problems(config: LoyaltyConfig, schema: OrgSchema) -> list[str]:
    """What the loyalty actions need that the org lacks, as `<config path>: <what is wrong>`."""
    schema.load([config.parent_object, "Task"])
    return [*_parent_problems(config, schema), *_task_problems(config, schema)]


def _parent_problems(config: LoyaltyConfig, schema: OrgSchema) -> Iterator[str]:
    sobject = config.parent_object
    described = schema.sobject(sobject)
    if described is None:
        yield f"loyalty.parent_object: the org has no object {sobject}"
        return
    for loyalty_field, name in config.mapping().items():
        where = f"loyalty.field_mapping.{sobject}.{loyalty_field}"
        field = described.field(name)
        if field is None:
            yield f"{where}: {sobject} has no field {name}"
        elif not field.get("updateable"):
            yield f"{where}: {sobject}.{name} cannot be updated"
    name = config.external_id_field
    field = described.field(name)
    if field is None:
        yield f"loyalty.external_id_field: {sobject} has no field {name}"
    else:
        if not field.get("updateable"):
            yield f"loyalty.external_id_field: {sobject}.{name} cannot be updated (an enrolment writes it)"
        if not field.get("filterable"):
            yield f"loyalty.external_id_field: {sobject}.{name} cannot be filtered on (the record is found by it)"


def _task_problems(config: LoyaltyConfig, schema: OrgSchema) -> Iterator[str]:
    if not config.audit_tasks:
        return
    task = schema.sobject("Task")
    field = task.field(TASK_KEY_FIELD) if task is not None else None
    if field is None or not field.get("externalId"):
        yield (
            f"loyalty.audit_tasks: Task.{TASK_KEY_FIELD} is not an External ID, the audit Task could not be "
            "upserted by it (deploy the connector's SFDX source, salesforce/)"
        )
