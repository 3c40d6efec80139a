"""A look-alike Contact never dead-letters a customer: what to do when a duplicate rule flags a write.

The org's duplicate rule (the Standard Contact Duplicate Rule matches first name, last name and
email) refuses an API insert with DUPLICATES_DETECTED and names the records it matched. The
connector's policy (`salesforce.duplicate_rule_policy` in the connector config):
- `link`: when the rule names exactly one record, the workflow links to it (`link(record_id)`);
  when it cannot (several matches, or the workflow declines), the write is sent again with the
  duplicate-rule header so the org saves it and its duplicate reports show it;
- `allow_save`: every write goes with the header from the start (no extra call).
A rule set to Block refuses even with the header: that refusal is permanent, as the org wants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from connector.observability import logger
from connector.salesforce.duplicate_rules import allowing_duplicate_saves
from connector.salesforce.errors import SalesforceError

DuplicateRulePolicy = Literal["link", "allow_save"]
DUPLICATES_DETECTED = "DUPLICATES_DETECTED"


# Key prefixes of standard objects are the same in every org. The Standard Contact Duplicate Rule
# also matches Leads (00Q) and a person-account rule names Accounts (001): only a Contact can be
# linked where the connector would have created one.
CONTACT_KEY_PREFIX = "003"


def matched_record(error: SalesforceError) -> str | None:
    """The one Contact a DUPLICATES_DETECTED error names, or None (another error, no Contact among
    the matches, or several)."""
    for detail in error.details:
        if detail.error_code == DUPLICATES_DETECTED:
            contacts = [i for i in detail.duplicates if i.startswith(CONTACT_KEY_PREFIX)]
            return contacts[0] if len(contacts) == 1 else None
    return None


def is_duplicate_refusal(error: SalesforceError) -> bool:
    return any(detail.error_code == DUPLICATES_DETECTED for detail in error.details)


def past_duplicate_rule[T](
    policy: DuplicateRulePolicy, write: Callable[[], T], link: Callable[[str], T | None] | None = None
) -> T:
    """`write()`, and if the org's duplicate rule refuses it, `link(matched id)` or `write()` again
    with the duplicate-rule header (one more call, only when the rule fires)."""
    if policy == "allow_save":
        with allowing_duplicate_saves():
            return write()
    try:
        return write()
    except SalesforceError as exc:
        if not is_duplicate_refusal(exc):
            raise
        matched = matched_record(exc)
        if matched is not None and link is not None:
            linked = link(matched)
            if linked is not None:
                logger.info("duplicate rule matched an existing record; linked to it", extra={"record_id": matched})
                return linked
        logger.info("duplicate rule flagged a new record; saved with the duplicate-rule header")
        with allowing_duplicate_saves():
            return write()
