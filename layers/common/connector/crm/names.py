"""Person names as Salesforce's fields hold them.

A name the connector derives (split from a full name, joined from two, an email standing in for a
missing last name) must fit its field, or Salesforce refuses the whole write with STRING_TOO_LONG
(which would answer 422 for data the caller sent correctly). Lengths from the object reference:
Contact FirstName 40, LastName 80 (the same on a person account), Case SuppliedName 80
(Salesforce field reference: https://developer.salesforce.com/docs/atlas.en-us.244.0.sfFieldRef.meta/sfFieldRef/
salesforce_field_reference_Account.htm, .../salesforce_field_reference_Case.htm).
"""

from __future__ import annotations

FIRST_NAME_LENGTH = 40
LAST_NAME_LENGTH = 80
SUPPLIED_NAME_LENGTH = 80
# Contact MailingStreet (and Account BillingStreet): a textarea of 255.
STREET_LENGTH = 255


def cut_to_fit(value: str | None, length: int) -> str | None:
    """`value` cut to `length` characters (no trailing blank left by the cut); None stays None."""
    if value is None or len(value) <= length:
        return value
    return value[:length].rstrip() or None


def first_name(value: str | None) -> str | None:
    return cut_to_fit(value, FIRST_NAME_LENGTH)


def last_name(value: str) -> str:
    """A LastName is required: what is left after the cut is never empty when `value` was not."""
    return cut_to_fit(value, LAST_NAME_LENGTH) or value[:LAST_NAME_LENGTH]


def supplied_name(*parts: str | None) -> str | None:
    """The name a web form's sender gave, joined from its parts, as Case.SuppliedName holds it."""
    return cut_to_fit(" ".join(part for part in parts if part) or None, SUPPLIED_NAME_LENGTH)


def street(*lines: str | None) -> str | None:
    """Address lines joined as one street field holds them, cut to its length (two lines of 255
    each are valid storefront data, but not together)."""
    return cut_to_fit("\n".join(line for line in lines if line) or None, STREET_LENGTH)
