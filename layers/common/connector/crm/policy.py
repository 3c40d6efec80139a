"""How the connector reads Salesforce's refusals: one definition each, for every platform.

Transient versus permanent is the REST client's business (`connector.salesforce.errors`); this is
what a permanent refusal *means* for a workflow.
"""

from __future__ import annotations

from collections.abc import Callable

from connector.errors import MappingError
from connector.salesforce.errors import SalesforceError

# "This Id is gone": a record Id given to Salesforce does not (or no longer) exist, was merged or
# deleted, or is not an Id of the expected object. An Id from the identity map is then stale; an
# Id from the caller is then unusable, and the workflow falls back to matching.
# INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY is how an org answers a lookup to a record the
# integration user can no longer see, a deleted one in the Recycle Bin among them ("DATA_NOT_AVAILABLE
# - the record is no longer accessible", https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_insufficientaccesseventlog.htm):
# for the connector that Id is as unusable as a deleted one, and matching finds what it may use.
RECORD_GONE_CODES = frozenset(
    {
        "INVALID_CROSS_REFERENCE_KEY",
        "ENTITY_IS_DELETED",
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
        "NOT_FOUND",
        "MALFORMED_ID",
        "INVALID_ID_FIELD",
    }
)

# "The caller's data was refused": Salesforce refused a value itself (not the org's rules or our
# configuration). The sender has to fix it: a 422 naming the field, nothing written.
CALLER_DATA_CODES = frozenset(
    {
        "STRING_TOO_LONG",
        "INVALID_EMAIL_ADDRESS",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "NUMBER_OUTSIDE_VALID_RANGE",
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
    }
)


# FIELD_INTEGRITY_EXCEPTION is an Id of the wrong object in a lookup ("id value of incorrect type")
# only with that message: the same code refuses a restricted state or country value and a change to
# an activated order, which no forgotten identity entry can cure.
WRONG_OBJECT_ID = "id value of incorrect type"


def record_is_gone(exc: object) -> bool:
    if not isinstance(exc, SalesforceError):
        return False
    if exc.error_code == "FIELD_INTEGRITY_EXCEPTION":
        return any(WRONG_OBJECT_ID in detail.message for detail in exc.details[:1])
    return exc.error_code in RECORD_GONE_CODES


def unless_gone[R](attempt: Callable[[], R]) -> R | None:
    """`attempt()`, or None when Salesforce says an Id it was given is gone: for a record Id the
    caller sent (a storefront's Contact Id), after which the workflow falls back to matching."""
    try:
        return attempt()
    except Exception as exc:
        if not record_is_gone(exc):
            raise
        return None


def refused_caller_data(exc: object) -> MappingError | None:
    """The 422 a refusal of the caller's values deserves, or None when it is not one."""
    if not isinstance(exc, SalesforceError) or exc.error_code not in CALLER_DATA_CODES:
        return None
    fields = sorted({f for d in exc.details for f in d.fields})
    return MappingError(["salesforce", *fields], f"Salesforce refused the value: {exc.error_code}")


# Refusals that mean the connector's settings do not describe the org: what the operator should set.
_PICKLIST_CODE_FIELDS = ("MailingStateCode", "MailingCountryCode", "PersonMailingStateCode", "PersonMailingCountryCode")
_PICKLIST_NAME_FIELDS = ("MailingState", "MailingCountry", "PersonMailingState", "PersonMailingCountry")


def org_setting_advice(exc: object) -> str | None:
    """What to change in the connector config when Salesforce's refusal shows a setting that does not
    match the org (the event is dead-lettered either way; this tells the operator why)."""
    if not isinstance(exc, SalesforceError):
        return None
    fields = {f for d in exc.details for f in d.fields}
    messages = " ".join(d.message for d in exc.details)
    if exc.error_code == "INVALID_FIELD" and any(f in fields or f in messages for f in _PICKLIST_CODE_FIELDS):
        return "the org has no State and Country/Territory Picklists: set salesforce.state_country_picklists false"
    if exc.error_code == "FIELD_INTEGRITY_EXCEPTION" and fields & set(_PICKLIST_NAME_FIELDS):
        return "the org has State and Country/Territory Picklists: set salesforce.state_country_picklists true"
    if exc.error_code == "DUPLICATES_DETECTED":
        return (
            "a duplicate rule set to Block refused the record: set the rule's action to Allow (with an alert) "
            "or exclude the integration user from it"
        )
    return None
