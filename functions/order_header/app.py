"""order_header: storefront order headers -> Orders linked to their Contact; order details on demand."""

from connector.commerce.order_details import OrderDetails, order_details
from connector.commerce.order_events import OrderChanged
from connector.commerce.orders import sync_order
from connector.pipeline import EventHandler, Trigger
from connector.value_types import ExternalKey

trigger = Trigger("order_header")
trigger.events("/v1/commerce/orders", EventHandler(OrderChanged, sync_order))
trigger.read("/v1/commerce/orders/<order_no>", order_details, OrderDetails, parameters={"order_no": ExternalKey})
handler = trigger.handler
