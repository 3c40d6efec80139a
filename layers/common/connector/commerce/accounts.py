"""Every customer list is an Account (from day one): pinned in configuration, remembered, or
upserted by its external id inside the same API call as the record that needs it."""

from __future__ import annotations

from connector.crm.accounts import account_by_external_id
from connector.salesforce.plan import WritePlan
from connector.services import Services

CUSTOMER_LIST_FIELD = "Commerce_Customer_List_Id__c"


def customer_list_account(plan: WritePlan, services: Services, customer_list_id: str) -> str:
    """The AccountId to write: a pinned or known Id, else a reference to an upsert added to `plan`."""
    config = services.settings.config.commerce
    return account_by_external_id(
        plan,
        services,
        CUSTOMER_LIST_FIELD,
        customer_list_id,
        config.account_name_format.format(customer_list_id=customer_list_id),
        pinned=config.customer_list_accounts.get(customer_list_id),
    )
