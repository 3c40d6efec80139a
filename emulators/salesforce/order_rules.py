"""Order status categories and what an activated order refuses.

Salesforce's Order object (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_order.htm):
every `Status` value belongs to a status category, `StatusCode` (Draft or Activated); an order is
created in a Draft-category status, and "the application can subsequently activate an order by
updating it and setting the value in its Status field to an Activated state; however, the Status
field is the only field you can update when activating the order". Once activated it cannot go
back to a Draft status and its account cannot change. The error code is Salesforce's
FIELD_INTEGRITY_EXCEPTION, which its built-in Order validations answer with the field at fault.
"""

from __future__ import annotations

from .errors import bad_request
from .records import WriteRequest
from .schema import ObjectDef
from .store import Record

# Status value -> status category (the default Order.Status picklist of a new org).
STATUS_CATEGORIES = {"Draft": "Draft", "Activated": "Activated"}


def status_category(status: object) -> str:
    return STATUS_CATEGORIES.get(str(status), "Draft")


class OrderRules:
    def before_write(self, request: WriteRequest, record: Record) -> None:
        if request.obj.name != "Order":
            return
        category = status_category(record.get("Status"))
        record["StatusCode"] = category
        if request.internal:
            return
        if request.creating:
            if category == "Activated":
                raise bad_request(
                    "FIELD_INTEGRITY_EXCEPTION",
                    "Choose a valid order status and save your changes. An order must be created in a Draft status.",
                    ["Status"],
                )
        else:
            existing = request.existing or {}
            was = status_category(existing.get("Status"))
            changes = request.changes
            if was == "Draft" and category == "Activated":
                others = [n for n, v in changes.items() if n != "Status" and existing.get(n) != v]
                if others:
                    raise bad_request(
                        "FIELD_INTEGRITY_EXCEPTION",
                        "When activating an order, Status is the only field you can update.",
                        others,
                    )
            if was == "Activated" and category == "Draft":
                message = "You can't change the status of an activated order to Draft."
                raise bad_request("FIELD_INTEGRITY_EXCEPTION", message, ["Status"])
            if was == "Activated" and "AccountId" in changes and changes["AccountId"] != existing.get("AccountId"):
                raise bad_request(
                    "FIELD_INTEGRITY_EXCEPTION", "You can't change the account of an activated order.", ["AccountId"]
                )

    def after_write(self, request: WriteRequest, record: Record) -> None:
        return None

    def before_delete(self, obj: ObjectDef, record: Record, *, internal: bool) -> None:
        return None
