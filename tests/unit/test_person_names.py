"""`connector.crm.names`: names the connector derives fit Salesforce's fields instead of being refused."""

from connector.crm.contacts import email_match_soql
from connector.crm.names import cut_to_fit, first_name, last_name, street, supplied_name
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


def test_two_valid_address_lines_joined_fit_the_255_of_a_street_field() -> None:
    assert street("5 Wall St", None) == "5 Wall St"
    assert street(None, None) is None
    assert street("1" * 255, "2" * 255) == "1" * 255


def test_a_registration_with_two_long_address_lines_writes_a_street_that_fits() -> None:
    from connector.commerce.contacts import contact_fields
    from connector.commerce.models import CustomerData
    from connector.config import CommerceConfig

    data = CustomerData.model_validate(
        {
            "site_id": "RefArch",
            "customer_list_id": "RefArchGlobal",
            "customer": {
                "customer_no": "00001001",
                "email": "jane.doe@example.com",
                "last_name": "Doe",
                "addresses": [{"address_id": "h", "address1": "a" * 255, "address2": "b" * 255, "preferred": True}],
            },
        }
    )

    assert len(contact_fields(data, CommerceConfig(), "Synchronized")["MailingStreet"]) == 255


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
