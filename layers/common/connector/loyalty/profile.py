"""The customer's loyalty profile, as the reference's Customer Loyalty Profile component shows it:
demographics, member status, opted-in, suspended, tier, lifetime value, point accounts with their
balances, and offers by state (Issued, Available, Redeemed, Expired; revoked ones apart).

`GET /v1/loyalty/customers/{key}`: the key is the external id or the email, per the Search by
External ID setting. With Auto Sync from loyalty on and `?salesforce_id=` given, the platform's
values are written into the parent record's mapped fields that differ (one read, at most one
update); Salesforce down or the record gone never fails the read: the answer says so.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import unquote

from pydantic import BaseModel, TypeAdapter, ValidationError

from connector.envelope import CompleteAnswer, UnstatedRule
from connector.errors import MappingError, NotFoundError, TransientError
from connector.loyalty.customer_ref import EXTERNAL_ID_MAX_LENGTH, EXTERNAL_ID_PATTERN, CustomerRef, ExternalId
from connector.loyalty.parent_record import read_record, sync_record_from_loyalty
from connector.loyalty.profile_values import EMAIL
from connector.observability import logger
from connector.salesforce.errors import SalesforceError
from connector.services import Services
from connector.value_types import Email, SalesforceId

# An external id in a request path: one segment of letters, digits and . _ : - (a Salesforce Id fits).
_EXTERNAL_ID = re.compile(EXTERNAL_ID_PATTERN)
# The path's key, as the document states it: either kind (which one the Search by External ID setting
# takes is the configuration's, a 422 the document names: KEY_OF_THE_OTHER_KIND).
LoyaltyKey = ExternalId | Email
KEY_OF_THE_OTHER_KIND = UnstatedRule(
    ("key",), "mapping_error", "an email when Search by External ID is on, an external id when it is off"
)
_SALESFORCE_ID: TypeAdapter[str] = TypeAdapter(SalesforceId)
NOT_ENROLLED = "no loyalty customer has this key: the customer is not enrolled and can be enrolled (customer.enroll)"


class PointAccount(BaseModel):
    name: str
    available_balance: int
    life_time_value: int


class Address(CompleteAnswer):
    address: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None


class OffersByState(CompleteAnswer):
    """The profile's offer tabs: Issued, Available (the active catalog offers that can be issued, not
    the rewards bought with points),
    Redeemed, Expired; revoked offers (Revoke and Exclude) in a group of their own."""

    issued: list[dict[str, Any]]
    available: list[dict[str, Any]]
    redeemed: list[dict[str, Any]]
    expired: list[dict[str, Any]]
    revoked: list[dict[str, Any]]


class SalesforceSync(CompleteAnswer):
    """What Auto Sync from loyalty did to the parent record on this read."""

    status: Literal["updated", "unchanged", "not_found", "unavailable", "refused"]
    salesforce_id: str
    fields: list[str]


class LoyaltyProfile(CompleteAnswer):
    customer_id: str
    external_id: str | None
    email: str | None
    first_name: str | None
    last_name: str | None
    gender: str | None
    dob: str | None
    locale: str | None
    phone: str | None
    address: Address
    member_status: str | None
    enrolled: bool
    opted_in: bool
    suspended: bool
    tier: str | None
    # The points earned to date over every point account (the reference's "life time value").
    lifetime_value: int
    available_points: int
    point_accounts: list[PointAccount]
    offers: OffersByState
    created_at: str | None
    updated_at: str | None
    # Present (not null) when Auto Sync from loyalty ran on this read.
    salesforce_sync: SalesforceSync | None


def is_external_id(value: str) -> bool:
    """Whether `value` can be a loyalty external id: one path segment (the platform's API addresses
    customers by it), of letters, digits and . _ : -, not only dots."""
    return bool(_EXTERNAL_ID.fullmatch(value)) and len(value) <= EXTERNAL_ID_MAX_LENGTH


def customer_ref_of_key(key: str, search_by_external_id: bool) -> CustomerRef:
    """The path's key as the customer reference the setting asks for; malformed: 422 naming `key`."""
    key = unquote(key)
    if search_by_external_id:
        if not is_external_id(key):
            raise MappingError(["key"], "not an external id (Search by External ID is on): letters, digits, . _ : -")
        return CustomerRef(external_id=key)
    try:
        return CustomerRef(email=EMAIL.validate_python(key))
    except ValidationError:
        raise MappingError(["key"], "not an email address (Search by External ID is off)") from None


def read_profile(services: Services, key: str, salesforce_id: str | None = None) -> LoyaltyProfile:
    config = services.settings.config.loyalty
    ref = customer_ref_of_key(key, config.search_by_external_id)
    if salesforce_id is not None:
        try:
            salesforce_id = _SALESFORCE_ID.validate_python(salesforce_id)
        except ValidationError:
            raise MappingError(["salesforce_id"], "not a Salesforce Id (15 or 18 letters and digits)") from None
    loyalty = services.loyalty
    customer = loyalty.find_user(ref)
    if customer is None:
        raise NotFoundError(["key"], NOT_ENROLLED)
    customer_id = str(customer["id"])
    points = loyalty.point_accounts(customer_id)
    offers = _offers_by_state(loyalty.user_offers(customer_id), loyalty.catalog_offers())
    sync = None
    if config.auto_sync_from_loyalty and salesforce_id:
        sync = _auto_sync(services, salesforce_id, customer)
    accounts = [PointAccount.model_validate(a) for a in points.get("point_accounts") or ()]
    return LoyaltyProfile(
        customer_id=customer_id,
        external_id=customer.get("external_id"),
        email=customer.get("email"),
        first_name=customer.get("first_name"),
        last_name=customer.get("last_name"),
        gender=customer.get("gender"),
        dob=customer.get("dob"),
        locale=customer.get("locale"),
        phone=customer.get("phone"),
        address=Address(**{f: customer.get(f) for f in ("address", "city", "state", "zip", "country")}),
        member_status=customer.get("account_status"),
        enrolled=bool(customer.get("enrolled")),
        opted_in=bool(customer.get("opted_in")),
        suspended=bool(customer.get("suspended")),
        tier=customer.get("tier"),
        lifetime_value=sum(a.life_time_value for a in accounts),
        available_points=int(points.get("available_points") or 0),
        point_accounts=accounts,
        offers=offers,
        created_at=customer.get("created_at"),
        updated_at=customer.get("updated_at"),
        salesforce_sync=sync,
    )


def _offers_by_state(user_offers: list[dict[str, Any]], catalog: list[dict[str, Any]]) -> OffersByState:
    groups: dict[str, list[dict[str, Any]]] = {"issued": [], "redeemed": [], "expired": [], "revoked": []}
    for offer in user_offers:
        groups.setdefault(str(offer.get("status")), []).append(offer)
    return OffersByState(
        issued=groups["issued"],
        # Rewards (a points cost) are bought in the reward store, never issued: not Available.
        available=[o for o in catalog if o.get("status", "active") == "active" and not o.get("points_cost")],
        redeemed=groups["redeemed"],
        expired=groups["expired"],
        revoked=groups["revoked"],
    )


def _auto_sync(services: Services, salesforce_id: str, customer: dict[str, Any]) -> SalesforceSync:
    """Auto Sync from loyalty: the read never fails for it; what happened is in the answer."""
    try:
        record = read_record(services, salesforce_id, ["salesforce_id"])
        written = sync_record_from_loyalty(services, record, customer)
    except NotFoundError:
        return SalesforceSync(status="not_found", salesforce_id=salesforce_id, fields=[])
    except (TransientError, SalesforceError) as exc:
        # Codes only: a refusal's message may quote the values.
        logger.warning("auto sync from loyalty: Salesforce did not take it", extra={"error": type(exc).__name__})
        status: Literal["unavailable", "refused"] = "unavailable" if isinstance(exc, TransientError) else "refused"
        return SalesforceSync(status=status, salesforce_id=salesforce_id, fields=[])
    return SalesforceSync(status="updated" if written else "unchanged", salesforce_id=salesforce_id, fields=written)
