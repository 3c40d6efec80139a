"""Customer profile -> Contact fields, as the connector config maps them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector.config import CommerceConfig
from connector.crm.names import street

if TYPE_CHECKING:
    # Annotations only: the order and Contact Us functions map Contacts without building the
    # customer events' models.
    from connector.commerce.models import Customer, CustomerAddress, CustomerData

CUSTOMER_NO_FIELD = "Commerce_Customer_No__c"
CUSTOMER_LIST_FIELD = "Commerce_Customer_List_Id__c"


def contact_fields(
    data: CustomerData, config: CommerceConfig, sync_status: str, *, state_country_picklists: bool = False
) -> dict[str, Any]:
    """The Contact as the storefront describes it: mapped profile, address, type and sync status.

    The storefront's address holds ISO codes. An org with state and country picklists takes them in
    MailingStateCode / MailingCountryCode and refuses them in MailingState / MailingCountry, which
    then hold the full names (the org fills those in from the codes)."""
    customer: Customer = data.customer
    profile = customer.model_dump(mode="json")
    fields: dict[str, Any] = {}
    for source, target in config.contact_field_mapping.items():
        if profile.get(source) is not None:
            fields[target] = profile[source]
    # LastName is required on a Contact; a profile without one still needs a name to be saved.
    fields.setdefault("LastName", customer.last_name or customer.email.split("@", 1)[0])
    address = customer.preferred_address
    if address is not None:
        fields.update(mailing_address(address, state_country_picklists=state_country_picklists))
    fields.update(
        {
            "Commerce_Site_Id__c": data.site_id,
            "Customer_Type__c": "Registered",
            "Commerce_Sync_Status__c": sync_status,
        }
    )
    return {k: v for k, v in fields.items() if v is not None}


def mailing_address_mapping(*, state_country_picklists: bool = False) -> dict[str, str]:
    """Contact field -> the field of the customer's preferred address it holds: the one mapping of the
    address, read by `contact_fields` and reversed when a Contact changed in Salesforce goes back to
    the storefront (connector.relay.changes). MailingStreet holds address1 and address2 joined by a
    line break."""
    state, country = (
        ("MailingStateCode", "MailingCountryCode") if state_country_picklists else ("MailingState", "MailingCountry")
    )
    return {
        "MailingStreet": "address1",
        "MailingCity": "city",
        "MailingPostalCode": "postal_code",
        state: "state_code",
        country: "country_code",
    }


def mailing_address(address: CustomerAddress, *, state_country_picklists: bool = False) -> dict[str, Any]:
    """The Contact's Mailing fields from the customer's address (ISO codes upper-cased into the code
    fields of an org with state and country picklists)."""
    fields: dict[str, Any] = {}
    for target, part in mailing_address_mapping(state_country_picklists=state_country_picklists).items():
        value = street(address.address1, address.address2) if part == "address1" else getattr(address, part)
        if state_country_picklists and part in ("state_code", "country_code") and value:
            value = value.upper()
        fields[target] = value
    return fields


def address_of_street(street_value: str | None) -> dict[str, str | None]:
    """MailingStreet back into the address lines: its first line, and the rest (None when there is none)."""
    first, _, rest = (street_value or "").partition("\n")
    return {"address1": first or None, "address2": rest or None}


# Contact field -> the same field seen on a Person Account.
_PERSON_STANDARD = {
    "Email": "PersonEmail",
    "HomePhone": "PersonHomePhone",
    "MobilePhone": "PersonMobilePhone",
    "Birthdate": "PersonBirthdate",
    "MailingStreet": "PersonMailingStreet",
    "MailingCity": "PersonMailingCity",
    "MailingState": "PersonMailingState",
    "MailingStateCode": "PersonMailingStateCode",
    "MailingPostalCode": "PersonMailingPostalCode",
    "MailingCountry": "PersonMailingCountry",
    "MailingCountryCode": "PersonMailingCountryCode",
    "HasOptedOutOfEmail": "PersonHasOptedOutOfEmail",
}
PERSON_CUSTOMER_NO_FIELD = "Commerce_Customer_No__pc"


def as_person_account(fields: dict[str, Any]) -> dict[str, Any]:
    """Contact fields renamed for a Person Account: PersonEmail..., custom `X__c` -> `X__pc`."""
    renamed: dict[str, Any] = {}
    for name, value in fields.items():
        if name in ("AccountId",):
            continue
        if name.endswith("__c"):
            renamed[name[:-3] + "__pc"] = value
        else:
            renamed[_PERSON_STANDARD.get(name, name)] = value
    return renamed


def fingerprint(fields: dict[str, Any]) -> str:
    """A short digest of what was written: the same digest means an update would change nothing."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:32]
