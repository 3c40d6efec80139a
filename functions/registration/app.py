"""registration: storefront registrations, profile updates and opt-ins -> Contacts (or Person Accounts)."""

from connector.commerce.models import CustomerChanged, CustomerOptedIn
from connector.commerce.optin import sync_opt_in
from connector.commerce.registration import sync_customer, sync_customers
from connector.pipeline import EventHandler, Trigger

trigger = Trigger("registration")
trigger.events(
    "/v1/commerce/customers",
    EventHandler(CustomerChanged, sync_customer, sync_customers),
    EventHandler(CustomerOptedIn, sync_opt_in),
)
handler = trigger.handler
