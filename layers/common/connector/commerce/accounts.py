"""Every customer list is an Account (from day one): resolved from configuration, the identity map,
or upserted by its external id inside the same API call as the record that needs it."""

from __future__ import annotations

from typing import Any

from connector.salesforce.plan import WritePlan
from connector.salesforce.soql import soql_quote
from connector.services import Services

CUSTOMER_LIST_FIELD = "Commerce_Customer_List_Id__c"
ACCOUNT_REF = "account"


def customer_list_account(plan: WritePlan, services: Services, customer_list_id: str) -> str:
    """The AccountId to write: a pinned or known Id, else a reference to an upsert added to `plan`."""
    config = services.settings.config.commerce
    pinned = config.customer_list_accounts.get(customer_list_id)
    if pinned:
        return pinned
    known = services.identities.get("account", customer_list_id)
    if known:
        return known
    name = config.account_name_format.format(customer_list_id=customer_list_id)
    return plan.upsert(ACCOUNT_REF, "Account", CUSTOMER_LIST_FIELD, customer_list_id, {"Name": name})


def remember_account(services: Services, customer_list_id: str, results: dict[str, dict[str, Any]]) -> None:
    if ACCOUNT_REF in results and results[ACCOUNT_REF].get("id"):
        services.identities.put("account", customer_list_id, str(results[ACCOUNT_REF]["id"]))


def resolved_account_id(account: str, results: dict[str, dict[str, Any]]) -> str:
    """The real Id behind `account` once the plan ran (it may have been a composite reference)."""
    if account.startswith("@{"):
        return str(results[ACCOUNT_REF]["id"])
    return account


def person_account_record_type(services: Services) -> str:
    """The Person Account record type: configured, remembered, or looked up once per org."""
    config = services.settings.config.commerce
    if config.person_account_record_type_id:
        return config.person_account_record_type_id
    known = services.identities.get("recordtype", "PersonAccount")
    if known:
        return known
    rows = services.salesforce.query(
        "SELECT Id FROM RecordType WHERE SobjectType = "
        + soql_quote("Account")
        + " AND IsPersonType = true AND IsActive = true ORDER BY CreatedDate LIMIT 1"
    )
    if not rows:
        from connector.errors import PermanentError

        raise PermanentError("person accounts are configured but the org has no active person account record type")
    services.identities.put("recordtype", "PersonAccount", rows[0]["Id"])
    return str(rows[0]["Id"])
