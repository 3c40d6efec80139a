"""The customer commands' payloads and answers (customer.enroll, .update, .sync, .merge)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connector.config.loyalty import ParentObject
from connector.envelope import Command, CompleteAnswer
from connector.loyalty.models import (
    CONFIGURED_VALUES,
    ActionData,
    Agent,
    CustomerRef,
    LoyaltyActionAnswer,
    LoyaltyCommand,
)
from connector.loyalty.profile import is_external_id
from connector.loyalty.profile_values import MAX_TEXT
from connector.value_types import Email, PersonName, SalesforceId


# -- models ---------------------------------------------------------------------------------------
class EnrollCustomer(CustomerRef):
    """The parent record's customer: its email (required: the platform's login), external id (empty:
    the record's Salesforce Id is taken) and whatever profile fields the component sends."""

    email: Email
    first_name: PersonName | None = Field(default=None, max_length=MAX_TEXT)
    last_name: PersonName | None = Field(default=None, max_length=MAX_TEXT)
    gender: str | None = Field(default=None, max_length=MAX_TEXT)
    dob: date | None = None
    locale: str | None = Field(default=None, max_length=MAX_TEXT)
    phone: str | None = Field(default=None, max_length=MAX_TEXT)
    address: str | None = Field(default=None, max_length=MAX_TEXT)
    city: str | None = Field(default=None, max_length=MAX_TEXT)
    state: str | None = Field(default=None, max_length=MAX_TEXT)
    zip: str | None = Field(default=None, max_length=MAX_TEXT)
    country: str | None = Field(default=None, max_length=MAX_TEXT)
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
    unstated_rules = (*Command.unstated_rules, CONFIGURED_VALUES)


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
    unstated_rules = (*Command.unstated_rules, CONFIGURED_VALUES)


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
