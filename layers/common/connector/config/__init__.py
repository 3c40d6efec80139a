"""The connector-config document: behaviour an integration engineer tunes without code.

Loaded once per cold start from an SSM parameter in AWS (or a file locally), validated here;
defaults follow the reference documents.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from connector.config._base import Strict as _Strict
from connector.config._base import check_api_name as _check_api_name
from connector.config.chat import ChatConfig
from connector.config.loyalty import LoyaltyConfig
from connector.config.social import SocialConfig
from connector.value_types import SalesforceId

# Customer document field -> Contact field: the storefront's profile as the CRM should hold it.
DEFAULT_CONTACT_MAPPING: dict[str, str] = {
    "first_name": "FirstName",
    "last_name": "LastName",
    "email": "Email",
    "salutation": "Salutation",
    "phone_home": "HomePhone",
    "phone_mobile": "MobilePhone",
    "birthday": "Birthdate",
    "customer_id": "Commerce_Customer_Id__c",
}


class CommerceConfig(_Strict):
    """Storefront to Service Cloud: where Contacts live and how customers are matched."""

    # `contact`: a Contact under the customer list's Account; `person_account`: a Person Account.
    customer_parent: Literal["contact", "person_account"] = "contact"
    # customer_list_id -> an existing Account Id to use instead of the list's own Account.
    customer_list_accounts: dict[str, SalesforceId] = Field(default_factory=dict)
    account_name_format: str = "{customer_list_id}"
    person_account_record_type_id: SalesforceId | None = None
    contact_field_mapping: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_CONTACT_MAPPING))
    # site_id -> customer_list_id, for records that only know their site (guest orders and contacts).
    site_customer_lists: dict[str, str] = Field(default_factory=dict)
    # The storefront site the order-details route reads from when the request names none.
    default_site_id: str = "RefArch"
    # Email is the reference's match key for guests and Contact Us.
    match_field: Literal["email"] = "email"
    # What Contact Us does for an email no Contact has: the reference describes both behaviours.
    guest_case_policy: Literal["create_contact", "leave_unlinked"] = "create_contact"
    # Replication lag: how long after an event OCAPI may still answer 404 for the customer or order
    # it announces. Until then the event is retried from the queue; after, it is dead-lettered.
    storefront_lag_seconds: int = Field(default=900, ge=0, le=7 * 24 * 3600)
    # A Contact changed in Service Cloud (Change Data Capture through Event Relay) updates its storefront
    # customer (OCAPI Data API customer PATCH) with the changed mapped fields. Off by default: the
    # storefront stays the customer's master until the retailer opts in.
    sync_salesforce_changes: bool = False

    def customer_list_of(self, site_id: str) -> str:
        return self.site_customer_lists.get(site_id, site_id)

    @field_validator("contact_field_mapping")
    @classmethod
    def _mapping_targets_are_api_names(cls, value: dict[str, str]) -> dict[str, str]:
        for target in value.values():
            _check_api_name(target)
        return value


class SalesforceConfig(_Strict):
    """Org settings a real org may have either way, which change what the connector must send, and
    how the connector spends the org's daily API allocation (a rolling 24 hours)."""

    # What happens when the org's duplicate rule flags a Contact the connector creates (the Standard
    # Contact Duplicate Rule is active in new orgs). `link`: use the one existing Contact the rule
    # names (a registration writes its profile and customer number onto it), else save with the
    # duplicate-rule header; `allow_save`: always save with the header and let the org's duplicate
    # reports show it. Either way a look-alike Contact never dead-letters a customer, unless the
    # org's rule is set to Block.
    duplicate_rule_policy: Literal["link", "allow_save"] = "link"
    # The org has State and Country/Territory Picklists enabled: ISO codes go to MailingStateCode /
    # MailingCountryCode (the org fills the full names); off, they go to MailingState / MailingCountry.
    state_country_picklists: bool = False

    # Past this share of the allocation, sync events wait in the queue instead of spending calls,
    # leaving the rest of the day to commands and to the org's other integrations.
    defer_at_api_usage: float = Field(default=0.8, gt=0, le=1)
    # How long deferred work waits before it looks again (SQS's longest message delay is 900 s);
    # also how long a reading over the threshold is trusted before one `GET /limits` re-checks it.
    defer_seconds: int = Field(default=300, ge=1, le=900)
    # The connector's own integration user (whose changes a Change Data Capture event carries back as
    # `commitUser`, and which are dropped so that nothing loops). Empty: the user the connector's OAuth
    # token acts as (the token response's identity URL).
    integration_user_id: SalesforceId | None = None


class ConnectorConfig(_Strict):
    # The document: built at import, with its sections (see Strict), and validated at each cold start.
    model_config = ConfigDict(defer_build=False)

    commerce: CommerceConfig = Field(default_factory=dict, validate_default=True)
    salesforce: SalesforceConfig = Field(default_factory=dict, validate_default=True)
    chat: ChatConfig = Field(default_factory=dict, validate_default=True)
    social: SocialConfig = Field(default_factory=dict, validate_default=True)
    loyalty: LoyaltyConfig = Field(default_factory=dict, validate_default=True)
    # How long a repeated event_id answers from the idempotency store.
    idempotency_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    # The reconciler re-queues work left RECEIVED/QUEUED longer than this. Longer than
    # `salesforce.defer_seconds`: deferred work is QUEUED for that long while its message waits.
    stuck_after_seconds: int = Field(default=900, ge=60)

    @model_validator(mode="after")
    def _sweep_waits_out_a_deferral(self) -> ConnectorConfig:
        # Shorter, every sweep would take deferred work for lost and queue one more copy of it.
        if self.stuck_after_seconds <= self.salesforce.defer_seconds:
            raise ValueError(
                f"stuck_after_seconds ({self.stuck_after_seconds}) must be longer than "
                f"salesforce.defer_seconds ({self.salesforce.defer_seconds}): the reconciler would re-queue "
                "deferred work on every sweep"
            )
        return self
