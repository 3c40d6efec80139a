"""contact_us: the storefront's Contact Us form -> a Case linked to its Contact and Order."""

from connector.commerce.case_events import ContactUsSubmitted
from connector.commerce.cases import submit_case
from connector.pipeline import EventHandler, Trigger

trigger = Trigger("contact_us")
trigger.events("/v1/commerce/cases", EventHandler(ContactUsSubmitted, submit_case))
handler = trigger.handler
