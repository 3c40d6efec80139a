"""Durable state in DynamoDB: sync state per entity, create-once claims and the org's API usage."""

from connector.envelope import EntityRef
from connector.state.api_usage import ApiUsageStore
from connector.state.claims import ClaimStore
from connector.state.sync_state import StaleEvent, SyncState, SyncStateStore, SyncStatus

__all__ = ["ApiUsageStore", "ClaimStore", "EntityRef", "StaleEvent", "SyncState", "SyncStateStore", "SyncStatus"]
