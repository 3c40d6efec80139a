"""conversation_routing: live-chat routing decisions and the chatbot's Salesforce actions, answered
while the caller waits; the social inbox's conversations and user matches to Salesforce; what a
Salesforce flow tells the social inbox (a Contact linked, a conversation handed back, an agent's
reply, an engagement message); the social inbox's notification webhook (a doorbell) and the
scheduled poll of its actions feed, both run by the handlers declared here for the conversation
event types."""

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
from connector.chat.schema_check import check_routing_schema
from connector.pipeline import CommandHandler, EventHandler, Trigger
from connector.relay.social import translate_social_platform_event
from connector.services import Services
from connector.social.activity import PAGE_BEYOND_ROWS, PageNumber, PageSize, UserActivity, user_activity
from connector.social.conversations import match_user, sync_conversation
from connector.social.feed import DoorbellAnswer, FeedPoll, Notification, poll_feed, ring_doorbell
from connector.social.models import ConversationChanged, UserMatched
from connector.social.salesforce_events import (
    ConversationAssigned,
    ConversationContactLinked,
    ConversationReply,
    EngagementSend,
    assign_conversation,
    link_conversation_contact,
    send_engagement,
    send_reply,
)
from connector.value_types import ExternalKey

ROUTE = (
    "Where to route a requested chat: the first routing rule of the connector config whose conditions "
    "hold (on the chat's fields and the visitor's Contact and Account in Salesforce) gives the "
    "department and/or agent; none holds: the default department. Always 200: when Salesforce is slow "
    "(past routing.budget_ms), down or refuses, the default department answers with `fallback` set."
)
BOT = (
    "The chatbot's Salesforce actions, within the allow-list of the connector config (chat.bot): "
    "bot.find_record (the oldest record whose field equals the value), bot.query (one read-only SELECT "
    "with a LIMIT <= chat.bot.max_rows; `{name}`/`:name` placeholders take `variables`, escaped), "
    "bot.create_record. Nothing found, by either find, is a 404 of type `not_found` naming the object; "
    "a query, object or field the bot may not use is a 422 saying why, as is Salesforce refusing a record."
)

trigger = Trigger("conversation_routing")
trigger.on_cold_start(check_routing_schema)
trigger.commands("/v1/chat/route", CommandHandler(ChatRequested, route_chat, RoutingDecision), description=ROUTE)
trigger.commands(
    "/v1/chat/bot",
    CommandHandler(BotFindRecord, find_record, FoundRecord),
    CommandHandler(BotQuery, run_query, FoundRecords),
    CommandHandler(BotCreateRecord, create_record, CreatedRecord),
    description=BOT,
)
trigger.events(
    "/v1/social/conversations",
    EventHandler(ConversationChanged, sync_conversation),
    EventHandler(UserMatched, match_user),
)
# The 360° view: the matched user's Tasks and Events, newest first (?page=N&page_size=M, M <= 50).
trigger.read(
    "/v1/social/users/<user_id>/activity",
    user_activity,
    UserActivity,
    query=("page", "page_size"),
    parameters={"user_id": ExternalKey, "page": PageNumber, "page_size": PageSize},
    unstated=(PAGE_BEYOND_ROWS,),
)
trigger.events(
    "/v1/social/salesforce-events",
    EventHandler(ConversationContactLinked, link_conversation_contact),
    EventHandler(ConversationAssigned, assign_conversation),
    EventHandler(ConversationReply, send_reply),
    EventHandler(EngagementSend, send_engagement),
)
# Salesforce flows call it signed by their Named Credential (SigV4).
trigger.iam_twins("/v1/social/salesforce-events")
# ... or publish a platform event (Social_*__e), which Event Relay and an EventBridge rule hand to this
# trigger's queue: the same events, run by the route's handlers.
trigger.relay(translate_social_platform_event)
# The inbox's notification webhook, at the URL its admin configures (README, "The inbox's
# notifications and actions feed"): its body is never trusted; the action it names is read from the
# inbox's actions API.
trigger.doorbell("/v1/social/native/<token>", ring_doorbell, DoorbellAnswer, Notification)


def poll_actions(services: Services) -> FeedPoll:
    """The schedule: apply the inbox's actions after the kept position (what the webhook missed)."""
    return poll_feed(services, trigger.accept_canonical)


trigger.on_schedule(poll_actions)
handler = trigger.handler
