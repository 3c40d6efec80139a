"""customer.update: see connector.loyalty.customers."""

from __future__ import annotations

from typing import Any

from connector.config.loyalty import LoyaltyConfig
from connector.errors import MappingError, NotFoundError, TransientError
from connector.loyalty.customer_models import (
    CustomerUpdate,
    CustomerUpdateData,
    SalesforceRecordAnswer,
    UpdateAnswer,
)
from connector.loyalty.customer_steps import (
    audit_applied,
    check_parent_object,
    find_customer,
    key_field,
)
from connector.loyalty.parent_record import (
    ParentRecordUpdateData,
    find_record_id,
    queue_record_update,
    write_record,
)
from connector.loyalty.profile import NOT_ENROLLED
from connector.loyalty.profile_values import Loc, profile_value
from connector.services import Services


def _editable_changes(config: LoyaltyConfig, changes: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        loc: Loc = ["data", "changes", name]
        if name not in config.editable_fields:
            raise MappingError(loc, "not an editable field (loyalty.editable_fields)")
        cleaned[name] = profile_value(name, value, loc)
    return cleaned


def update_customer(command: CustomerUpdate, services: Services) -> UpdateAnswer:
    config = services.settings.config.loyalty
    data = command.data
    changes = _editable_changes(config, data.changes)
    check_parent_object(config, data.salesforce_object)
    found = find_customer(services, data.customer, ["data", "customer"])
    if found is None:
        raise NotFoundError(["data", "customer", key_field(config)], NOT_ENROLLED)
    customer_id = str(found["id"])
    mapping = config.mapping()
    record_changes = {mapping[name]: value for name, value in changes.items() if name in mapping}
    record_id = data.salesforce_id or data.customer.salesforce_id
    record = SalesforceRecordAnswer(status="unchanged", salesforce_id=record_id, fields=[])
    # The platform first: failing there (503) leaves nothing changed anywhere. The record written
    # first, then the platform failing, answered 503 with the record already changed.
    user = services.loyalty.update_user(customer_id, changes)
    if record_changes:
        try:
            record = _update_record(services, data, record_id, record_changes)
        except Exception:
            # Salesforce refused a value or the Id (Salesforce down is `queued`, not raised): the
            # platform gets its earlier values back, so the refusal leaves nothing half-done. A
            # revert that fails raises its own error (503): the agent's retry applies and reverts again.
            services.loyalty.update_user(customer_id, {name: found.get(name) for name in changes})
            raise
    if record.status == "queued":
        queue_record_update(
            services,
            ParentRecordUpdateData(
                action_event_id=command.event_id,
                sobject=config.parent_object,
                salesforce_id=record.salesforce_id,
                external_id=data.customer.external_id,
                email=data.customer.email,
                customer_id=customer_id,
                loyalty_fields=tuple(name for name in changes if name in mapping),
            ),
        )
    ref = data.customer.model_copy(update={"salesforce_id": record.salesforce_id})
    summary = f"profile fields changed: {', '.join(sorted(changes))}"
    return UpdateAnswer(
        action=command.event_type,
        customer_id=customer_id,
        audit=audit_applied(services, command, data.agent, ref, customer_id, summary),
        customer=user,
        changed=sorted(changes),
        salesforce_record=record,
    )


def _update_record(
    services: Services, data: CustomerUpdateData, record_id: str | None, changes: dict[str, Any]
) -> SalesforceRecordAnswer:
    """The mapped changes on the parent record, after the platform: a value Salesforce refuses is a
    422 (the caller reverts the platform). Salesforce down: `queued`."""
    try:
        if record_id is None:
            customer = data.customer
            record_id = find_record_id(services, external_id=customer.external_id, email=customer.email)
            if record_id is None:
                return SalesforceRecordAnswer(status="not_found", salesforce_id=None, fields=[])
        write_record(services, record_id, changes, ["data", "salesforce_id"])
    except TransientError:
        return SalesforceRecordAnswer(status="queued", salesforce_id=record_id, fields=sorted(changes))
    return SalesforceRecordAnswer(status="updated", salesforce_id=record_id, fields=sorted(changes))
