"""Person-account fields of Account: the person Contact's fields, seen from the Account.

In an org with person accounts, Account exposes the Contact's person fields under their
Account names (PersonEmail...) and every custom Contact field with a `__pc` suffix. The map
below is the single place that says which Account field mirrors which Contact field; the
write rules that use it live in `person_accounts`.
"""

from __future__ import annotations

from .schema import FieldDef, ObjectDef

# Account field -> person Contact field (standard fields; customs are derived by suffix).
STANDARD_PERSON_FIELDS: dict[str, str] = {
    "Salutation": "Salutation",
    "FirstName": "FirstName",
    "LastName": "LastName",
    "PersonEmail": "Email",
    "PersonHomePhone": "HomePhone",
    "PersonMobilePhone": "MobilePhone",
    "PersonBirthdate": "Birthdate",
    "PersonTitle": "Title",
    "PersonDepartment": "Department",
    "PersonMailingStreet": "MailingStreet",
    "PersonMailingCity": "MailingCity",
    "PersonMailingState": "MailingState",
    "PersonMailingPostalCode": "MailingPostalCode",
    "PersonMailingCountry": "MailingCountry",
    "PersonLeadSource": "LeadSource",
    "PersonHasOptedOutOfEmail": "HasOptedOutOfEmail",
}

# Account fields that mean the same thing on both kinds of account but are copied to the person
# Contact when the account is a person account.
SHARED_FIELDS: dict[str, str] = {"Phone": "Phone", "OwnerId": "OwnerId"}


def person_field_name(contact_field: FieldDef) -> str:
    return contact_field.name.removesuffix("__c") + "__pc"


def add_person_fields(account: ObjectDef, contact: ObjectDef) -> dict[str, str]:
    """Add the person fields to Account; returns the full Account -> Contact field map."""
    mapping = dict(STANDARD_PERSON_FIELDS)
    for account_name, contact_name in STANDARD_PERSON_FIELDS.items():
        source = contact.field(contact_name)
        assert source is not None, contact_name
        # LastName is required only for person accounts; that rule is enforced on write.
        account.add(
            source.with_changes(
                name=account_name, nillable=True, id_lookup=False, child_relationship_name=None, person_field=True
            )
        )
    for source in list(contact.fields):
        if not source.custom:
            continue
        name = person_field_name(source)
        relationship = source.name.removesuffix("__c") + "__pr" if source.is_reference else None
        account.add(
            source.with_changes(
                name=name, relationship_name=relationship, child_relationship_name=None, person_field=True
            )
        )
        mapping[name] = source.name
    return mapping
