"""Durable state in DynamoDB: sync state per entity, the identity map and create-once claims."""

from connector.state.claims import ClaimStore
from connector.state.identity import Identity, IdentityMap
from connector.state.sync_state import EntityRef, StaleEvent, SyncState, SyncStateStore, SyncStatus

__all__ = [
    "ClaimStore",
    "EntityRef",
    "Identity",
    "IdentityMap",
    "StaleEvent",
    "SyncState",
    "SyncStateStore",
    "SyncStatus",
]
