"""Durable state in DynamoDB: sync state per entity, create-once claims, the org's API usage, chat
choices, social user matches, feed positions and platform request budgets.

The names below are loaded on first use (PEP 562's module `__getattr__`), not when the package is:
importing any store (`connector.state.sync_state`) runs this file first, and a function would
otherwise build the classes of every store at its cold start, the chat choices and social links
included, for the registration that uses neither. The package's own code imports the submodules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connector.envelope import EntityRef
    from connector.state.api_usage import ApiUsageStore
    from connector.state.chat_choices import AgentChoice, ChatChoice, ChatChoiceStore, ChoiceAfterEnd
    from connector.state.claims import ClaimStore
    from connector.state.feed_positions import FeedPositionStore
    from connector.state.request_budget import RequestBudgetStore
    from connector.state.social_links import SocialLinkStore, UserLink
    from connector.state.sync_state import StaleEvent, SyncState, SyncStateStore, SyncStatus

_MODULE_OF = {
    "AgentChoice": "connector.state.chat_choices",
    "ApiUsageStore": "connector.state.api_usage",
    "ChatChoice": "connector.state.chat_choices",
    "ChatChoiceStore": "connector.state.chat_choices",
    "ChoiceAfterEnd": "connector.state.chat_choices",
    "ClaimStore": "connector.state.claims",
    "EntityRef": "connector.envelope",
    "FeedPositionStore": "connector.state.feed_positions",
    "RequestBudgetStore": "connector.state.request_budget",
    "SocialLinkStore": "connector.state.social_links",
    "StaleEvent": "connector.state.sync_state",
    "SyncState": "connector.state.sync_state",
    "SyncStateStore": "connector.state.sync_state",
    "SyncStatus": "connector.state.sync_state",
    "UserLink": "connector.state.social_links",
}

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


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
