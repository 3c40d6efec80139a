"""Which platforms devstack emulates and which the environment points at a real service."""

from __future__ import annotations

from devstack.emulators import start_platforms


def test_salesforce_my_domain_url_replaces_the_salesforce_emulator() -> None:
    platforms = start_platforms(False, set(), {"SALESFORCE_MY_DOMAIN_URL": "https://acme.my.salesforce.com/"})

    assert platforms["salesforce"].url == "https://acme.my.salesforce.com"
    assert platforms["salesforce"].server is None


def test_salesforce_login_url_the_design_names_still_replaces_the_salesforce_emulator() -> None:
    platforms = start_platforms(False, set(), {"SALESFORCE_LOGIN_URL": "https://acme.my.salesforce.com"})

    assert platforms["salesforce"].url == "https://acme.my.salesforce.com"


def test_the_new_name_wins_when_both_are_set() -> None:
    environ = {"SALESFORCE_MY_DOMAIN_URL": "https://new.my.salesforce.com", "SALESFORCE_LOGIN_URL": "https://old"}

    assert start_platforms(False, set(), environ)["salesforce"].url == "https://new.my.salesforce.com"
