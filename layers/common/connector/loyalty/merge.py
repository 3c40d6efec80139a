"""customer.merge: see connector.loyalty.customers."""

from __future__ import annotations

from connector.errors import IneligibleEvent, NotFoundError
from connector.loyalty.customer_models import (
    CustomerMerge,
    MergeAnswer,
)
from connector.loyalty.customer_steps import (
    audit_applied,
    find_customer,
    key_field,
)
from connector.services import Services


def merge_customers(command: CustomerMerge, services: Services) -> MergeAnswer:
    config = services.settings.config.loyalty
    if not config.merge_on_parent_merge:
        raise IneligibleEvent("loyalty.merge_on_parent_merge is off: parent merges are not applied on the platform")
    data = command.data
    key = key_field(config)
    survivor = find_customer(services, data.survivor, ["data", "survivor"])
    if survivor is None:
        raise NotFoundError(["data", "survivor", key], "no loyalty customer has the survivor's key")
    victim = find_customer(services, data.victim, ["data", "victim"])
    if victim is None:
        raise NotFoundError(["data", "victim", key], "no loyalty customer has the victim's key (merged already?)")
    survivor_id, victim_id = str(survivor["id"]), str(victim["id"])
    if survivor_id == victim_id:
        raise IneligibleEvent("the survivor's and the victim's keys name the same loyalty customer: nothing to merge")
    merged = services.loyalty.merge(survivor_id, victim_id)
    summary = f"loyalty customer {victim_id} merged into {survivor_id}"
    return MergeAnswer(
        action=command.event_type,
        customer_id=survivor_id,
        audit=audit_applied(services, command, data.agent, data.survivor, survivor_id, summary),
        customer=merged,
        victim_id=victim_id,
    )
