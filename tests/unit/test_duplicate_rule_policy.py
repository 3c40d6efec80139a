"""`connector.crm.duplicates.past_duplicate_rule`: a look-alike Contact never dead-letters a customer."""

from __future__ import annotations

import pytest

from connector.crm.duplicates import past_duplicate_rule
from connector.salesforce.duplicate_rules import duplicate_rule_headers
from connector.salesforce.errors import ApiErrorDetail, PermanentSalesforceError, salesforce_error

HEADER = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}


def flagged(*matched: str) -> PermanentSalesforceError:
    error = salesforce_error(400, [ApiErrorDetail("DUPLICATES_DETECTED", "Use one of these records?", (), matched)])
    assert isinstance(error, PermanentSalesforceError)
    return error


class Org:
    """Refuses the first write (as the duplicate rule does); records the headers each write carried."""

    def __init__(self, refusal: Exception | None, refusals: int = 1) -> None:
        self.refusal = refusal
        self.refusals = refusals
        self.writes: list[dict[str, str]] = []

    def write(self) -> str:
        self.writes.append(duplicate_rule_headers())
        if self.refusal is not None and len(self.writes) <= self.refusals:
            raise self.refusal
        return "written"


def test_link_policy_links_to_the_one_record_the_rule_names():
    org = Org(flagged("003A"))

    assert past_duplicate_rule("link", org.write, lambda matched: f"linked {matched}") == "linked 003A"
    assert org.writes == [{}]


def test_link_policy_saves_with_the_header_when_the_rule_names_several_records():
    org = Org(flagged("003A", "003B"))

    assert past_duplicate_rule("link", org.write, lambda matched: "linked") == "written"
    assert org.writes == [{}, HEADER]


def test_link_policy_saves_with_the_header_when_the_rule_matched_only_a_lead():
    # the Standard Contact Duplicate Rule also matches Leads (00Q): a Lead is no Contact to link to
    org = Org(flagged("00QA"))

    assert past_duplicate_rule("link", org.write, lambda matched: f"linked {matched}") == "written"
    assert org.writes == [{}, HEADER]


def test_link_policy_links_to_the_one_contact_among_a_lead_and_a_contact():
    org = Org(flagged("00QA", "003B"))

    assert past_duplicate_rule("link", org.write, lambda matched: f"linked {matched}") == "linked 003B"


def test_link_policy_saves_with_the_header_when_the_workflow_declines_the_link():
    org = Org(flagged("003A"))

    assert past_duplicate_rule("link", org.write, lambda matched: None) == "written"
    assert org.writes == [{}, HEADER]


def test_allow_save_policy_sends_the_header_with_the_first_write():
    org = Org(None)

    assert past_duplicate_rule("allow_save", org.write) == "written"
    assert org.writes == [HEADER]


def test_another_refusal_is_raised_as_it_is():
    org = Org(salesforce_error(400, [ApiErrorDetail("REQUIRED_FIELD_MISSING", "LastName")]))

    with pytest.raises(PermanentSalesforceError):
        past_duplicate_rule("link", org.write, lambda matched: "linked")
    assert duplicate_rule_headers() == {}


def test_a_blocking_rule_refusing_the_saved_write_too_is_permanent():
    org = Org(flagged("003A", "003B"), refusals=2)

    with pytest.raises(PermanentSalesforceError):
        past_duplicate_rule("link", org.write)
    assert org.writes == [{}, HEADER]
