"""chat_end: a chat's end and an offline message -> the configured option (or the agent's choice)
in Salesforce; the agent's choice during a chat, kept for its end."""

from connector.chat.actions import select_action
from connector.chat.chat_end import end_chat, receive_offline_message
from connector.chat.end_events import ChatActionSelected, ChatEnded, OfflineMessageReceived
from connector.chat.native import NATIVE_RULES, NativeBody, to_canonical
from connector.chat.schema_check import check_chat_end_schema
from connector.pipeline import EventHandler, Trigger

trigger = Trigger("chat_end")
trigger.on_cold_start(check_chat_end_schema)
trigger.events(
    "/v1/chat/events",
    EventHandler(ChatEnded, end_chat),
    EventHandler(OfflineMessageReceived, receive_offline_message),
    EventHandler(ChatActionSelected, select_action),
)
# The chat platform's own webhooks, at the URL its admin configures (README, "The chat platform's
# own webhooks"): run by the handlers declared above for the canonical event types.
trigger.native("/v1/chat/native/<token>", to_canonical, NativeBody, unstated=NATIVE_RULES)
handler = trigger.handler
