"""order_header: storefront order headers -> Orders linked to their Contact; order details on demand."""

from connector.commerce.models import OrderCreated, OrderUpdated
from connector.commerce.order_details import order_details
from connector.commerce.orders import sync_order
from connector.pipeline import EventHandler, Trigger

trigger = Trigger("order_header")
trigger.events(
    "/v1/commerce/orders",
    EventHandler(OrderCreated, sync_order),
    EventHandler(OrderUpdated, sync_order),
)
trigger.read("/v1/commerce/orders/<order_no>", order_details)
handler = trigger.handler
