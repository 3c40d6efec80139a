"""chat_end: its routes and workflows arrive with their own issue; until then every route answers 404."""

from connector.pipeline import Trigger

trigger = Trigger("chat_end")
handler = trigger.handler
