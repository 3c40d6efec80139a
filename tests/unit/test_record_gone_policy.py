"""`connector.crm.policy.record_is_gone`: which refusals mean "this Id is gone" (heal and match again)."""

from __future__ import annotations

import pytest

from connector.crm.policy import record_is_gone
from connector.salesforce.errors import ApiErrorDetail, salesforce_error


def refusal(code: str, message: str = "", fields: tuple[str, ...] = ()) -> Exception:
    return salesforce_error(400, [ApiErrorDetail(code, message, fields)], "upsert")


@pytest.mark.parametrize(
    "code",
    ["INVALID_CROSS_REFERENCE_KEY", "ENTITY_IS_DELETED", "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY", "NOT_FOUND"],
)
def test_an_id_salesforce_no_longer_knows_or_shows_is_gone(code: str) -> None:
    assert record_is_gone(refusal(code))


def test_an_id_of_the_wrong_object_in_a_lookup_is_gone() -> None:
    error = refusal(
        "FIELD_INTEGRITY_EXCEPTION", "Contact ID: id value of incorrect type: 001000000000001AAA", ("Contact__c",)
    )

    assert record_is_gone(error)


@pytest.mark.parametrize(
    ("message", "fields"),
    [
        (
            "A country/territory must be specified before specifying a state value for field: State/Province",
            ("MailingStateCode",),
        ),
        ("You can't change the account of an activated order.", ("AccountId",)),
    ],
)
def test_a_field_integrity_refusal_of_a_value_is_not_a_gone_id(message: str, fields: tuple[str, ...]) -> None:
    # a restricted state value or an activated order: forgetting identity entries cannot cure it
    assert not record_is_gone(refusal("FIELD_INTEGRITY_EXCEPTION", message, fields))


def test_a_lock_is_not_a_gone_id() -> None:
    assert not record_is_gone(refusal("UNABLE_TO_LOCK_ROW"))


# -- a refusal that shows a setting not matching the org names the setting ---------------------------


def test_a_country_code_refused_in_mailing_country_advises_turning_the_picklist_mode_on() -> None:
    from connector.pipeline.failures import error_text

    error = refusal("FIELD_INTEGRITY_EXCEPTION", "Country/Territory: invalid country", ("MailingCountry",))

    assert "set salesforce.state_country_picklists true" in error_text(error)


def test_a_code_field_the_org_does_not_have_advises_turning_the_picklist_mode_off() -> None:
    from connector.pipeline.failures import error_text

    error = refusal("INVALID_FIELD", "No such column 'MailingCountryCode' on sobject of type Contact")

    assert "set salesforce.state_country_picklists false" in error_text(error)


def test_a_blocking_duplicate_rule_advises_allowing_or_excluding_the_integration_user() -> None:
    from connector.pipeline.failures import error_text

    assert "exclude the integration user" in error_text(refusal("DUPLICATES_DETECTED", "Use one of these records?"))


def test_an_ordinary_refusal_gets_no_advice() -> None:
    from connector.pipeline.failures import error_text

    assert error_text(refusal("REQUIRED_FIELD_MISSING", "", ("LastName",))).endswith("fields=['LastName']")
