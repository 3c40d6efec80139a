"""conversation_routing: live-chat routing decisions and the chatbot's Salesforce actions, answered
while the caller waits. The social routes arrive with their own issue; until then they answer 404."""

from connector.chat.bot import (
    BotCreateRecord,
    BotFindRecord,
    BotQuery,
    CreatedRecord,
    FoundRecord,
    FoundRecords,
    create_record,
    find_record,
    run_query,
)
from connector.chat.models import ChatRequested
from connector.chat.routing import RoutingDecision, route_chat
from connector.pipeline import CommandHandler, Trigger

trigger = Trigger("conversation_routing")
trigger.commands("/v1/chat/route", CommandHandler(ChatRequested, route_chat, RoutingDecision))
trigger.commands(
    "/v1/chat/bot",
    CommandHandler(BotFindRecord, find_record, FoundRecord),
    CommandHandler(BotQuery, run_query, FoundRecords),
    CommandHandler(BotCreateRecord, create_record, CreatedRecord),
)
handler = trigger.handler
