"""Durable state in DynamoDB: sync state per entity and create-once claims."""

from connector.envelope import EntityRef
from connector.state.claims import ClaimStore
from connector.state.sync_state import StaleEvent, SyncState, SyncStateStore, SyncStatus

__all__ = ["ClaimStore", "EntityRef", "StaleEvent", "SyncState", "SyncStateStore", "SyncStatus"]
