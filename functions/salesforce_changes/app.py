"""salesforce_changes: Contacts and Accounts changed or merged in Service Cloud, relayed by Event Relay
through EventBridge to this trigger's queue -> the storefront and the loyalty platform."""

from connector.pipeline import EventHandler, Trigger
from connector.relay.changes import merge_records, propagate_record_change, translate_relayed_change
from connector.relay.models import RecordChanged, RecordsMerged

trigger = Trigger("salesforce_changes")
trigger.relay(
    translate_relayed_change,
    EventHandler(RecordChanged, propagate_record_change),
    EventHandler(RecordsMerged, merge_records),
)
handler = trigger.handler
