"""The loyalty section of the config document: the settings of the loyalty connector for Service Cloud.

Reference: ../shared/reference/loyalty-sessionm-service-cloud-use-case.md (Parent Object, Search by
External ID, Sync Customer Changes, Enroll in Loyalty, Auto Sync from loyalty, Merge on Parent
Merge, the field mapping between the loyalty profile and the parent record) and
../shared/reference/loyalty-sessionm-customer-profile.md (point accounts and sources, note reasons,
the activity log).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from connector.config._base import ApiName, Strict

ParentObject = Literal["Contact", "Account"]

# The loyalty platform's customer profile fields a mapping or an edit may name.
LOYALTY_PROFILE_FIELDS = (
    "external_id",
    "email",
    "first_name",
    "last_name",
    "gender",
    "dob",
    "locale",
    "phone",
    "address",
    "city",
    "state",
    "zip",
    "country",
    "opted_in",
)

DEFAULT_FIELD_MAPPING: dict[ParentObject, dict[str, str]] = {
    "Contact": {
        "first_name": "FirstName",
        "last_name": "LastName",
        "email": "Email",
        "dob": "Birthdate",
        "phone": "Phone",
        "address": "MailingStreet",
        "city": "MailingCity",
        "state": "MailingState",
        "zip": "MailingPostalCode",
        "country": "MailingCountry",
    },
    # Person accounts: the person's fields on the Account.
    "Account": {
        "first_name": "FirstName",
        "last_name": "LastName",
        "email": "PersonEmail",
        "dob": "PersonBirthdate",
        "phone": "Phone",
        "address": "BillingStreet",
        "city": "BillingCity",
        "state": "BillingState",
        "zip": "BillingPostalCode",
        "country": "BillingCountry",
    },
}

# What the profile component lets an agent edit: every profile field but the two keys (a changed
# key would leave the parent record naming nobody; the email is changed in Salesforce, then synced).
DEFAULT_EDITABLE_FIELDS = tuple(name for name in LOYALTY_PROFILE_FIELDS if name not in ("external_id", "email"))


def _non_empty_names(value: tuple[str, ...]) -> tuple[str, ...]:
    if not value or any(not name.strip() for name in value):
        raise ValueError("list at least one name, none of them empty")
    return value


class LoyaltyConfig(Strict):
    # The Salesforce object a loyalty customer is: a Contact, or a (person) Account.
    parent_object: ParentObject = "Contact"
    # How a customer is found on the platform: by the parent record's external id (on), or by email.
    search_by_external_id: bool = True
    # The parent object's field holding the loyalty external id.
    external_id_field: ApiName = "Loyalty_External_Id__c"
    # A Contact/Account created or changed in Salesforce creates or updates the loyalty customer.
    sync_customer_changes: bool = False
    # Enrolment makes the new customer a member of the loyalty program.
    enroll_in_loyalty: bool = True
    # A profile read writes the platform's values into the parent record's mapped fields.
    auto_sync_from_loyalty: bool = False
    # A merge of parent records in Salesforce merges their loyalty customers.
    merge_on_parent_merge: bool = True
    # Per parent object: loyalty profile field -> Salesforce field.
    field_mapping: dict[ParentObject, dict[str, ApiName]] = Field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_FIELD_MAPPING.items()}
    )
    # The profile fields an agent may change (customer.update).
    editable_fields: tuple[str, ...] = DEFAULT_EDITABLE_FIELDS
    # What an agent may pick when awarding points and adding notes (the reference's picklists).
    point_accounts: tuple[str, ...] = ("Point Account",)
    point_sources: tuple[str, ...] = ("Customer Service",)
    point_reasons: tuple[str, ...] = ("Late delivery", "Goodwill", "Service recovery", "Other")
    note_reasons: tuple[str, ...] = ("Duplicate User", "Other", "Complaint", "Follow-up")
    # The activity timeline's largest page.
    activity_max_page_size: int = Field(default=50, ge=1, le=100)
    # A completed Task on the customer's record for every action (the audit trail).
    audit_tasks: bool = True

    @field_validator("field_mapping")
    @classmethod
    def _keys_are_profile_fields(cls, value: dict[ParentObject, dict[str, str]]) -> dict[ParentObject, dict[str, str]]:
        for parent, mapping in value.items():
            unknown = sorted(set(mapping) - set(LOYALTY_PROFILE_FIELDS))
            if unknown:
                raise ValueError(f"{parent}: not loyalty profile fields: {', '.join(unknown)}")
            # One Salesforce field per loyalty field: two sharing one (API names ignore case) would
            # overwrite each other on the record, and a sync from the record could not tell them apart.
            targets = [name.casefold() for name in mapping.values()]
            shared = sorted({name for name in mapping.values() if targets.count(name.casefold()) > 1})
            if shared:
                raise ValueError(f"{parent}: more than one loyalty field mapped to {', '.join(shared)}")
        return value

    @field_validator("editable_fields")
    @classmethod
    def _editable_are_profile_fields(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(LOYALTY_PROFILE_FIELDS))
        if unknown:
            raise ValueError(f"not loyalty profile fields: {', '.join(unknown)}")
        if "external_id" in value:
            # The customer's key, held by the parent record's external-id field, which an update
            # does not write: changed on the platform alone, the record would name nobody.
            raise ValueError("external_id is the customer's key and cannot be editable")
        return value

    @field_validator("point_accounts", "point_sources", "point_reasons", "note_reasons")
    @classmethod
    def _lists_are_named(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _non_empty_names(value)

    def mapping(self) -> dict[str, str]:
        """The field mapping of the configured parent object."""
        return dict(self.field_mapping.get(self.parent_object, {}))
