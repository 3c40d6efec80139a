"""customer.enroll: see connector.loyalty.customers."""

from __future__ import annotations

from connector.errors import ConflictError, MappingError
from connector.loyalty.customer_models import (
    CustomerEnroll,
    EnrollAnswer,
    SalesforceRecordAnswer,
)
from connector.loyalty.customer_steps import (
    Loc,
    audit_applied,
    find_customer,
    queue_write_back,
    undo_write_back,
    write_back_external_id,
)
from connector.loyalty.models import (
    CustomerRef,
)
from connector.loyalty.parent_record import (
    full_salesforce_id,
)
from connector.services import Services


def enroll_customer(command: CustomerEnroll, services: Services) -> EnrollAnswer:
    config = services.settings.config.loyalty
    customer = command.data.customer
    record_id = full_salesforce_id(customer.salesforce_id) if customer.salesforce_id else None
    # "If the SessionM external ID is empty, it automatically takes the value of the Salesforce
    # Account or Contact ID" (the reference).
    takes_record_id = not customer.external_id
    if takes_record_id and record_id is None:
        loc: Loc = ["data", "customer", "salesforce_id"]
        raise MappingError(loc, "required when external_id is empty: the record's Id becomes the external id")
    external_id = customer.external_id or record_id
    ref = CustomerRef(external_id=external_id, email=customer.email, salesforce_id=record_id)
    # A member when the Enroll in Loyalty setting is on and the component did not say otherwise.
    member = config.enroll_in_loyalty and command.data.enroll_in_loyalty is not False
    existing = find_customer(services, ref, ["data", "customer"])
    if existing is not None:
        if existing.get("enrolled"):
            raise ConflictError(f"the customer is already enrolled: customer_id {existing['id']}")
        if not member:
            raise ConflictError(f"the customer is already on the loyalty platform: customer_id {existing['id']}")
        # On the platform (a sync created them with Enroll in Loyalty off) but not a member: enrol now.
        user = services.loyalty.update_user(str(existing["id"]), {"enrolled": True})
        record = SalesforceRecordAnswer(status="unchanged", salesforce_id=record_id, fields=[])
    else:
        record = SalesforceRecordAnswer(status="unchanged", salesforce_id=record_id, fields=[])
        if takes_record_id and record_id is not None:
            record = write_back_external_id(services, record_id, ["data", "customer", "salesforce_id"])
        profile = customer.model_dump(mode="json", exclude={"salesforce_id", "external_id", "email"}, exclude_none=True)
        fields = {**profile, "email": customer.email, "external_id": external_id, "enrolled": member}
        try:
            user = services.loyalty.create_user(fields)
        except Exception as exc:
            # Nobody was created: the Id just written back is taken back, so the record does not
            # keep a key that names no customer.
            if record.status == "updated" and record_id is not None:
                undo_write_back(services, record_id)
            if isinstance(exc, ConflictError):
                # The other key is another customer's (the email, when searching by external id).
                raise ConflictError(f"the customer cannot be enrolled: {exc}") from exc
            raise
        if record.status == "queued" and record_id is not None:
            queue_write_back(services, command, record_id, str(user["id"]))
    customer_id = str(user["id"])
    summary = f"enrolled (member: {'yes' if member else 'no'}), loyalty customer id {customer_id}"
    audit = audit_applied(services, command, command.data.agent, ref, customer_id, summary)
    return EnrollAnswer(
        action=command.event_type,
        customer_id=customer_id,
        audit=audit,
        customer=user,
        enrolled=bool(user.get("enrolled")),
        salesforce_record=record,
    )
