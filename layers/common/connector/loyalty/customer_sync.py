"""customer.sync, both directions: see connector.loyalty.customers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ValidationError

from connector.config.loyalty import LoyaltyConfig
from connector.errors import IneligibleEvent, MappingError, NotFoundError
from connector.loyalty.customer_models import (
    CustomerSync,
    SalesforceRecordAnswer,
    SyncAnswer,
)
from connector.loyalty.customer_steps import (
    audit_applied,
    check_parent_object,
    queue_write_back,
    undo_write_back,
    write_back_external_id,
)
from connector.loyalty.models import (
    CustomerRef,
)
from connector.loyalty.parent_record import (
    email_field,
    full_salesforce_id,
    read_record,
    sync_record_from_loyalty,
)
from connector.loyalty.profile import NOT_ENROLLED, is_external_id
from connector.loyalty.profile_values import EMAIL, profile_value
from connector.services import Services


def sync_customer(command: CustomerSync, services: Services) -> SyncAnswer:
    config = services.settings.config.loyalty
    data = command.data
    if data.direction == "from_loyalty":
        # The "Sync from SM" button: allowed whatever Sync Customer Changes says.
        check_parent_object(config, data.salesforce_object)
        return _sync_from_loyalty(command, services)
    if not config.sync_customer_changes:
        raise IneligibleEvent(
            "loyalty.sync_customer_changes is off: Salesforce changes are not sent to the loyalty platform"
        )
    check_parent_object(config, data.salesforce_object)
    return _sync_to_loyalty(command, services)


def _mapped_values(config: LoyaltyConfig, fields: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The record's fields as loyalty profile values, and the names of those the mapping does not
    name (ignored). API names are case-insensitive in Salesforce, so they are matched so."""
    by_salesforce = {sf.casefold(): loyalty for loyalty, sf in config.mapping().items()}
    external = config.external_id_field.casefold()
    values: dict[str, Any] = {}
    ignored: list[str] = []
    for name, value in fields.items():
        loyalty = by_salesforce.get(name.casefold())
        if loyalty is None:
            if name.casefold() != external:
                ignored.append(name)
            continue
        values[loyalty] = profile_value(loyalty, value, ["data", "fields", name])
    return values, sorted(ignored)


def _sync_to_loyalty(command: CustomerSync, services: Services) -> SyncAnswer:
    config = services.settings.config.loyalty
    data = command.data
    values, ignored = _mapped_values(config, data.fields)
    held = [(k, v) for k, v in data.fields.items() if k.casefold() == config.external_id_field.casefold() and v]
    held_external_id = str(held[0][1]) if held else None
    if held and (not isinstance(held[0][1], str) or not is_external_id(held[0][1])):
        raise MappingError(["data", "fields", held[0][0]], "an external id holds letters, digits and . _ : - only")
    # One form of the record's Id for the key and its write-back: a 15-character one written back
    # as sent would leave the record holding a key the platform does not know (it has the 18).
    record_id = full_salesforce_id(data.salesforce_id)
    external_id = held_external_id or record_id
    email = values.get("email")
    ref = CustomerRef(external_id=external_id, email=email, salesforce_id=record_id)
    if not config.search_by_external_id and not email:
        raise MappingError(["data", "fields", email_field(config)], "required: Search by External ID is off")
    found = services.loyalty.find_user(ref)
    record = SalesforceRecordAnswer(status="unchanged", salesforce_id=record_id, fields=[])
    if found is None:
        if not email:
            raise MappingError(["data", "fields", email_field(config)], "required to create the loyalty customer")
        if not held_external_id:
            record = write_back_external_id(services, record_id, ["data", "salesforce_id"])
        profile = {k: v for k, v in values.items() if v is not None}
        try:
            user = services.loyalty.create_user(
                {**profile, "external_id": external_id, "enrolled": config.enroll_in_loyalty}
            )
        except Exception:
            # Nobody was created: the record does not keep its Id as a key naming no customer.
            if record.status == "updated":
                undo_write_back(services, record_id)
            raise
        if record.status == "queued":
            queue_write_back(services, command, record_id, str(user["id"]))
        created, changed = True, sorted(profile)
    else:
        differing = {k: v for k, v in values.items() if not _same_value(found.get(k), v)}
        user = services.loyalty.update_user(str(found["id"]), differing) if differing else found
        created, changed = False, sorted(differing)
    customer_id = str(user["id"])
    audit: Literal["queued", "off", "skipped"] = "skipped"
    if created or changed:
        summary = ("created" if created else "updated") + f" from Salesforce: {', '.join(changed) or 'no field'}"
        audit = audit_applied(services, command, data.agent, ref, customer_id, summary)
    return SyncAnswer(
        action=command.event_type,
        customer_id=customer_id,
        audit=audit,
        direction=data.direction,
        created=created,
        customer=user,
        loyalty_fields=changed,
        ignored_fields=ignored,
        salesforce_record=record,
    )


def _same_value(held: Any, wanted: Any) -> bool:
    if held in (None, "") and wanted in (None, ""):
        return True
    return bool(held == wanted)


def _sync_from_loyalty(command: CustomerSync, services: Services) -> SyncAnswer:
    """One read of the record's mapped fields, the customer found by the key it holds, and one
    update of the fields that differ (none when nothing differs)."""
    config = services.settings.config.loyalty
    data = command.data
    record = read_record(services, data.salesforce_id, ["data", "salesforce_id"])
    held_external_id = record.values.get(config.external_id_field)
    if held_external_id and not is_external_id(str(held_external_id)):
        raise MappingError(["data", "salesforce_id"], f"the record's {config.external_id_field} is not a usable key")
    email = record.values.get(email_field(config))
    try:
        valid_email = EMAIL.validate_python(email) if email else None
    except ValidationError:
        valid_email = None
    ref = CustomerRef(
        external_id=str(held_external_id or full_salesforce_id(data.salesforce_id)),
        email=valid_email,
        salesforce_id=data.salesforce_id,
    )
    if not config.search_by_external_id and not valid_email:
        raise NotFoundError(["data", "salesforce_id"], "the record holds no email to find its loyalty customer by")
    found = services.loyalty.find_user(ref)
    if found is None:
        raise NotFoundError(["data", "salesforce_id"], NOT_ENROLLED)
    customer_id = str(found["id"])
    written = sync_record_from_loyalty(services, record, found)
    audit: Literal["queued", "off", "skipped"] = "skipped"
    if written:
        summary = f"Salesforce fields written from loyalty: {', '.join(written)}"
        audit = audit_applied(services, command, data.agent, ref, customer_id, summary)
    return SyncAnswer(
        action=command.event_type,
        customer_id=customer_id,
        audit=audit,
        direction=data.direction,
        created=False,
        customer=found,
        loyalty_fields=[],
        ignored_fields=[],
        salesforce_record=SalesforceRecordAnswer(
            status="updated" if written else "unchanged", salesforce_id=data.salesforce_id, fields=written
        ),
    )
