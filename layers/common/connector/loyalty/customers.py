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

One module per command (enrolment, customer_update, customer_sync, merge) over their payloads
(customer_models) and shared steps (customer_steps); this module names what the trigger declares.
"""

from connector.loyalty.customer_models import (
    CustomerEnroll,
    CustomerMerge,
    CustomerSync,
    CustomerUpdate,
    EnrollAnswer,
    MergeAnswer,
    SyncAnswer,
    UpdateAnswer,
)
from connector.loyalty.customer_sync import sync_customer
from connector.loyalty.customer_update import update_customer
from connector.loyalty.enrolment import enroll_customer
from connector.loyalty.merge import merge_customers
from connector.loyalty.parent_record import ParentRecordUpdate, apply_queued_record_update
from connector.loyalty.profile import LoyaltyProfile, read_profile

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
