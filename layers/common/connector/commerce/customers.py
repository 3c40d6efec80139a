"""Customers the storefront did not register (guests, opt-ins, Contact Us senders), created inside
a workflow's own API call: a Contact under the customer list's Account, or, when customers are
person accounts (`customer_parent: person_account`), a Person Account whose person Contact stands
in wherever a Contact Id is needed (Order.Contact__c, Case.ContactId).

A person account is created through the Account (its person Contact is the org's to create and
keep in step), and its PersonContactId is read in the same composite call:
https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_guidelines_personaccounts.htm
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connector.commerce.accounts import customer_list_account
from connector.commerce.contacts import as_person_account
from connector.crm.accounts import person_account_record_type
from connector.salesforce.plan import WritePlan, resolved
from connector.services import Services


@dataclass(frozen=True)
class NewCustomer:
    """A customer created by a plan: what to write where a Contact Id or an AccountId goes (composite
    references until the plan ran), and whether it is a person account."""

    contact: str
    account: str
    person_account: bool

    def ids(self, results: dict[str, dict[str, Any]]) -> tuple[str, str]:
        """(Contact Id, Account Id) once the plan ran."""
        return resolved(self.contact, results), resolved(self.account, results)


def person_accounts(services: Services) -> bool:
    return services.settings.config.commerce.customer_parent == "person_account"


def create_customer(
    plan: WritePlan, services: Services, ref: str, customer_list_id: str, fields: dict[str, Any]
) -> NewCustomer:
    """Add the creation of a customer with these Contact `fields` to `plan`, as `ref`."""
    config = services.settings.config.commerce
    if person_accounts(services):
        body = as_person_account(fields)
        body["RecordTypeId"] = person_account_record_type(services, config.person_account_record_type_id)
        account = plan.create(ref, "Account", body)
        plan.get(f"{ref}_person", "Account", account, ["PersonContactId"])
        return NewCustomer(f"@{{{ref}_person.PersonContactId}}", account, person_account=True)
    account = customer_list_account(plan, services, customer_list_id)
    contact = plan.create(ref, "Contact", {**fields, "AccountId": account})
    return NewCustomer(contact, account, person_account=False)
