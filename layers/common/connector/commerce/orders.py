"""Order headers (use cases D and E): registered when a valid Contact Id comes with the header, or
when OCAPI says the customer is registered and the Contact exists; otherwise the guest flow of the
reference: details pulled from OCAPI, the Contact found by email or created as a guest, linked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connector.commerce.accounts import customer_list_account
from connector.commerce.contacts import CUSTOMER_NO_FIELD, fingerprint
from connector.commerce.customers import create_customer, person_accounts
from connector.commerce.guest_orders import registration_excluded
from connector.commerce.order_events import OrderChanged, OrderData
from connector.commerce.storefront import MissingFromStorefront, missing_from_storefront, save_draft
from connector.crm import Identity, IdentityKind, heals_identity_map
from connector.crm.accounts import remember_account
from connector.crm.contacts import (
    account_of_contact,
    contact_by_email,
    contact_by_external_id,
    create_once,
    remember_account_of_contact,
)
from connector.crm.duplicates import past_duplicate_rule
from connector.crm.names import first_name, last_name
from connector.crm.policy import unless_gone
from connector.envelope import Outcome
from connector.errors import MappingError, PermanentError, TransientError
from connector.salesforce.errors import PermanentSalesforceError
from connector.salesforce.plan import WritePlan, resolved
from connector.services import Services

ORDER_NO_FIELD = "Commerce_Order_No__c"
OrderEvent = OrderChanged


@dataclass(frozen=True)
class Link:
    """Who an order belongs to in Salesforce: AccountId may be a composite reference."""

    contact_id: str
    account_id: str
    customer_type: str  # Registered | Guest
    sync_status: str  # Synchronized (registered) | Created (guest, linked) | Draft (not yet linked)


def header_fields(event: OrderEvent) -> dict[str, Any]:
    data: OrderData = event.data
    order = data.order
    return {
        "EffectiveDate": order.creation_date.date().isoformat(),
        "Status": "Draft",
        "Order_Total__c": float(order.order_total),
        "Order_Currency__c": order.currency,
        "Commerce_Order_Status__c": order.status,
        "Commerce_Site_Id__c": data.site_id,
    }


@heals_identity_map
def sync_order(event: OrderEvent, services: Services) -> Outcome:
    order = event.data.order
    contact_id = order.salesforce_contact_id
    # The entries this event reads first, in one round trip (a guest's come later, from OCAPI's answer).
    services.identities.prefetch(
        [(IdentityKind.ORDER, order.order_no), *([(IdentityKind.CONTACT_ACCOUNT, contact_id)] if contact_id else [])]
    )
    known = services.identities.entry(IdentityKind.ORDER, order.order_no)
    # Not a valid Contact Id: the reference treats the order as a guest order.
    if contact_id and (written := unless_gone(lambda: _write_registered(event, services, contact_id))):
        return written
    if known and known.contact_id and known.sync_status != "Draft":
        if known.customer_type == "Registered":
            # Already linked: an update keeps its link and costs one call (none if nothing changed).
            return _write(event, services, _known_link(known), WritePlan(services.salesforce))
        # A guest order: its customer may be registering right now (see guest_orders).
        customer_no = order.customer_info.customer_no if order.customer_info else None
        with registration_excluded(services, customer_no, _claim_owner(event)):
            return _write_known_guest(event, services, customer_no)
    return _write_guest(event, services, known)


def _known_link(known: Identity) -> Link:
    return Link(known.contact_id or "", known.account_id or "", known.customer_type or "", known.sync_status or "")


def _claim_owner(event: OrderEvent) -> str:
    return f"order:{event.event_id}"


def _write_known_guest(event: OrderEvent, services: Services, customer_no: str | None) -> Outcome:
    """An update of an order linked as a guest's: registered if its customer is by now, else as linked
    (read again under the claim: a conversion may have re-flagged it since)."""
    registered = (
        contact_by_external_id(services, IdentityKind.CONTACT, CUSTOMER_NO_FIELD, customer_no) if customer_no else None
    )
    if registered is not None:
        link = Link(registered.salesforce_id, registered.account_id or "", "Registered", "Synchronized")
        return _write(event, services, link, WritePlan(services.salesforce))
    known = services.identities.entry(IdentityKind.ORDER, event.data.order.order_no)
    if known is None or not known.contact_id:
        return _write_guest(event, services, known)  # forgotten meanwhile (healed): linked afresh
    return _write(event, services, _known_link(known), WritePlan(services.salesforce))


def _write_registered(event: OrderEvent, services: Services, contact_id: str) -> Outcome:
    plan = WritePlan(services.salesforce)
    # The Contact's AccountId, if not remembered, comes from the same composite call that writes the order.
    account = account_of_contact(services, plan, contact_id)
    return _write(event, services, Link(contact_id, account, "Registered", "Synchronized"), plan)


def _write_guest(event: OrderEvent, services: Services, known: Identity | None) -> Outcome:
    data = event.data
    config = services.settings.config.commerce
    try:
        details = services.commerce.order(data.site_id, data.order.order_no)
        if details is None:
            raise missing_from_storefront("order", event.occurred_at, config)
    except MissingFromStorefront:
        raise
    except (TransientError, PermanentError):
        # The order must exist in Salesforce at once: as a Draft under the site's Account, until the
        # details can be pulled and the Contact linked (from the queue). The same when OCAPI does
        # not show the order yet (replication lag). Once only: a retry, or an update, while OCAPI
        # still cannot answer finds it a Draft already. The error then decides between retry and
        # the DLQ (a failure of the Draft never replaces it).
        if known is None or known.sync_status != "Draft":
            save_draft(services, "order", lambda: _write_draft(event, services))
        raise
    info = {**(data.order.customer_info.model_dump(exclude_none=True) if data.order.customer_info else {})}
    info |= {k: v for k, v in (details.get("customer_info") or {}).items() if v}
    customer_no = str(info["customer_no"]) if info.get("customer_no") else None
    # A guest order of a customer number: serial with that customer's registration (see guest_orders).
    with registration_excluded(services, customer_no, _claim_owner(event)):
        return _link_guest(event, services, info, customer_no)


def _link_guest(event: OrderEvent, services: Services, info: dict[str, Any], customer_no: str | None) -> Outcome:
    # What OCAPI's answer lets this event read next, in one round trip: the customer's entry, the
    # email's, and the Account a new guest Contact goes under. Read under the customer's claim: read
    # before it, a registration finishing in between would leave the order Guest (guest_orders).
    services.identities.prefetch(
        [
            *([(IdentityKind.CONTACT, customer_no)] if customer_no else []),
            *([(IdentityKind.CONTACT_EMAIL, str(info["email"]).strip().lower())] if info.get("email") else []),
            (IdentityKind.ACCOUNT, services.settings.config.commerce.customer_list_of(event.data.site_id)),
        ]
    )
    if customer_no:
        registered = contact_by_external_id(services, IdentityKind.CONTACT, CUSTOMER_NO_FIELD, customer_no)
        if registered is not None:
            return _write(
                event,
                services,
                Link(registered.salesforce_id, registered.account_id or "", "Registered", "Synchronized"),
                WritePlan(services.salesforce),
            )
    email = info.get("email")
    if not email:
        raise MappingError(["data", "order", "customer_info", "email"], "neither the header nor OCAPI gives an email")
    email = str(email).strip().lower()
    existing = contact_by_email(services, email, person_accounts=person_accounts(services))
    if existing is not None:
        return _link_existing(event, services, existing, registered_per_ocapi=bool(customer_no))
    with create_once(services, email, event.event_id):
        return past_duplicate_rule(
            services.settings.config.salesforce.duplicate_rule_policy,
            lambda: _create_guest(event, services, info, email),
            lambda matched: _link_look_alike(event, services, matched, email),
        )


def _write_draft(event: OrderEvent, services: Services) -> None:
    """The order as a Draft under its site's Account, linked to no Contact yet."""
    customer_list = services.settings.config.commerce.customer_list_of(event.data.site_id)
    plan = WritePlan(services.salesforce)
    _write(event, services, Link("", customer_list_account(plan, services, customer_list), "Guest", "Draft"), plan)


def _create_guest(event: OrderEvent, services: Services, info: dict[str, Any], email: str) -> Outcome:
    data = event.data
    config = services.settings.config.commerce
    plan = WritePlan(services.salesforce)
    first, last = split_name(info.get("customer_name"), email)
    guest = create_customer(
        plan,
        services,
        "guest",
        config.customer_list_of(data.site_id),
        {
            "FirstName": first,
            "LastName": last,
            "Email": email,
            "Customer_Type__c": "Guest",
            "Commerce_Site_Id__c": data.site_id,
        },
    )
    outcome = _write(event, services, Link(guest.contact, guest.account, "Guest", "Created"), plan)
    services.identities.put(
        IdentityKind.CONTACT_EMAIL,
        email,
        Identity(
            outcome.ids["contact_id"],
            account_id=outcome.ids.get("account_id"),
            customer_type="Guest",
            person_account=guest.person_account or None,
        ),
    )
    return outcome


def _link_look_alike(event: OrderEvent, services: Services, contact_id: str, email: str) -> Outcome:
    """The org's duplicate rule named the Contact this guest is: the order goes to it, under its Account."""
    plan = WritePlan(services.salesforce)
    account = account_of_contact(services, plan, contact_id)
    outcome = _write(event, services, Link(contact_id, account, "Guest", "Created"), plan)
    # customer_type unknown: the look-alike may be anyone's Contact, so no later registration takes
    # it for a convertible guest on this entry's word.
    services.identities.put(
        IdentityKind.CONTACT_EMAIL, email, Identity(contact_id, account_id=outcome.ids.get("account_id"))
    )
    return outcome


def _link_existing(event: OrderEvent, services: Services, contact: Identity, registered_per_ocapi: bool) -> Outcome:
    """Link the order to the Contact that has the customer's email. The reference's edge case: when
    OCAPI says the customer is registered and that Contact is a registered one, so is the order."""
    config = services.settings.config.commerce
    plan = WritePlan(services.salesforce)
    account_id = contact.account_id or customer_list_account(
        plan, services, config.customer_list_of(event.data.site_id)
    )
    if registered_per_ocapi and contact.customer_type == "Registered":
        link = Link(contact.salesforce_id, account_id, "Registered", "Synchronized")
    else:
        link = Link(contact.salesforce_id, account_id, "Guest", "Created")
    return _write(event, services, link, plan)


def split_name(name: Any, email: str) -> tuple[str | None, str]:
    """First and last name from the storefront's one `customer_name`, each cut to fit its field."""
    parts = str(name or "").strip().rsplit(" ", 1)
    if len(parts) == 2:
        return first_name(parts[0]), last_name(parts[1])
    return None, last_name(parts[0] or email)


def _write(event: OrderEvent, services: Services, link: Link, plan: WritePlan) -> Outcome:
    order_no = event.data.order.order_no
    fields = header_fields(event) | {
        "AccountId": link.account_id,
        "Customer_Type__c": link.customer_type,
        "Commerce_Sync_Status__c": link.sync_status,
    }
    if link.contact_id:
        fields["Contact__c"] = link.contact_id
    known = services.identities.entry(IdentityKind.ORDER, order_no)
    digest = fingerprint(fields)
    if not len(plan) and known and known.fingerprint == digest:
        return Outcome(ids=_ids(known.salesforce_id, link.contact_id, link.account_id), detail={"unchanged": True})
    plan.upsert("order", "Order", ORDER_NO_FIELD, order_no, changeable_fields(fields, known))
    results, sent = _run_order_write(plan, fields)
    remember_account(services, services.settings.config.commerce.customer_list_of(event.data.site_id), results)
    order_id = str(results["order"]["id"])
    # References to what the same call created or read (a guest, the list's Account, a Contact's AccountId).
    contact_id = resolved(link.contact_id, results)
    account_id = resolved(link.account_id, results)
    if "AccountId" not in sent:
        # The order kept the account it had (known, or unknown for an activated order met unknown).
        account_id = known.account_id or "" if known else ""
    remember_account_of_contact(services, contact_id, account_id)
    services.identities.put(
        IdentityKind.ORDER,
        order_no,
        Identity(
            order_id,
            contact_id=contact_id or None,
            account_id=account_id,
            customer_type=link.customer_type,
            sync_status=link.sync_status,
            # Digest of what the record now holds (references resolved), for the next no-change check.
            fingerprint=fingerprint(
                fields | {"AccountId": account_id} | ({"Contact__c": contact_id} if contact_id else {})
            ),
        ),
    )
    return Outcome(
        ids=_ids(order_id, contact_id, account_id),
        detail={"customer_type": link.customer_type, "sync_status": link.sync_status},
    )


# What an order activated in Salesforce refuses to change: its status back to a Draft-category
# value, and its account (Order object: "Status ... the only field you can update when activating";
# https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_order.htm).
SET_ON_CREATE = ("Status", "AccountId")
# Who the order belongs to, as the identity map remembers it (contact_id, customer_type, sync_status).
LINK_FIELDS = ("Contact__c", "Customer_Type__c", "Commerce_Sync_Status__c")


def changeable_fields(fields: dict[str, Any], known: Identity | None) -> dict[str, Any]:
    """An order's body: all of it when the order is new to us; for a known order no Status (Draft
    is only where an order starts, an agent may have activated it since), no AccountId unless
    the link moves it (a guest order leaving its site's Account for its Contact's), and no link
    fields unless the link changes."""
    if known is None:
        return fields
    body = {k: v for k, v in fields.items() if k != "Status"}
    if (known.contact_id, known.customer_type, known.sync_status) == tuple(map(fields.get, LINK_FIELDS)):
        # The link it knows is there is not sent again: a conversion may have re-flagged the order
        # Registered since this update read the identity map, and an update must not undo that
        # (an order's header names no customer number to serialise on; see guest_orders).
        body = {k: v for k, v in body.items() if k not in LINK_FIELDS}
    if known.account_id and body.get("AccountId") == known.account_id:
        del body["AccountId"]
    return body


def _run_order_write(plan: WritePlan, fields: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Run the plan, correcting once what the identity map could not know (one more call, only then);
    returns the results and the order body Salesforce took. An order it did not know that turns out
    activated in Salesforce (its refusal names Status or AccountId) is sent again without them; an
    order it knew that is gone from Salesforce (the upsert creates it) is sent again whole, as the
    Draft a new order starts as."""
    try:
        return plan.run(), plan.body_of("order")
    except PermanentSalesforceError as exc:
        if exc.operation not in ("upsert", "composite:order"):
            raise
        sent = plan.body_of("order")
        refused = {field for detail in exc.details for field in detail.fields}
        if exc.error_code == "FIELD_INTEGRITY_EXCEPTION" and refused & set(SET_ON_CREATE) & set(sent):
            body = {k: v for k, v in sent.items() if k not in SET_ON_CREATE}
            return plan.with_body("order", body).run(), body
        if exc.error_code == "REQUIRED_FIELD_MISSING" and sent != fields:
            return plan.with_body("order", fields).run(), fields
        raise


def _ids(order_id: str, contact_id: str, account_id: str) -> dict[str, str]:
    ids = {"order_id": order_id}
    if contact_id:
        ids["contact_id"] = contact_id
    if account_id:
        ids["account_id"] = account_id
    return ids
