"""chat_end: a chat's end and an offline message -> the configured option (or the agent's choice)
in Salesforce; the agent's choice during a chat, kept for its end."""

from connector.chat.actions import select_action
from connector.chat.chat_end import end_chat, receive_offline_message
from connector.chat.models import ChatActionSelected, ChatEnded, OfflineMessageReceived
from connector.pipeline import EventHandler, Trigger

trigger = Trigger("chat_end")
trigger.events(
    "/v1/chat/events",
    EventHandler(ChatEnded, end_chat),
    EventHandler(OfflineMessageReceived, receive_offline_message),
    EventHandler(ChatActionSelected, select_action),
)
handler = trigger.handler
