"""Relayed Salesforce events as Event Relay puts them on the bus (EventBridge envelope, `detail.payload`
shaped as the Change Data Capture Developer Guide shows a change event), and the canonical events the
connector reads them into."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from connector.relay.changes import translate_relayed_change
from connector.relay.events import RelayedEvent
from connector.relay.models import RecordChanged, RecordsMerged

SOURCE = "aws.partner/salesforce.com/00D000000000001AAA/0YL000000000001"
AGENT = "005000000000009AAA"  # a service agent, not the connector's integration user
_transactions = itertools.count(1)


def relayed(detail_type: str, payload: dict[str, Any], event_uuid: str | None = None) -> RelayedEvent:
    return RelayedEvent.model_validate(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": detail_type,
            "source": SOURCE,
            "account": "123456789012",
            "time": "2026-12-03T10:00:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail": {"payload": payload, "id": event_uuid or str(uuid.uuid4())},
        }
    )


def contact_change(
    record_ids: list[str],
    change_type: str = "UPDATE",
    *,
    changed: list[str] | None = None,
    commit_user: str = AGENT,
    commit_ms: int = 1_764_756_000_000,
    entity: str = "Contact",
    **fields: Any,
) -> list[RecordChanged]:
    """A change event naming `record_ids`; `fields` is the payload's fields (compound ones nested)."""
    header = {
        "entityName": entity,
        "recordIds": record_ids,
        "changeType": change_type,
        "changeOrigin": "com/salesforce/api/rest/62.0;client=SfdcInternalAPI/",
        "transactionKey": f"0000{next(_transactions):04d}-ce66-0611-9018-30a98446c9f2",
        "sequenceNumber": 1,
        "commitTimestamp": commit_ms,
        "commitNumber": 1100670838951,
        "commitUser": commit_user,
        "nulledFields": [name for name in changed or () if _is_null(fields, name)],
        "diffFields": [],
        "changedFields": [*(changed or ()), "LastModifiedDate"] if change_type == "UPDATE" else [],
    }
    payload = {"ChangeEventHeader": header, **fields, "LastModifiedDate": "2026-12-03T10:00:00.000Z"}
    events = translate_relayed_change(relayed(f"{entity}ChangeEvent", payload))
    assert all(isinstance(e, RecordChanged) for e in events)
    return [e for e in events if isinstance(e, RecordChanged)]


def _is_null(fields: dict[str, Any], name: str) -> bool:
    compound, dot, part = name.partition(".")
    value = fields.get(compound)
    return (value or {}).get(part) is None if dot else compound in fields and value is None


def contact_merged(
    winner_id: str,
    loser_id: str,
    *,
    customer_no: str | None = None,
    loyalty_key: str | None = None,
    sobject: str = "Contact",
) -> RecordsMerged:
    payload = {
        "CreatedDate": "2026-12-03T10:00:00.000Z",
        "CreatedById": AGENT,
        "Object__c": sobject,
        "Winner_Id__c": winner_id,
        "Loser_Id__c": loser_id,
        "Loser_Commerce_Customer_No__c": customer_no,
        "Loser_Loyalty_External_Id__c": loyalty_key,
        "Merged_By__c": AGENT,
    }
    [event] = translate_relayed_change(relayed("Contact_Merged__e", payload))
    assert isinstance(event, RecordsMerged)
    return event
