"""order_header: its routes and workflows arrive with their own issue; until then every route answers 404."""

from connector.pipeline import Trigger

trigger = Trigger("order_header")
handler = trigger.handler
