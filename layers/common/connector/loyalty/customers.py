"""The loyalty customer seen from Service Cloud: enrolment, profile changes, the sync settings and the
merge, as ../shared/reference/loyalty-sessionm-service-cloud-use-case.md describes them.

- `customer.enroll`: the customer created on the platform with the email and external id of the
  parent record; an empty external id takes the record's Salesforce Id, written back to the
  record's external-id field (first, so that an Id Salesforce does not know is a 404 and nothing is
  created; Salesforce down: the enrolment goes on and the write-back is queued). Membership: the
  Enroll in Loyalty setting on and the event's `enroll_in_loyalty` not false. Already a member: 409
  naming the existing platform id. Known to the platform but not a member (created by a sync with
  Enroll in Loyalty off): enrolled now.
- `customer.update`: editable fields only (`loyalty.editable_fields`, else 422 naming
  `data.changes.<field>`), on the platform first, then on the parent record through the field
  mapping; a value or an Id the record refuses puts the platform's earlier values back.
- `customer.sync`: `to_loyalty` (Sync Customer Changes; off: ignored) creates or updates the
  customer from the record's fields through the field mapping; fields the mapping does not name
  are ignored and listed in the answer (a flow sends whole records). `from_loyalty` (the "Sync
  from SM" button, whatever the setting) writes the platform's values into the record's mapped
  fields: one read, and an update only of the fields that differ.
- `customer.merge` (Merge on Parent Merge; off: ignored): `survivor` is the key the surviving
  Salesforce record holds after the merge, `victim` the other one; the victim is merged into the
  survivor on the platform. Both keys naming one customer: nothing to merge (ignored).

Every applied action is audited (`connector.loyalty.audit.record_action`); a no-op sync is not an
action and costs no Salesforce write, audit Task included.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from connector.config.loyalty import LoyaltyConfig, ParentObject
from connector.envelope import Command
from connector.errors import ConflictError, IneligibleEvent, MappingError, NotFoundError, TransientError
from connector.loyalty.audit import audit_state, record_action
from connector.loyalty.models import (
    ActionData,
    Agent,
    CompleteAnswer,
    CustomerRef,
    LoyaltyActionAnswer,
    LoyaltyCommand,
)
from connector.loyalty.parent_record import (
    ParentRecordUpdate,
    ParentRecordUpdateData,
    apply_queued_record_update,
    email_field,
    find_record_id,
    full_salesforce_id,
    queue_record_update,
    read_record,
    sync_record_from_loyalty,
    write_record,
)
from connector.loyalty.profile import NOT_ENROLLED, LoyaltyProfile, is_external_id, read_profile
from connector.observability import logger
from connector.services import Services
from connector.value_types import Email, SalesforceId

__all__ = [
    "CustomerEnroll",
    "CustomerMerge",
    "CustomerSync",
    "CustomerUpdate",
    "EnrollAnswer",
    "LoyaltyProfile",
    "MergeAnswer",
    "ParentRecordUpdate",
    "SyncAnswer",
    "UpdateAnswer",
    "apply_queued_record_update",
    "enroll_customer",
    "merge_customers",
    "read_profile",
    "sync_customer",
    "update_customer",
]

_EMAIL: TypeAdapter[str] = TypeAdapter(Email)
_BOOLEAN_FIELDS = ("opted_in",)
_MAX_TEXT = 255

Loc = list[str | int]


# -- models ---------------------------------------------------------------------------------------
class EnrollCustomer(CustomerRef):
    """The parent record's customer: its email (required: the platform's login), external id (empty:
    the record's Salesforce Id is taken) and whatever profile fields the component sends."""

    email: Email
    first_name: str | None = Field(default=None, max_length=_MAX_TEXT)
    last_name: str | None = Field(default=None, max_length=_MAX_TEXT)
    gender: str | None = Field(default=None, max_length=_MAX_TEXT)
    dob: date | None = None
    locale: str | None = Field(default=None, max_length=_MAX_TEXT)
    phone: str | None = Field(default=None, max_length=_MAX_TEXT)
    address: str | None = Field(default=None, max_length=_MAX_TEXT)
    city: str | None = Field(default=None, max_length=_MAX_TEXT)
    state: str | None = Field(default=None, max_length=_MAX_TEXT)
    zip: str | None = Field(default=None, max_length=_MAX_TEXT)
    country: str | None = Field(default=None, max_length=_MAX_TEXT)
    opted_in: bool | None = None

    @field_validator("external_id")
    @classmethod
    def _usable_as_a_key(cls, value: str | None) -> str | None:
        # The platform addresses customers by it, in a request path.
        if value and not is_external_id(value):
            raise ValueError("an external id holds letters, digits and . _ : - only")
        return value


class CustomerEnrollData(ActionData):
    customer: EnrollCustomer
    # The component's choice; false: created on the platform, not a member. The Enroll in Loyalty
    # setting (loyalty.enroll_in_loyalty) off makes nobody a member, whatever this says.
    enroll_in_loyalty: bool | None = None


class CustomerEnroll(LoyaltyCommand):
    """Enrol the parent record's customer on the loyalty platform (the profile's Enroll button)."""

    event_type: Literal["customer.enroll"]
    data: CustomerEnrollData


class CustomerUpdateData(ActionData):
    # Loyalty profile field -> new value (null clears it); only loyalty.editable_fields.
    changes: dict[str, Any] = Field(min_length=1)
    # The parent record: its object must be the Parent Object setting's; its Id spares a look-up.
    salesforce_object: ParentObject | None = None
    salesforce_id: SalesforceId | None = None


class CustomerUpdate(LoyaltyCommand):
    """The agent's edit of the profile: on the platform and, through the mapping, the parent record."""

    event_type: Literal["customer.update"]
    data: CustomerUpdateData


class CustomerSyncData(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    direction: Literal["to_loyalty", "from_loyalty"]
    salesforce_object: ParentObject
    salesforce_id: SalesforceId
    # to_loyalty: the record's fields as the flow sends them (Salesforce API name -> value).
    fields: dict[str, Any] = Field(default_factory=dict)
    agent: Agent


class CustomerSync(Command):
    """A Contact or Account created or changed in Salesforce (`to_loyalty`, from a flow), or the
    profile's "Sync from SM" button (`from_loyalty`)."""

    event_type: Literal["customer.sync"]
    source: Literal["loyalty"] = "loyalty"
    data: CustomerSyncData


class CustomerMergeData(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # The key the surviving Salesforce record holds after the merge (its own, or the victim's when
    # the merge overwrote it), and optionally that record's Id (the audit Task goes on it).
    survivor: CustomerRef
    # The other key: the merged-away record's, or the survivor record's overwritten one.
    victim: CustomerRef
    agent: Agent


class CustomerMerge(Command):
    """Parent records merged in Salesforce: their loyalty customers merged (Merge on Parent Merge)."""

    event_type: Literal["customer.merge"]
    source: Literal["loyalty"] = "loyalty"
    data: CustomerMergeData


# -- answers --------------------------------------------------------------------------------------
class SalesforceRecordAnswer(CompleteAnswer):
    """What the action did to the parent record: `updated` (`fields` written), `unchanged`,
    `queued` (Salesforce was down: written from the queue), `not_found` (no record holds the key)."""

    status: Literal["updated", "unchanged", "queued", "not_found"]
    salesforce_id: str | None
    fields: list[str]


class EnrollAnswer(LoyaltyActionAnswer):
    customer: dict[str, Any]
    enrolled: bool
    salesforce_record: SalesforceRecordAnswer


class UpdateAnswer(LoyaltyActionAnswer):
    customer: dict[str, Any]
    changed: list[str]
    salesforce_record: SalesforceRecordAnswer


class SyncAnswer(CompleteAnswer):
    status: Literal["applied"] = "applied"
    action: str
    customer_id: str
    # "skipped": nothing changed anywhere, so there is no action to audit.
    audit: Literal["queued", "off", "skipped"]
    direction: Literal["to_loyalty", "from_loyalty"]
    created: bool
    customer: dict[str, Any]
    # to_loyalty: the loyalty fields changed, and the record's fields the mapping does not name.
    loyalty_fields: list[str]
    ignored_fields: list[str]
    salesforce_record: SalesforceRecordAnswer


class MergeAnswer(LoyaltyActionAnswer):
    customer: dict[str, Any]
    victim_id: str


# -- shared steps ---------------------------------------------------------------------------------
def _audit(services: Services, command: Command, agent: Agent, ref: CustomerRef, customer_id: str, summary: str) -> Any:
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


def _profile_value(name: str, value: Any, loc: Loc) -> Any:
    """A loyalty profile field's value as the platform takes it; else a 422 at `loc`."""
    if value is None:
        return None
    if name in _BOOLEAN_FIELDS:
        if not isinstance(value, bool):
            raise MappingError(loc, "must be true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MappingError(loc, "must be a text")
    text = str(value).strip()
    if len(text) > _MAX_TEXT:
        raise MappingError(loc, f"at most {_MAX_TEXT} characters")
    if name == "dob" and text:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise MappingError(loc, "must be a date, YYYY-MM-DD") from None
    if name == "email" and text:
        try:
            return _EMAIL.validate_python(text)
        except ValidationError:
            raise MappingError(loc, "not a valid email address") from None
    return text or None


def _check_parent_object(config: LoyaltyConfig, sobject: str | None) -> None:
    if sobject is not None and sobject != config.parent_object:
        raise MappingError(["data", "salesforce_object"], f"the Parent Object setting is {config.parent_object}")


def _find(services: Services, ref: CustomerRef, loc: Loc) -> dict[str, Any] | None:
    """The customer by the configured key; the key missing: 422 at `loc` + the key's field."""
    config = services.settings.config.loyalty
    try:
        ref.key(config.search_by_external_id)
    except MappingError as exc:
        raise MappingError([*loc, exc.loc[-1]], exc.msg) from None
    return services.loyalty.find_user(ref)


def _key_field(config: LoyaltyConfig) -> str:
    return "external_id" if config.search_by_external_id else "email"


def _write_back_external_id(services: Services, record_id: str, loc: Loc) -> SalesforceRecordAnswer:
    """The record's Id written into its external-id field, before the customer is created: an Id
    Salesforce does not know is a 404 and nothing is created; Salesforce down: `queued` (the caller
    queues it once the customer exists)."""
    field = services.settings.config.loyalty.external_id_field
    try:
        write_record(services, record_id, {field: record_id}, loc)
    except TransientError:
        return SalesforceRecordAnswer(status="queued", salesforce_id=record_id, fields=[field])
    return SalesforceRecordAnswer(status="updated", salesforce_id=record_id, fields=[field])


def _undo_write_back(services: Services, record_id: str) -> None:
    """The external-id field emptied again (it was: the external id was empty). Best effort: the
    enrolment's own failure is what the caller is answered, and a retry writes the Id again."""
    field = services.settings.config.loyalty.external_id_field
    try:
        write_record(services, record_id, {field: None}, ["data", "customer", "salesforce_id"])
    except Exception as exc:
        logger.warning("an enrolment's write-back could not be undone", extra={"error": type(exc).__name__})


def _queue_write_back(services: Services, command: Command, record_id: str, customer_id: str) -> None:
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


# -- customer.enroll ------------------------------------------------------------------------------
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
    existing = _find(services, ref, ["data", "customer"])
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
            record = _write_back_external_id(services, record_id, ["data", "customer", "salesforce_id"])
        profile = customer.model_dump(mode="json", exclude={"salesforce_id", "external_id", "email"}, exclude_none=True)
        fields = {**profile, "email": customer.email, "external_id": external_id, "enrolled": member}
        try:
            user = services.loyalty.create_user(fields)
        except Exception as exc:
            # Nobody was created: the Id just written back is taken back, so the record does not
            # keep a key that names no customer.
            if record.status == "updated" and record_id is not None:
                _undo_write_back(services, record_id)
            if isinstance(exc, ConflictError):
                # The other key is another customer's (the email, when searching by external id).
                raise ConflictError(f"the customer cannot be enrolled: {exc}") from exc
            raise
        if record.status == "queued" and record_id is not None:
            _queue_write_back(services, command, record_id, str(user["id"]))
    customer_id = str(user["id"])
    summary = f"enrolled (member: {'yes' if member else 'no'}), loyalty customer id {customer_id}"
    audit = _audit(services, command, command.data.agent, ref, customer_id, summary)
    return EnrollAnswer(
        action=command.event_type,
        customer_id=customer_id,
        audit=audit,
        customer=user,
        enrolled=bool(user.get("enrolled")),
        salesforce_record=record,
    )


# -- customer.update ------------------------------------------------------------------------------
def _editable_changes(config: LoyaltyConfig, changes: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        loc: Loc = ["data", "changes", name]
        if name not in config.editable_fields:
            raise MappingError(loc, "not an editable field (loyalty.editable_fields)")
        cleaned[name] = _profile_value(name, value, loc)
    return cleaned


def update_customer(command: CustomerUpdate, services: Services) -> UpdateAnswer:
    config = services.settings.config.loyalty
    data = command.data
    changes = _editable_changes(config, data.changes)
    _check_parent_object(config, data.salesforce_object)
    found = _find(services, data.customer, ["data", "customer"])
    if found is None:
        raise NotFoundError(["data", "customer", _key_field(config)], NOT_ENROLLED)
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
        audit=_audit(services, command, data.agent, ref, customer_id, summary),
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


# -- customer.sync --------------------------------------------------------------------------------
def sync_customer(command: CustomerSync, services: Services) -> SyncAnswer:
    config = services.settings.config.loyalty
    data = command.data
    if data.direction == "from_loyalty":
        # The "Sync from SM" button: allowed whatever Sync Customer Changes says.
        _check_parent_object(config, data.salesforce_object)
        return _sync_from_loyalty(command, services)
    if not config.sync_customer_changes:
        raise IneligibleEvent(
            "loyalty.sync_customer_changes is off: Salesforce changes are not sent to the loyalty platform"
        )
    _check_parent_object(config, data.salesforce_object)
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
        values[loyalty] = _profile_value(loyalty, value, ["data", "fields", name])
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
            record = _write_back_external_id(services, record_id, ["data", "salesforce_id"])
        profile = {k: v for k, v in values.items() if v is not None}
        try:
            user = services.loyalty.create_user(
                {**profile, "external_id": external_id, "enrolled": config.enroll_in_loyalty}
            )
        except Exception:
            # Nobody was created: the record does not keep its Id as a key naming no customer.
            if record.status == "updated":
                _undo_write_back(services, record_id)
            raise
        if record.status == "queued":
            _queue_write_back(services, command, record_id, str(user["id"]))
        created, changed = True, sorted(profile)
    else:
        differing = {k: v for k, v in values.items() if not _same_value(found.get(k), v)}
        user = services.loyalty.update_user(str(found["id"]), differing) if differing else found
        created, changed = False, sorted(differing)
    customer_id = str(user["id"])
    audit: Literal["queued", "off", "skipped"] = "skipped"
    if created or changed:
        summary = ("created" if created else "updated") + f" from Salesforce: {', '.join(changed) or 'no field'}"
        audit = _audit(services, command, data.agent, ref, customer_id, summary)
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
        valid_email = _EMAIL.validate_python(email) if email else None
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
        audit = _audit(services, command, data.agent, ref, customer_id, summary)
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


# -- customer.merge -------------------------------------------------------------------------------
def merge_customers(command: CustomerMerge, services: Services) -> MergeAnswer:
    config = services.settings.config.loyalty
    if not config.merge_on_parent_merge:
        raise IneligibleEvent("loyalty.merge_on_parent_merge is off: parent merges are not applied on the platform")
    data = command.data
    key = _key_field(config)
    survivor = _find(services, data.survivor, ["data", "survivor"])
    if survivor is None:
        raise NotFoundError(["data", "survivor", key], "no loyalty customer has the survivor's key")
    victim = _find(services, data.victim, ["data", "victim"])
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
        audit=_audit(services, command, data.agent, data.survivor, survivor_id, summary),
        customer=merged,
        victim_id=victim_id,
    )
