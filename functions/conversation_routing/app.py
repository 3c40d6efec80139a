"""conversation_routing: routes and workflows arrive with their own issue; until then routes answer 404."""

from connector.chat.schema_check import check_chat_schema
from connector.pipeline import Trigger

trigger = Trigger("conversation_routing")
trigger.on_cold_start(check_chat_schema)
handler = trigger.handler
