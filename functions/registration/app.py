"""registration: storefront customer registrations, profile updates and opt-ins -> Contacts."""

from connector.commerce.models import CustomerRegistered, CustomerUpdated
from connector.commerce.registration import sync_customer
from connector.pipeline import EventHandler, Trigger

trigger = Trigger("registration")
trigger.events(
    "/v1/commerce/customers",
    EventHandler(CustomerRegistered, sync_customer),
    EventHandler(CustomerUpdated, sync_customer),
)
handler = trigger.handler
