"""contact_us: its routes and workflows arrive with their own issue; until then every route answers 404."""

from connector.pipeline import Trigger

trigger = Trigger("contact_us")
handler = trigger.handler
