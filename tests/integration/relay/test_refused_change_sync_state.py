"""A change a platform refuses part of, through the queue's pipeline (Processor.process_batch, as the
relay trigger runs it): the sync state reads FAILED with the platform's reason, the message is done
with (neither retried nor dead-lettered), and a redelivery of it calls no platform again."""

from __future__ import annotations

from conftest import RelayWorld
from relayed_events import contact_change

from connector.pipeline.handlers import EventHandler
from connector.pipeline.processing import Processor, QueuedMessage
from connector.relay.changes import propagate_record_change
from connector.relay.models import RecordChanged
from connector.state import SyncStatus


def test_a_field_the_storefront_refuses_leaves_the_sync_state_failed_with_its_reason(world: RelayWorld) -> None:
    # given a linked Contact whose change carries a gender the storefront does not take
    world.configure(
        commerce={
            "sync_salesforce_changes": True,
            "site_customer_lists": {"RefArch": "RefArchGlobal"},
            "contact_field_mapping": {"email": "Email", "gender": "Gender__c"},
        }
    )
    contact_id = world.contact(Email="sabina@example.com", Commerce_Customer_No__c="00001001")
    world.customer("00001001", email="sabina@example.com")
    world.link("00001001", contact_id)
    [event] = contact_change(
        [contact_id], changed=["Gender__c"], Gender__c="Female", Commerce_Customer_No__c="00001001"
    )
    services = world.services()
    processor = Processor(services, {"salesforce.record.changed": EventHandler(RecordChanged, propagate_record_change)})
    message = QueuedMessage("m-1", "receipt-1", 1, event)
    # when the queue's batch runs it
    verdicts = processor.process_batch([message])
    # then the message is done with, and the sync state reads FAILED with the storefront's fault
    assert verdicts == {"m-1": None}
    state = services.sync_state.get(event.entity())
    assert state is not None and state.status is SyncStatus.FAILED
    assert state.last_error is not None and "EnumConstraintViolationException" in state.last_error
    # and a redelivery of the same message calls the storefront no more
    patches = len(world.storefront_patches())
    assert processor.process_batch([QueuedMessage("m-2", "receipt-2", 1, event)]) == {"m-2": None}
    assert len(world.storefront_patches()) == patches == 1
