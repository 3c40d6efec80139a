"""An engagement's recipient as Salesforce keeps and compares it (connector.social.salesforce_events)."""

import pytest

from connector.social.salesforce_events import open_engagements_query, recipient_key


@pytest.mark.parametrize(
    "written",
    ["+33612345678", "+33 6 12 34 56 78", "+33-6-12-34-56-78", "+33.6.12.34.56.78", "0033 (6) 12 34 56 78"],
)
def test_a_phone_number_written_any_way_is_one_recipient(written: str) -> None:
    assert recipient_key(written) == "+33612345678"


def test_a_handle_that_is_no_phone_number_is_kept_as_it_is() -> None:
    assert recipient_key(" kim.min-ji ") == "kim.min-ji"


def test_the_switch_looks_for_the_key_and_the_handle_as_written() -> None:
    query = open_engagements_query("WhatsApp", "0033 6 12")
    assert "Recipient__c IN ('+33612', '0033 6 12')" in query
    assert "Channel__c = 'whatsapp'" in query
