"""chat_end: its routes and workflows arrive with their own issue; until then every route answers 404."""

from connector.chat.native import to_canonical
from connector.chat.schema_check import check_chat_schema
from connector.pipeline import Trigger

trigger = Trigger("chat_end")
trigger.on_cold_start(check_chat_schema)
# The chat platform's own webhooks, at the URL its admin configures (README, "The chat platform's
# own webhooks"): run by the handlers this trigger declares for the canonical event types.
trigger.native("/v1/chat/native/<token>", to_canonical)
handler = trigger.handler
