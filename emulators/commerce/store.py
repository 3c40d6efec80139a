"""In-memory customers, orders and access tokens of the commerce emulator.

Documents are stored as OCAPI would render them, minus the per-response `_v`. Like OCAPI, a
document omits the fields it has no value for (the connector must cope with absent keys).
`customer_list_id` on a customer is this emulator's addition: OCAPI knows the list from the site,
and the connector needs it to pick the Salesforce Account.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from emulators._base import JSON, ApiError, new_id, now_iso

DEFAULT_SITE_ID = "RefArch"
DEFAULT_CUSTOMER_LIST_ID = "RefArchGlobal"
TOKEN_TTL_SECONDS = 1799
ORDER_STATUSES = ("created", "new", "open", "completed", "cancelled", "replaced", "failed")
CONFIRMATION_STATUSES = ("not_confirmed", "confirmed")
PAYMENT_STATUSES = ("not_paid", "part_paid", "paid")
SHIPPING_STATUSES = ("not_shipped", "part_shipped", "shipped")
AUTH_TYPES = ("registered", "guest")
GENDERS = (1, 2)  # OCAPI: 1 male, 2 female
# Only what OCAPI exposes of a payment instrument: never a card number or security code.
PAYMENT_INSTRUMENT_FIELDS = ("payment_instrument_id", "payment_method_id", "amount")
PAYMENT_CARD_FIELDS = ("card_type", "masked_number", "expiration_month", "expiration_year", "holder")
# The customer document's fields a Data API PATCH may set (Customer document, Data API: the strings
# below, `gender` 1|2, `birthday` a date), and those the storefront sets itself, which a PATCH naming
# them is refused for. `customer_no` may be changed ("will result in a CustomerNumberAlreadyInUseException
# if there is already another customer with the same customer number":
# https://documentation.b2c.commercecloud.salesforce.com/DOC1/topic/com.demandware.dochelp/OCAPI/19.3/data/Resources/CustomerLists.html).
PATCHABLE_TEXT_FIELDS = (
    "company_name",
    "customer_no",
    "email",
    "fax",
    "first_name",
    "job_title",
    "last_name",
    "note",
    "phone_business",
    "phone_home",
    "phone_mobile",
    "preferred_locale",
    "salutation",
    "second_name",
    "suffix",
    "title",
)
# A customer address document's fields a PATCH of .../addresses/{address_name} may set (strings;
# `preferred` a boolean), and those it may not.
PATCHABLE_ADDRESS_FIELDS = (
    "address1",
    "address2",
    "city",
    "company_name",
    "country_code",
    "first_name",
    "full_name",
    "job_title",
    "last_name",
    "phone",
    "post_box",
    "postal_code",
    "salutation",
    "second_name",
    "state_code",
    "suffix",
    "title",
)
READ_ONLY_ADDRESS_FIELDS = ("address_id", "creation_date", "last_modified")
READ_ONLY_CUSTOMER_FIELDS = (
    "customer_id",
    "creation_date",
    "last_modified",
    "last_login_time",
    "last_visit_time",
    "previous_login_time",
    "previous_visit_time",
    "auth_type",
    "addresses",
    "customer_list_id",
)


def bad(message: str) -> ApiError:
    return ApiError(400, message, "PropertyConstraintViolationException")


def _object(value: object, what: str) -> JSON:
    if not isinstance(value, dict):
        raise bad(f"{what} must be an object.")
    return dict(value)


def _optional_str(doc: Mapping[str, Any], key: str, what: str) -> None:
    if doc.get(key) is not None and not isinstance(doc[key], str):
        raise bad(f"{what}.{key} must be a string.")


def _number(doc: Mapping[str, Any], key: str, what: str) -> float | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad(f"{what}.{key} must be a number.")
    return float(value)


def _enum(doc: JSON, key: str, allowed: tuple[Any, ...], what: str, default: Any = None) -> None:
    if doc.get(key) is None:
        if default is not None:
            doc[key] = default
        return
    if doc[key] not in allowed:
        raise ApiError(400, f"{what}.{key} must be one of {list(allowed)}.", "EnumConstraintViolationException")


def _drop_nulls(doc: JSON) -> JSON:
    return {k: v for k, v in doc.items() if v is not None}


def normalize_customer(raw: object) -> tuple[str, JSON]:
    """(site_id, customer document) from a seed entry, defaults filled in."""
    doc = _object(raw, "customer")
    site_id = doc.pop("site_id", None) or DEFAULT_SITE_ID
    for key in ("customer_no", "customer_id", "email", "first_name", "last_name", "customer_list_id"):
        _optional_str(doc, key, "customer")
    if not (doc.get("customer_no") or doc.get("customer_id") or doc.get("email")):
        raise bad("A customer needs 'customer_no', 'customer_id' or 'email'.")
    if doc.get("gender") is not None and doc["gender"] not in GENDERS:
        raise ApiError(400, "customer.gender must be 1 or 2.", "EnumConstraintViolationException")
    _enum(doc, "auth_type", AUTH_TYPES, "customer", "registered" if doc.get("customer_no") else "guest")
    stamp = now_iso()
    doc.setdefault("customer_id", new_id("bc", 24))
    doc.setdefault("customer_list_id", DEFAULT_CUSTOMER_LIST_ID)
    doc.setdefault("creation_date", stamp)
    doc.setdefault("last_modified", doc["creation_date"])
    addresses = doc.get("addresses") or []
    if not isinstance(addresses, list):
        raise bad("customer.addresses must be a list.")
    doc["addresses"] = [_address(a, i) for i, a in enumerate(addresses, start=1)]
    doc["_type"] = "customer"
    return site_id, _drop_nulls(doc)


def _customer_patch(body: JSON) -> JSON:
    """A PATCH body checked field by field as OCAPI checks a document: an unknown property, a
    read-only one, or a value of the wrong type is a 400 naming the property, and nothing changes."""
    for key, value in body.items():
        if key == "_v" or key == "_type":
            continue
        if key in READ_ONLY_CUSTOMER_FIELDS:
            raise ApiError(400, f"The property '{key}' is read-only and cannot be set.", "ReadOnlyPropertyException")
        if key in PATCHABLE_TEXT_FIELDS or key.startswith("c_"):
            if value is not None and not isinstance(value, str):
                raise bad(f"customer.{key} must be a string.")
            if key in ("last_name", "customer_no") and not value:
                raise bad(f"customer.{key} is mandatory and cannot be cleared.")
        elif key == "gender":
            if value is not None and value not in GENDERS:
                raise ApiError(400, "customer.gender must be 1 or 2.", "EnumConstraintViolationException")
        elif key == "birthday":
            if value is not None and (not isinstance(value, str) or not _is_date(value)):
                raise bad("customer.birthday must be a date (YYYY-MM-DD).")
        else:
            raise ApiError(
                400, f"The property '{key}' is not defined for the document 'customer'.", "UnknownPropertyException"
            )
    return {k: v for k, v in body.items() if k not in ("_v", "_type")}


def _address_patch(body: JSON) -> JSON:
    """A customer address PATCH body checked as `_customer_patch` checks a customer's."""
    for key, value in body.items():
        if key in ("_v", "_type"):
            continue
        if key in READ_ONLY_ADDRESS_FIELDS:
            raise ApiError(400, f"The property '{key}' is read-only and cannot be set.", "ReadOnlyPropertyException")
        if key == "preferred":
            if not isinstance(value, bool):
                raise bad("customer_address.preferred must be a boolean.")
        elif key in PATCHABLE_ADDRESS_FIELDS or key.startswith("c_"):
            if value is not None and not isinstance(value, str):
                raise bad(f"customer_address.{key} must be a string.")
        else:
            raise ApiError(
                400,
                f"The property '{key}' is not defined for the document 'customer_address'.",
                "UnknownPropertyException",
            )
    return {k: v for k, v in body.items() if k not in ("_v", "_type")}


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _address(raw: object, index: int) -> JSON:
    address = _object(raw, "customer.addresses[]")
    address.setdefault("address_id", f"address{index}")
    address.setdefault("preferred", False)
    address["_type"] = "customer_address"
    return _drop_nulls(address)


def normalize_order(raw: object) -> tuple[str, JSON]:
    """(site_id, order document) from a seed entry, defaults and totals filled in."""
    doc = _object(raw, "order")
    site_id = doc.pop("site_id", None) or DEFAULT_SITE_ID
    if not isinstance(doc.get("order_no"), str) or not doc["order_no"]:
        raise bad("order.order_no is required and must be a string.")
    _enum(doc, "status", ORDER_STATUSES, "order", "new")
    _enum(doc, "confirmation_status", CONFIRMATION_STATUSES, "order", "confirmed")
    _enum(doc, "payment_status", PAYMENT_STATUSES, "order", "not_paid")
    _enum(doc, "shipping_status", SHIPPING_STATUSES, "order", "not_shipped")
    doc.setdefault("currency", "USD")
    doc.setdefault("creation_date", now_iso())
    doc.setdefault("last_modified", doc["creation_date"])

    info = _object(doc.get("customer_info") or {}, "order.customer_info")
    for key in ("customer_no", "customer_id", "email", "customer_name"):
        _optional_str(info, key, "order.customer_info")
    info.setdefault("customer_id", new_id("bc", 24))
    info["_type"] = "customer_info"
    doc["customer_info"] = _drop_nulls(info)  # a guest order has no customer_no at all

    if doc.get("billing_address") is not None:
        doc["billing_address"] = _object(doc["billing_address"], "order.billing_address") | {"_type": "order_address"}
    doc["product_items"] = [_product_item(p) for p in _list(doc, "product_items")]
    doc["shipments"] = [_shipment(s, i) for i, s in enumerate(_list(doc, "shipments"), start=1)]
    doc["payment_instruments"] = [_payment(p) for p in _list(doc, "payment_instruments")]
    _totals(doc)
    doc["_type"] = "order"
    return site_id, _drop_nulls(doc)


def _list(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key) or []
    if not isinstance(value, list):
        raise bad(f"order.{key} must be a list.")
    return value


def _product_item(raw: object) -> JSON:
    item = _object(raw, "order.product_items[]")
    if not isinstance(item.get("product_id"), str):
        raise bad("order.product_items[].product_id is required.")
    item.setdefault("item_id", new_id("", 26))
    item.setdefault("quantity", 1)
    _number(item, "price", "order.product_items[]")
    item["_type"] = "product_item"
    return item


def _shipment(raw: object, index: int) -> JSON:
    shipment = _object(raw, "order.shipments[]")
    shipment.setdefault("shipment_id", "me" if index == 1 else f"shipment{index}")
    if shipment.get("shipping_address") is not None:
        shipment["shipping_address"] = _object(shipment["shipping_address"], "shipping_address") | {
            "_type": "order_address"
        }
    if isinstance(shipment.get("shipping_method"), str):  # accept a bare id for convenience
        shipment["shipping_method"] = {"id": shipment["shipping_method"]}
    if shipment.get("shipping_method") is not None:
        shipment["shipping_method"] = _object(shipment["shipping_method"], "shipping_method") | {
            "_type": "shipping_method"
        }
    shipment["_type"] = "shipment"
    return _drop_nulls(shipment)


def _payment(raw: object) -> JSON:
    given = _object(raw, "order.payment_instruments[]")
    payment = {k: given[k] for k in PAYMENT_INSTRUMENT_FIELDS if given.get(k) is not None}
    payment.setdefault("payment_instrument_id", new_id("", 26))
    _number(payment, "amount", "order.payment_instruments[]")
    card = given.get("payment_card")
    if isinstance(card, dict):
        payment["payment_card"] = {k: card[k] for k in PAYMENT_CARD_FIELDS if card.get(k) is not None}
    payment["_type"] = "order_payment_instrument"
    return payment


def _totals(doc: JSON) -> None:
    for key in ("order_total", "product_total", "tax_total", "shipping_total"):
        _number(doc, key, "order")
    if doc.get("product_total") is None:
        doc["product_total"] = round(sum(float(i.get("price") or 0) for i in doc["product_items"]), 2)
    doc.setdefault("tax_total", 0.0)
    doc.setdefault("shipping_total", 0.0)
    if doc.get("order_total") is None:
        doc["order_total"] = round(doc["product_total"] + doc["tax_total"] + doc["shipping_total"], 2)


class CommerceStore:
    """All state of one emulator instance; every public method is atomic."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._clear()

    def _clear(self) -> None:
        self._customers: dict[str, JSON] = {}  # customer_id -> document
        self._customer_sites: dict[str, str] = {}  # customer_id -> site_id
        self._customer_ids: dict[str, str] = {}  # customer_no -> customer_id (seeding 10,000 stays linear)
        self._orders: dict[str, JSON] = {}  # order_no -> document
        self._order_sites: dict[str, str] = {}  # order_no -> site_id
        self._lists: set[str] = {DEFAULT_CUSTOMER_LIST_ID}
        self._tokens: dict[str, float] = {}  # access token -> expiry (monotonic seconds)
        # Replication lag (off by default): what documents seeded from now on stay hidden for.
        self._lag = ReplicationLag()
        self._hidden: dict[tuple[str, str], _Hidden] = {}  # ("customer", customer_id) -> until when

    def reset(self) -> None:
        with self._lock:
            self._clear()

    # -- tokens --------------------------------------------------------------------------------
    def issue_token(self) -> str:
        token = new_id("", 40)
        with self._lock:
            self._tokens[token] = time.monotonic() + TOKEN_TTL_SECONDS
        return token

    def token_valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._tokens.get(token)
            return expiry is not None and expiry > time.monotonic()

    def expire_tokens(self) -> int:
        """Invalidate every issued token, so tests can exercise renewal on 401."""
        with self._lock:
            count = len(self._tokens)
            self._tokens.clear()
            return count

    # -- replication lag -----------------------------------------------------------------------
    def set_lag(self, body: object) -> JSON:
        """A just-created customer or order is not visible to the Shop API at once on a real
        instance (its replicas catch up): documents seeded from now on answer 404 for `seconds`
        and/or their first `reads` reads. `{}` turns it off."""
        lag = ReplicationLag.parse(body)
        with self._lock:
            self._lag = lag
        return lag.as_json()

    def lag(self) -> JSON:
        with self._lock:
            return self._lag.as_json()

    def _hide(self, kind: str, key: str) -> None:
        if self._lag.seconds or self._lag.reads:
            self._hidden[(kind, key)] = _Hidden(time.monotonic() + self._lag.seconds, self._lag.reads)

    def _visible(self, kind: str, key: str, *, read: bool) -> bool:
        """Whether a stored document shows yet; a `read` by number uses up one of its hidden reads."""
        hidden = self._hidden.get((kind, key))
        if hidden is None:
            return True
        if read and hidden.reads > 0:
            hidden.reads -= 1
            return False
        if hidden.reads > 0 or time.monotonic() < hidden.until:
            return False
        del self._hidden[(kind, key)]
        return True

    # -- seed ----------------------------------------------------------------------------------
    def seed(self, body: JSON) -> JSON:
        customers = [normalize_customer(c) for c in _seed_list(body, "customers")]
        orders = [normalize_order(o) for o in _seed_list(body, "orders")]
        lists = _seed_list(body, "customer_lists")
        if not all(isinstance(name, str) and name for name in lists):
            raise bad("customer_lists must be a list of list ids.")
        with self._lock:
            self._lists.update(lists)
            for site_id, doc in customers:
                self._put_customer(site_id, doc)
            for site_id, doc in orders:
                self._orders[doc["order_no"]] = doc
                self._order_sites[doc["order_no"]] = site_id
                self._hide("order", doc["order_no"])
        return {"customers": len(customers), "orders": len(orders), "customer_lists": len(lists)}

    def _put_customer(self, site_id: str, doc: JSON) -> None:
        # Re-seeding a customer_no replaces the earlier record, whatever its customer_id was.
        number = doc.get("customer_no")
        earlier = self._customer_ids.pop(number, None) if number else None
        if earlier is not None:
            del self._customers[earlier]
            del self._customer_sites[earlier]
        replaced = self._customers.get(doc["customer_id"])
        if replaced is not None and replaced.get("customer_no"):
            self._customer_ids.pop(replaced["customer_no"], None)
        if number:
            self._customer_ids[number] = doc["customer_id"]
        self._customers[doc["customer_id"]] = doc
        self._customer_sites[doc["customer_id"]] = site_id
        self._lists.add(doc["customer_list_id"])
        self._hide("customer", doc["customer_id"])

    # -- reads ---------------------------------------------------------------------------------
    def customer(self, site_id: str, customer_no: str) -> JSON | None:
        """By customer number; the customer id (what the real Shop API path takes) also works."""
        with self._lock:
            for cid, doc in self._customers.items():
                if self._customer_sites[cid] == site_id and customer_no in (doc.get("customer_no"), cid):
                    return copy.deepcopy(doc) if self._visible("customer", cid, read=True) else None
        return None

    def _in_list(self, list_id: str, customer_no: str) -> tuple[str, JSON]:
        if list_id not in self._lists:
            raise ApiError(404, f"No customer list with id '{list_id}' was found.", "CustomerListNotFoundException")
        cid = self._customer_ids.get(customer_no)
        doc = self._customers.get(cid) if cid else None
        if cid is None or doc is None or doc["customer_list_id"] != list_id:
            raise ApiError(404, f"No customer with number '{customer_no}' was found.", "CustomerNotFoundException")
        return cid, doc

    def customer_addresses(self, list_id: str, customer_no: str) -> list[JSON]:
        with self._lock:
            _, doc = self._in_list(list_id, customer_no)
            return copy.deepcopy(list(doc.get("addresses") or []))

    def update_customer_address(self, list_id: str, customer_no: str, address_name: str, body: JSON) -> JSON:
        """Data API customer address PATCH: only the fields given change, all or nothing."""
        changes = _address_patch(body)
        with self._lock:
            _, doc = self._in_list(list_id, customer_no)
            addresses = doc.get("addresses") or []
            index = next((i for i, a in enumerate(addresses) if a.get("address_id") == address_name), None)
            if index is None:
                raise ApiError(404, f"No address named '{address_name}' was found.", "CustomerAddressNotFoundException")
            if changes.get("preferred"):
                for other in addresses:
                    other["preferred"] = False
            addresses[index] = _drop_nulls({**addresses[index], **changes})
            doc["last_modified"] = now_iso()
            return copy.deepcopy(addresses[index])

    def update_customer(self, list_id: str, customer_no: str, body: JSON) -> JSON:
        """Data API customer PATCH: only the fields given change (null clears one), all or nothing."""
        changes = _customer_patch(body)
        with self._lock:
            cid, doc = self._in_list(list_id, customer_no)
            number = changes.get("customer_no")
            if number and number != customer_no and number in self._customer_ids:
                raise ApiError(
                    400, f"The customer number '{number}' is already in use.", "CustomerNumberAlreadyInUseException"
                )
            updated = {**doc, **changes, "last_modified": now_iso()}
            if "customer_no" in changes:
                del self._customer_ids[customer_no]
                self._customer_ids[str(number)] = str(cid)
            self._customers[str(cid)] = _drop_nulls(updated)
            return copy.deepcopy(self._customers[str(cid)])

    def order(self, site_id: str, order_no: str) -> JSON | None:
        with self._lock:
            if self._order_sites.get(order_no) != site_id or not self._visible("order", order_no, read=True):
                return None
            return copy.deepcopy(self._orders[order_no])

    def has_list(self, list_id: str) -> bool:
        with self._lock:
            return list_id in self._lists

    def customers_in_list(self, list_id: str) -> list[JSON]:
        with self._lock:
            return [
                copy.deepcopy(d)
                for cid, d in self._customers.items()
                if d["customer_list_id"] == list_id and self._visible("customer", cid, read=False)
            ]

    def orders_of_site(self, site_id: str) -> list[JSON]:
        with self._lock:
            return [
                copy.deepcopy(d)
                for no, d in self._orders.items()
                if self._order_sites[no] == site_id and self._visible("order", no, read=False)
            ]


MAX_LAG_SECONDS = 3600
MAX_LAG_READS = 1000


@dataclass(frozen=True)
class ReplicationLag:
    seconds: float = 0.0
    reads: int = 0

    @classmethod
    def parse(cls, body: object) -> ReplicationLag:
        if not isinstance(body, dict) or set(body) - {"seconds", "reads"}:
            raise bad('The replication lag is {"seconds": number, "reads": integer}, both optional.')
        seconds, reads = body.get("seconds", 0), body.get("reads", 0)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= MAX_LAG_SECONDS:
            raise bad(f"'seconds' must be a number between 0 and {MAX_LAG_SECONDS}.")
        if isinstance(reads, bool) or not isinstance(reads, int) or not 0 <= reads <= MAX_LAG_READS:
            raise bad(f"'reads' must be an integer between 0 and {MAX_LAG_READS}.")
        return cls(float(seconds), reads)

    def as_json(self) -> JSON:
        return {"seconds": self.seconds, "reads": self.reads}


@dataclass
class _Hidden:
    until: float  # monotonic seconds
    reads: int  # reads by number still answered 404


def _seed_list(body: Mapping[str, Any], key: str) -> list[Any]:
    value = body.get(key) or []
    if not isinstance(value, list):
        raise bad(f"'{key}' must be a list.")
    return value


# Search fields: OCAPI names -> how to read them from a stored document.
CUSTOMER_SEARCH_FIELDS = {
    name: (lambda doc, name=name: doc.get(name))
    for name in ("email", "customer_no", "customer_id", "first_name", "last_name", "phone_home", "phone_mobile")
}
ORDER_SEARCH_FIELDS = {
    "order_no": lambda doc: doc.get("order_no"),
    "status": lambda doc: doc.get("status"),
    "customer_email": lambda doc: doc["customer_info"].get("email"),
    "customer_no": lambda doc: doc["customer_info"].get("customer_no"),
    "customer_name": lambda doc: doc["customer_info"].get("customer_name"),
    "creation_date": lambda doc: doc.get("creation_date"),
    "last_modified": lambda doc: doc.get("last_modified"),
    "order_total": lambda doc: doc.get("order_total"),
}
