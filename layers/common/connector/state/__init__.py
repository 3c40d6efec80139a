"""Durable state in DynamoDB: sync state per entity, create-once claims, the org's API usage, chat
choices, social user matches, feed positions and platform request budgets."""

from connector.envelope import EntityRef
from connector.state.api_usage import ApiUsageStore
from connector.state.chat_choices import AgentChoice, ChatChoice, ChatChoiceStore, ChoiceAfterEnd
from connector.state.claims import ClaimStore
from connector.state.feed_positions import FeedPositionStore
from connector.state.request_budget import RequestBudgetStore
from connector.state.social_links import SocialLinkStore, UserLink
from connector.state.sync_state import StaleEvent, SyncState, SyncStateStore, SyncStatus

__all__ = [
    "AgentChoice",
    "ApiUsageStore",
    "ChatChoice",
    "ChatChoiceStore",
    "ChoiceAfterEnd",
    "ClaimStore",
    "EntityRef",
    "FeedPositionStore",
    "RequestBudgetStore",
    "SocialLinkStore",
    "StaleEvent",
    "SyncState",
    "SyncStateStore",
    "SyncStatus",
    "UserLink",
]
