"""chat_end: its routes and workflows arrive with their own issue; until then every route answers 404."""

from connector.chat.schema_check import check_chat_schema
from connector.pipeline import Trigger

trigger = Trigger("chat_end")
trigger.on_cold_start(check_chat_schema)
handler = trigger.handler
