"""`connector.crm.names`: names the connector derives fit Salesforce's fields instead of being refused."""

from connector.crm.contacts import email_match_soql
from connector.crm.names import cut_to_fit, first_name, last_name, supplied_name
from connector.salesforce.plan import resolved


def test_a_name_that_fits_is_kept_as_it_is() -> None:
    assert cut_to_fit("Jane", 40) == "Jane"


def test_a_name_longer_than_its_field_is_cut_to_the_field_length() -> None:
    assert first_name("F" * 41) == "F" * 40
    assert last_name("L" * 81) == "L" * 80


def test_a_cut_leaves_no_trailing_blank() -> None:
    assert cut_to_fit("Jane" + " " * 40 + "Doe", 10) == "Jane"


def test_a_supplied_name_joins_the_parts_it_has_and_cuts_at_80() -> None:
    assert supplied_name("Jane", None) == "Jane"
    assert supplied_name(None, None) is None
    assert supplied_name("F" * 40, "L" * 80) == ("F" * 40 + " " + "L" * 80)[:80]


def test_a_composite_reference_resolves_to_the_field_its_step_answered() -> None:
    results = {"guest": {"id": "001A"}, "guest_person": {"PersonContactId": "003B"}, "contact": {"AccountId": None}}
    assert resolved("@{guest.id}", results) == "001A"
    assert resolved("@{guest_person.PersonContactId}", results) == "003B"
    assert resolved("@{contact.AccountId}", results) == ""
    assert resolved("001C", results) == "001C"


def test_the_contact_email_match_asks_for_is_person_account_only_in_person_account_mode() -> None:
    # Contact.IsPersonAccount exists only in an org with person accounts enabled
    assert "IsPersonAccount" not in email_match_soql("jane@example.com")
    assert "IsPersonAccount" in email_match_soql("jane@example.com", person_accounts=True)
