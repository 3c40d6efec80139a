"""conversation_routing: routes and workflows arrive with their own issue; until then routes answer 404."""

from connector.pipeline import Trigger

trigger = Trigger("conversation_routing")
handler = trigger.handler
