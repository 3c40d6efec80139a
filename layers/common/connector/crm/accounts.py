"""Accounts by external id, written in the same API call as the record that needs them."""

from __future__ import annotations

from typing import Any

from connector.crm.context import CrmServices
from connector.crm.identity import Identity, IdentityKind
from connector.errors import PermanentError
from connector.salesforce.plan import WritePlan
from connector.salesforce.soql import soql_quote

ACCOUNT_REF = "account"


def account_by_external_id(
    plan: WritePlan, crm: CrmServices, field: str, key: str, name: str, pinned: str | None = None
) -> str:
    """The AccountId to write: a pinned or known Id, else a reference to an upsert added to `plan`."""
    if pinned:
        return pinned
    known = crm.identities.get(IdentityKind.ACCOUNT, key)
    if known:
        return known
    return plan.upsert(ACCOUNT_REF, "Account", field, key, {"Name": name})


def remember_account(crm: CrmServices, key: str, results: dict[str, dict[str, Any]]) -> None:
    """Once the plan ran: remember the Account it upserted (if it did)."""
    if ACCOUNT_REF in results and results[ACCOUNT_REF].get("id"):
        crm.identities.put(IdentityKind.ACCOUNT, key, Identity(str(results[ACCOUNT_REF]["id"])))


def resolved_account_id(account: str, results: dict[str, dict[str, Any]]) -> str:
    """The real Id behind `account` once the plan ran (it may have been a composite reference)."""
    if account.startswith("@{"):
        return str(results[ACCOUNT_REF]["id"])
    return account


def person_account_record_type(crm: CrmServices, configured: str | None) -> str:
    """The Person Account record type: configured, remembered, or looked up once per org."""
    if configured:
        return configured
    known = crm.identities.get(IdentityKind.RECORD_TYPE, "PersonAccount")
    if known:
        return known
    rows = crm.salesforce.query(
        "SELECT Id FROM RecordType WHERE SobjectType = "
        + soql_quote("Account")
        + " AND IsPersonType = true AND IsActive = true ORDER BY CreatedDate LIMIT 1"
    )
    if not rows:
        raise PermanentError("person accounts are configured but the org has no active person account record type")
    crm.identities.put(IdentityKind.RECORD_TYPE, "PersonAccount", Identity(str(rows[0]["Id"])))
    return str(rows[0]["Id"])
