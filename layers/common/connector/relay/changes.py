"""Contacts and Accounts changed in Service Cloud, and their merges, carried to the storefront and the
loyalty platform.

- `translate_relayed_change`: a Change Data Capture event (`ContactChangeEvent`, `AccountChangeEvent`)
  as Event Relay puts it on the bus -> one `RecordChanged` per record it names; a `Contact_Merged__e`
  -> one `RecordsMerged`. The payload is read as the Change Data Capture Developer Guide shows it
  (https://developer.salesforce.com/docs/platform/change-data-capture/guide/cdc-event-fields-header.html):
  the `ChangeEventHeader`, then the record's fields, a compound field (`Name`, `MailingAddress`,
  `BillingAddress`) as a nested object whose parts `changedFields` names `MailingAddress.City`
  (https://developer.salesforce.com/docs/platform/change-data-capture/guide/cdc-subscribe-compound-fields.html).
- `propagate_record_change`: the changed mapped fields of a linked record to the storefront (OCAPI
  Data API customer PATCH) and the loyalty platform (profile update), each when its setting allows.
- `merge_records`: the loser's loyalty customer merged into the winner's (Merge on Parent Merge, the
  survivor rule of connector.loyalty.merge), and the storefront link moved to the winner.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connector.clients.base import PlatformRefusal
from connector.clients.ocapi import READ_ONLY_CUSTOMER_FIELDS
from connector.commerce.contacts import CUSTOMER_NO_FIELD, address_of_street, mailing_address_mapping
from connector.crm.identity import IdentityKind
from connector.envelope import Envelope, Outcome
from connector.errors import (
    ConflictError,
    IneligibleEvent,
    MappingError,
    NotFoundError,
    PermanentError,
    RefusedByPlatform,
)
from connector.loyalty.customer_ref import CustomerRef
from connector.loyalty.profile_values import profile_value
from connector.relay.events import RelayedEvent, not_ahead_of_the_clock
from connector.relay.models import (
    SEQUENCE_DIGITS,
    ChangedObject,
    ChangeType,
    RecordChange,
    RecordChanged,
    RecordMerge,
    RecordsMerged,
)
from connector.salesforce.soql import soql_quote
from connector.services import Services
from connector.value_types import SalesforceId

CHANGE_EVENTS: dict[str, ChangedObject] = {"ContactChangeEvent": "Contact", "AccountChangeEvent": "Account"}
MERGE_EVENT = "Contact_Merged__e"
SITE_FIELD = "Commerce_Site_Id__c"
# Where Contact_Merged__e carries the loser's loyalty key (the after-delete trigger copies it from
# Trigger.old: the record is gone afterwards).
LOYALTY_EXTERNAL_ID_FIELD = "Loyalty_External_Id__c"
# Fields Salesforce maintains itself: an UPDATE's changedFields always lists LastModifiedDate
# (https://developer.salesforce.com/docs/platform/apex-ref/references/apex-ref/apex-class-eventbus-changeeventheader.html);
# they are nobody's profile.
SYSTEM_FIELDS = frozenset(
    {
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
        "CreatedDate",
        "CreatedById",
        "LastReferencedDate",
        "LastViewedDate",
        "LastActivityDate",
        "IsDeleted",
    }
)
# Changes that leave no record to carry anywhere (a merge's loser arrives as a DELETE: the merge
# itself comes as Contact_Merged__e).
_GONE = ("DELETE", "GAP_DELETE")
_HEADER_LOC = ["detail", "payload", "ChangeEventHeader"]
# One entry of a bitmap field: `0x650004E0`, or `4-0x10` for a nested (compound) field's parts.
_BITMAP = re.compile(r"^(\d+-)?0x[0-9A-Fa-f]+$")


# -- translation ------------------------------------------------------------------------------------
class ChangeEventHeader(BaseModel):
    """The header every change event carries (field names as Salesforce spells them)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    entity_name: str = Field(alias="entityName", min_length=1)
    record_ids: list[SalesforceId] = Field(alias="recordIds", default_factory=list)
    change_type: ChangeType = Field(alias="changeType")
    changed_fields: list[str] = Field(alias="changedFields", default_factory=list)
    nulled_fields: list[str] = Field(alias="nulledFields", default_factory=list)
    # Long text fields sent as a diff instead of their value: their value is not in the event.
    diff_fields: list[str] = Field(alias="diffFields", default_factory=list)
    commit_timestamp: int = Field(alias="commitTimestamp", ge=0)
    commit_user: str = Field(alias="commitUser", min_length=1, max_length=18)
    transaction_key: str = Field(alias="transactionKey", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    sequence_number: int = Field(alias="sequenceNumber", ge=0, lt=10**SEQUENCE_DIGITS)
    change_origin: str = Field(alias="changeOrigin", default="")


class MergedPayload(BaseModel):
    """`Contact_Merged__e`, published by the after-delete trigger on Contact and Account."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    object: ChangedObject = Field(alias="Object__c")
    winner_id: SalesforceId = Field(alias="Winner_Id__c")
    loser_id: SalesforceId = Field(alias="Loser_Id__c")
    loser_customer_no: str | None = Field(alias="Loser_Commerce_Customer_No__c", default=None, max_length=255)
    loser_loyalty_external_id: str | None = Field(alias="Loser_Loyalty_External_Id__c", default=None, max_length=255)
    merged_by: str | None = Field(alias="Merged_By__c", default=None, max_length=18)
    created_date: datetime | None = Field(alias="CreatedDate", default=None)


def flat_field_name(compound: str, part: str) -> str:
    """A compound field's part as the object's own field: `Name.FirstName` -> `FirstName`,
    `MailingAddress.City` -> `MailingCity`, `BillingAddress.Street` -> `BillingStreet`, a custom
    geolocation `Location__c.Latitude` -> `Location__Latitude__s` (the guide: "the Street nested
    component field of BillingAddress is BillingStreet in the Account object")."""
    if compound == "Name":
        return part
    if compound.endswith("Address"):
        return compound[: -len("Address")] + part
    if compound.endswith("__c"):
        return f"{compound[:-3]}__{part}__s"
    return compound + part


def _flat_names(names: list[str]) -> list[str]:
    flat: list[str] = []
    for name in names:
        compound, dot, part = name.partition(".")
        flat.append(flat_field_name(compound, part) if dot else name)
    return [n for n in dict.fromkeys(flat) if n not in SYSTEM_FIELDS]


def _flat_values(payload: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in payload.items():
        if name == "ChangeEventHeader":
            continue
        if isinstance(value, dict):
            for part, part_value in value.items():
                values[flat_field_name(name, part)] = part_value
        else:
            values[name] = value
    return {k: v for k, v in values.items() if k not in SYSTEM_FIELDS}


def translate_relayed_change(event: RelayedEvent) -> list[Envelope]:
    """One relayed event -> its canonical events (see the module's docstring). Raises pydantic's
    ValidationError (its loc names the payload's field) or MappingError for a payload it cannot read."""
    kind = event.detail_type
    if kind == MERGE_EVENT:
        return [_merged(event)]
    if kind not in CHANGE_EVENTS:
        raise MappingError(["detail-type"], f"not a Contact or Account change event, nor {MERGE_EVENT}")
    payload = event.detail.payload
    header_doc = payload.get("ChangeEventHeader")
    if not isinstance(header_doc, dict):
        raise MappingError(_HEADER_LOC, "required: a change event's header")
    header = ChangeEventHeader.model_validate(header_doc)
    sobject = CHANGE_EVENTS[kind]
    if header.entity_name != sobject:
        raise MappingError([*_HEADER_LOC, "entityName"], f"{kind} carries {sobject} changes")
    if header.change_type == "GAP_OVERFLOW":
        # An overflow event names no records (https://developer.salesforce.com/docs/platform/
        # change-data-capture/guide/cdc-other-events-overflow.html): what changed can only be found by
        # reading the whole object, which no single change may do; it goes to the DLQ saying so.
        raise MappingError(
            [*_HEADER_LOC, "changeType"],
            "GAP_OVERFLOW names no records: the transaction's changes past 100,000 were not carried",
        )
    if not header.record_ids:
        raise MappingError([*_HEADER_LOC, "recordIds"], "required: the records the change is about")
    # Bitmaps instead of field names (the Pub/Sub API's raw form, "'changedFields': ['0x650004E0','4-0x10']":
    # https://developer.salesforce.com/docs/platform/pub-sub-api/guide/event-deserialization-considerations.html)
    # cannot be read without the event's schema: the record is read, as for a gap event, rather than
    # the change taken for one of no mapped field and dropped.
    undecoded = any(
        _BITMAP.match(name) for name in (*header.changed_fields, *header.nulled_fields, *header.diff_fields)
    )
    gap = header.change_type.startswith("GAP_") or undecoded
    # A gap event carries no field values (https://developer.salesforce.com/docs/platform/
    # change-data-capture/guide/cdc-other-events-gap.html): the workflow reads the record.
    values = {} if gap else _flat_values(payload)
    # A diff field's event value is a diff, not the value: it is not carried as if it were one.
    diffs = _flat_names(header.diff_fields)
    for name in diffs:
        values.pop(name, None)
    if header.change_type == "CREATE":
        changed = [k for k, v in values.items() if v is not None]
    else:
        changed = [name for name in _flat_names(header.changed_fields) if name not in diffs]
    occurred_at = not_ahead_of_the_clock(
        datetime.fromtimestamp(header.commit_timestamp / 1000, UTC), "ChangeEventHeader.commitTimestamp"
    )
    events: list[Envelope] = []
    record_ids = list(dict.fromkeys(header.record_ids))
    for record_id in record_ids:
        change = RecordChange(
            object=sobject,
            record_id=record_id,
            change_type=header.change_type,
            changed_fields=[] if gap else changed,
            nulled_fields=[] if gap else _flat_names(header.nulled_fields),
            values=values,
            commit_user=header.commit_user,
            transaction_key=header.transaction_key,
            sequence_number=header.sequence_number,
            records_in_event=len(record_ids),
            fields_unknown=undecoded,
        )
        events.append(
            RecordChanged(
                event_id=f"{header.transaction_key}.{header.sequence_number}.{record_id}",
                event_type="salesforce.record.changed",
                occurred_at=occurred_at,
                data=change,
            )
        )
    return events


def _merged(event: RelayedEvent) -> RecordsMerged:
    merged = MergedPayload.model_validate(event.detail.payload)
    if merged.winner_id[:15] == merged.loser_id[:15]:
        raise MappingError(["detail", "payload", "Loser_Id__c"], "the loser is the winner")
    loser_values: dict[str, Any] = {}
    if merged.loser_customer_no:
        loser_values[CUSTOMER_NO_FIELD] = merged.loser_customer_no
    if merged.loser_loyalty_external_id:
        loser_values[LOYALTY_EXTERNAL_ID_FIELD] = merged.loser_loyalty_external_id
    return RecordsMerged(
        event_id=event.detail.id,
        event_type="salesforce.records.merged",
        occurred_at=not_ahead_of_the_clock(merged.created_date or event.time, "CreatedDate"),
        data=RecordMerge(
            object=merged.object,
            winner_id=merged.winner_id,
            loser_id=merged.loser_id,
            loser_values=loser_values,
            commit_user=merged.merged_by,
        ),
    )


# -- propagation ------------------------------------------------------------------------------------
def is_integration_user(services: Services, user_id: str | None) -> bool:
    """Whether `user_id` is the connector's own integration user (15- and 18-character Ids alike)."""
    if not user_id:
        return False
    configured = services.settings.config.salesforce.integration_user_id
    own = configured or services.salesforce.integration_user_id()
    return bool(own) and own[:15] == user_id[:15]


def propagate_record_change(event: RecordChanged, services: Services) -> Outcome:
    """The record's changed mapped fields to each platform that is on and links it; a platform that
    refuses (4xx) does not stop the other: the refusals are raised together at the end
    (RefusedByPlatform: the sync state reads FAILED with them), a platform down is a TransientError
    (the queue retries; the calls made are idempotent PATCH/PUTs of the same values)."""
    change = event.data
    if is_integration_user(services, change.commit_user):
        raise IneligibleEvent("changed by the connector's own integration user: not sent back to the platforms")
    if change.change_type in _GONE:
        raise IneligibleEvent(f"{change.change_type}: a deleted record is not carried to the platforms")
    config = services.settings.config
    storefront_on = change.object == "Contact" and config.commerce.sync_salesforce_changes
    loyalty_on = config.loyalty.sync_customer_changes and change.object == config.loyalty.parent_object
    if not storefront_on and not loyalty_on:
        raise IneligibleEvent(f"{_storefront_off(services, change.object)}; {_loyalty_off(services, change.object)}")
    values, changed = _record_values(services, change)
    done: dict[str, list[str]] = {}
    refusals: list[str] = []
    reasons: list[str] = []
    if storefront_on:
        _to_storefront(services, change, values, changed, done, refusals, reasons)
    else:
        reasons.append(_storefront_off(services, change.object))
    if loyalty_on:
        _to_loyalty(services, change, values, changed, done, refusals, reasons)
    else:
        reasons.append(_loyalty_off(services, change.object))
    if refusals:
        raise RefusedByPlatform("; ".join(refusals))
    if not done:
        raise IneligibleEvent("; ".join(reasons))
    return Outcome(ids={"salesforce_id": change.record_id}, detail={"fields": done})


def _storefront_off(services: Services, sobject: str) -> str:
    """Why a change of `sobject` does not go to the storefront."""
    if not services.settings.config.commerce.sync_salesforce_changes:
        return "commerce.sync_salesforce_changes is off"
    # A person account's change arrives twice, as an AccountChangeEvent and as its person Contact's
    # ContactChangeEvent (Change Data Capture Developer Guide, "Change Events for Person Accounts"):
    # the storefront customer is linked to the person Contact, whose change is the one carried.
    return (
        f"the storefront follows Contact changes, not {sobject} ones "
        "(a person account's reach it as its person Contact's)"
    )


def _loyalty_off(services: Services, sobject: str) -> str:
    """Why a change of `sobject` does not go to the loyalty platform."""
    loyalty = services.settings.config.loyalty
    if not loyalty.sync_customer_changes:
        return "loyalty.sync_customer_changes is off"
    return f"the loyalty Parent Object is {loyalty.parent_object}, not {sobject}"


def _record_values(services: Services, change: RecordChange) -> tuple[dict[str, Any], set[str]]:
    """The record's values the platforms need, and the names of the changed ones (casefolded).

    What the event carries is used as it is. The CDC channel enriches every change with the link keys
    (Commerce_Customer_No__c, the loyalty external id): an UPDATE carries them whatever changed, and
    an enriched field left out means it is empty ("If the enriched fields have an empty value, they
    aren't included in the event messages in ... event relays":
    https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_enrich_intro.htm);
    a CREATE carries every populated field. So only a gap event (no values at all) costs a Salesforce
    call: one escaped SOQL read of the record's mapped fields and link keys."""
    if not change.change_type.startswith("GAP_") and not change.fields_unknown:
        values = dict(change.values)
        for name in change.nulled_fields:
            values.setdefault(name, None)
        # A field named changed but not carried is not sent: it would read as cleared.
        carried = {name.casefold() for name in values}
        changed = {n.casefold() for n in (*change.changed_fields, *change.nulled_fields)} & carried
        if change.records_in_event > 1 and change.change_type == "UPDATE":
            # A grouped event is never enriched ("if change event messages are enriched, single event
            # messages are sent because the external ID field values could be different for each
            # record": cdc_enrich_considerations.htm): the record's own link keys are read, once.
            keys = [*_link_fields(services, change.object), *_optional_fields(change.object)]
            values = {**values, **_read_record(services, change, keys)}
        return values, changed
    wanted = sorted(
        {
            *_link_fields(services, change.object),
            *_optional_fields(change.object),
            *_mapped_fields(services, change.object),
        },
        key=str.casefold,
    )
    # Nothing says what changed: every mapped field is sent as the record holds it now.
    return _read_record(services, change, wanted), {name.casefold() for name in wanted}


def _read_record(services: Services, change: RecordChange, fields: list[str]) -> dict[str, Any]:
    """`fields` of the changed record, in one SOQL query (its Id escaped; the field names come from
    the validated configuration and this module)."""
    wanted = sorted(set(fields), key=str.casefold)
    soql = f"SELECT Id, {', '.join(wanted)} FROM {change.object} WHERE Id = {soql_quote(change.record_id)} LIMIT 1"
    rows = services.salesforce.query(soql)
    if not rows:
        raise IneligibleEvent(f"the {change.object} is no longer in Salesforce: nothing to carry")
    return {k: v for k, v in rows[0].items() if k != "attributes"}


def _link_fields(services: Services, sobject: str) -> list[str]:
    """The fields that say where the record is linked: the ones the CDC channel enriches every change
    with (an UPDATE carries them whatever changed), for the platforms whose sync is on."""
    config = services.settings.config
    fields = []
    if sobject == "Contact" and config.commerce.sync_salesforce_changes:
        fields.append(CUSTOMER_NO_FIELD)
    if config.loyalty.sync_customer_changes and sobject == config.loyalty.parent_object:
        fields.append(
            config.loyalty.external_id_field if config.loyalty.search_by_external_id else _email_field(services)
        )
    return fields


def _optional_fields(sobject: str) -> list[str]:
    # The storefront site a Contact came from (its customer list): read with the record when it is
    # read anyway; a change that does not carry it uses commerce.default_site_id.
    return [SITE_FIELD] if sobject == "Contact" else []


def _email_field(services: Services) -> str:
    return services.settings.config.loyalty.mapping().get("email", "Email")


def _mapped_fields(services: Services, sobject: str) -> list[str]:
    config = services.settings.config
    fields: list[str] = []
    if sobject == "Contact":
        fields += [
            sf
            for customer, sf in config.commerce.contact_field_mapping.items()
            if customer not in READ_ONLY_CUSTOMER_FIELDS
        ]
        fields += list(mailing_address_mapping(state_country_picklists=config.salesforce.state_country_picklists))
    if sobject == config.loyalty.parent_object:
        fields += list(config.loyalty.mapping().values())
    return list(dict.fromkeys(fields))


def _value(values: dict[str, Any], name: str) -> Any:
    """A field's value by API name (Salesforce API names ignore case)."""
    wanted = name.casefold()
    return next((v for k, v in values.items() if k.casefold() == wanted), None)


def _to_storefront(
    services: Services,
    change: RecordChange,
    values: dict[str, Any],
    changed: set[str],
    done: dict[str, list[str]],
    refusals: list[str],
    reasons: list[str],
) -> None:
    """The changed fields the inbound mapping (connector.commerce.contacts) reads from the customer
    document and its preferred address, written back to them: the same mappings, reversed. The
    profile's in one customer PATCH; the address's in one PATCH of the preferred address (the Data
    API keeps addresses apart from the customer document), found by one read of the address book."""
    config = services.settings.config
    commerce = config.commerce
    customer_no = _value(values, CUSTOMER_NO_FIELD)
    if not customer_no:
        reasons.append("the Contact has no storefront customer number")
        return
    linked = services.identities.entries(IdentityKind.CONTACT, [str(customer_no)]).get(str(customer_no))
    if linked is None or linked.salesforce_id[:15] != change.record_id[:15]:
        reasons.append("the identity map does not link the Contact's customer number to it")
        return
    profile = {
        customer: _value(values, sf)
        for customer, sf in commerce.contact_field_mapping.items()
        if sf.casefold() in changed and customer not in READ_ONLY_CUSTOMER_FIELDS
    }
    address_mapping = mailing_address_mapping(state_country_picklists=config.salesforce.state_country_picklists)
    address: dict[str, Any] = {}
    for sf, part in address_mapping.items():
        if sf.casefold() in changed:
            value = _value(values, sf)
            address.update(address_of_street(value) if part == "address1" else {part: value})
    if not profile and not address:
        reasons.append("no field the storefront maps changed")
        return
    site_id = _value(values, SITE_FIELD) or commerce.default_site_id
    list_id = commerce.customer_list_of(str(site_id))
    storefront = services.commerce
    sent: list[str] = []
    try:
        if profile:
            if storefront.update_customer(list_id, str(customer_no), profile) is None:
                refusals.append("storefront: no such customer in the customer list (404)")
                return
            sent += sorted(profile)
        if address:
            book = storefront.customer_addresses(list_id, str(customer_no))
            if book is None:
                refusals.append("storefront: no such customer in the customer list (404)")
                return
            # The address the inbound mapping reads (commerce.models.Customer.preferred_address): the
            # preferred one, else the first.
            preferred = next((a for a in book if a.get("preferred")), book[0] if book else None)
            if preferred is None or not preferred.get("address_id"):
                reasons.append("the storefront customer has no address to update")
            elif (
                storefront.update_customer_address(list_id, str(customer_no), str(preferred["address_id"]), address)
                is None
            ):
                refusals.append("storefront: the customer's address is gone (404)")
                return
            else:
                sent += [f"address.{part}" for part in sorted(address)]
    except PlatformRefusal as exc:
        if exc.status in (401, 403):
            # The connector's client is not allowed the call (the Data API's client permissions name
            # each resource and method: a PATCH left out of them is refused whatever is sent): its
            # configuration, not this change, so the event is dead-lettered to be redriven once it is
            # fixed, not marked FAILED for good.
            raise PermanentError(f"storefront refused the connector's client: {exc}") from exc
        refusals.append(f"storefront refused {', '.join(sorted(profile) + sorted(address))}: {exc}")
        return
    if sent:
        done["storefront"] = sent


def _to_loyalty(
    services: Services,
    change: RecordChange,
    values: dict[str, Any],
    changed: set[str],
    done: dict[str, list[str]],
    refusals: list[str],
    reasons: list[str],
) -> None:
    """The changed fields of loyalty.field_mapping, reversed, to the customer found by the record's
    key (loyalty.search_by_external_id: its external id, else its email)."""
    loyalty = services.settings.config.loyalty
    mapping = loyalty.mapping()
    ref = _loyalty_ref(services, values, change.record_id)
    if ref is None:
        reasons.append("the record holds no loyalty key")
        return
    wanted: dict[str, Any] = {}
    try:
        for field, sf in mapping.items():
            if sf.casefold() in changed:
                wanted[field] = profile_value(field, _value(values, sf), ["data", "values", sf])
    except MappingError as exc:
        refusals.append(f"loyalty: {exc.loc[-1]} {exc.msg}")
        return
    if not wanted:
        reasons.append("no field the loyalty platform maps changed")
        return
    found = services.loyalty.find_user(ref)
    external_id = _value(values, loyalty.external_id_field)
    if found is None and not loyalty.search_by_external_id and "email" in wanted and external_id:
        # Searched by email, and the email is what changed: the customer still has the old one. The
        # record's external id (written by every enrolment, and enriched into every change) finds it.
        found = services.loyalty.user_by_external_id(str(external_id))
    if found is None:
        reasons.append("no loyalty customer has the record's key")
        return
    differing = {k: v for k, v in wanted.items() if not _same(found.get(k), v)}
    if differing:
        try:
            services.loyalty.update_user(str(found["id"]), differing)
        except (MappingError, ConflictError, NotFoundError) as exc:
            refusals.append(f"loyalty refused {', '.join(sorted(differing))}: {exc}")
            return
    done["loyalty"] = sorted(differing)


def _loyalty_ref(services: Services, values: dict[str, Any], record_id: str) -> CustomerRef | None:
    """The record's loyalty key per Search by External ID; None when it holds none the platform could
    be searched by (empty, or not a key: an external id is one path segment, an email an email)."""
    loyalty = services.settings.config.loyalty
    if loyalty.search_by_external_id:
        key: dict[str, Any] = {"external_id": _value(values, loyalty.external_id_field)}
    else:
        key = {"email": _value(values, _email_field(services))}
    if not next(iter(key.values())):
        return None
    try:
        return CustomerRef.model_validate({**{k: str(v) for k, v in key.items()}, "salesforce_id": record_id})
    except ValidationError:
        return None


def _same(held: Any, wanted: Any) -> bool:
    if held in (None, "") and wanted in (None, ""):
        return True
    return bool(held == wanted)


# -- merges -----------------------------------------------------------------------------------------
def merge_records(event: RecordsMerged, services: Services) -> Outcome:
    """The storefront link of the loser's customer number moved to the winner (the storefront has no
    merge: its customer stays, now the winner's), and the loyalty customers merged per Merge on
    Parent Merge, the survivor being the customer of the key the winner holds after the merge
    (connector.loyalty.merge's rule); when only the loser has a loyalty customer, it becomes the
    winner's: its key is written into the winner's external-id field."""
    merge = event.data
    done: dict[str, str] = {}
    moved = _move_storefront_link(services, merge)
    if moved:
        done["storefront_link"] = moved
    loyalty = services.settings.config.loyalty
    if merge.object != loyalty.parent_object:
        reason = f"the loyalty Parent Object is {loyalty.parent_object}, not {merge.object}"
    elif not loyalty.merge_on_parent_merge:
        reason = "loyalty.merge_on_parent_merge is off: parent merges are not applied on the platform"
    else:
        reason = _merge_loyalty(services, merge, done)
    if not done:
        raise IneligibleEvent(reason)
    return Outcome(ids={"salesforce_id": merge.winner_id}, detail={"merged": done, "reason": reason})


def _move_storefront_link(services: Services, merge: RecordMerge) -> str | None:
    customer_no = merge.loser_values.get(CUSTOMER_NO_FIELD)
    if merge.object != "Contact" or not customer_no:
        return None
    entry = services.identities.entries(IdentityKind.CONTACT, [str(customer_no)]).get(str(customer_no))
    if entry is None or entry.salesforce_id[:15] != merge.loser_id[:15]:
        return None
    # The winner may sit under another Account, and what was written to the loser says nothing of it.
    moved = entry.but(salesforce_id=merge.winner_id, contact_id=None, account_id=None, fingerprint=None)
    services.identities.put(IdentityKind.CONTACT, str(customer_no), moved)
    # The winner's later changes name their storefront customer by the number they carry (the channel
    # enriches it): a winner holding none takes the loser's, or its changes would never reach the
    # storefront again. A winner holding its own keeps it (a Contact names one storefront customer);
    # the loser's customer then stays linked in the identity map only. Written by the integration
    # user, so its own change event is dropped, never looped.
    rows = services.salesforce.query(
        f"SELECT Id, {CUSTOMER_NO_FIELD} FROM Contact WHERE Id = {soql_quote(merge.winner_id)} LIMIT 1"
    )
    if rows and not rows[0].get(CUSTOMER_NO_FIELD):
        services.salesforce.update("Contact", merge.winner_id, {CUSTOMER_NO_FIELD: str(customer_no)})
        return f"customer {customer_no} now names {merge.winner_id}, which holds its number"
    return f"customer {customer_no} now names {merge.winner_id}"


def _merge_loyalty(services: Services, merge: RecordMerge, done: dict[str, str]) -> str:
    config = services.settings.config.loyalty
    field = config.external_id_field
    email_field = _email_field(services)
    soql = f"SELECT Id, {field}, {email_field} FROM {merge.object} WHERE Id = {soql_quote(merge.winner_id)} LIMIT 1"
    rows = services.salesforce.query(soql)
    if not rows:
        return "the winner is no longer in Salesforce"
    winner_record = rows[0]
    loser_key = merge.loser_values.get(LOYALTY_EXTERNAL_ID_FIELD)
    winner_ref = _loyalty_ref(services, winner_record, merge.winner_id)
    survivor = services.loyalty.find_user(winner_ref) if winner_ref is not None else None
    # The loser's customer by the one key the platform event carries of it: its external id.
    victim = services.loyalty.user_by_external_id(str(loser_key)) if loser_key else None
    if victim is None:
        return "the loser has no loyalty customer: nothing to merge"
    if survivor is None:
        # Only the loser has a loyalty customer: it is the winner's from now on, through its key. A key
        # the winner holds that names no customer (searched by external id, none was found) gives way
        # to it; searched by email, another external id may still name a customer: it is left alone.
        held = _value(winner_record, field)
        if held and str(held) != str(loser_key) and not config.search_by_external_id:
            return "the winner holds another loyalty external id: the loser's customer is left as it is"
        if str(held or "") != str(loser_key):
            services.salesforce.update(merge.object, merge.winner_id, {field: loser_key})
            done["loyalty_key"] = f"{field} of the winner set to the loser's"
        done["loyalty"] = f"customer {victim['id']} is the winner's"
        return "only the loser had a loyalty customer"
    if str(survivor["id"]) == str(victim["id"]):
        # The merge overwrote the winner's key with the loser's: the loser's customer survives
        # (the reference's ACC_EXT_2 case). The winner's own customer is known only when it was keyed
        # by the record's Id (an enrolment's default external id): then it is the one merged away.
        own = services.loyalty.user_by_external_id(merge.winner_id)
        if own is None or str(own["id"]) == str(survivor["id"]):
            return "the winner holds the loser's key: its customer survives, nothing to merge"
        victim = own
    services.loyalty.merge(str(survivor["id"]), str(victim["id"]))
    done["loyalty"] = f"customer {victim['id']} merged into {survivor['id']}"
    return "merged"
