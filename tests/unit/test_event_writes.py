"""`connector.state.EventWrites`: an event's DynamoDB writes made together, in one round trip, at its
end; and what the stores do with it (sync state transitions, claim releases, identity-map entries)."""

from typing import Any

import pytest
from botocore.stub import Stubber

from connector.crm.identity import Identity, IdentityKind, IdentityMap
from connector.envelope import EntityRef
from connector.state import ClaimStore, SyncStateStore, SyncStatus
from connector.state.event_writes import Cancelled, EventWrites, Write, key_of

REF = EntityRef("commerce", "customer", "00001001")
JANE_NO = "00001001"
JANE_ID = "003000000000001AAA"


@pytest.fixture
def writes(dynamodb: Any) -> EventWrites:
    return EventWrites(dynamodb)


@pytest.fixture
def states(dynamodb: Any, sync_table: str, writes: EventWrites) -> SyncStateStore:
    return SyncStateStore(sync_table, dynamodb, writes)


def record(states: SyncStateStore, version: str) -> None:
    states.record_received(
        REF, version=version, event_id=f"e-{version}", event_type="customer.updated", envelope="{}", queue_url="q"
    )


def put(table: str, pk: str, **condition: Any) -> Write:
    item = {"pk": {"S": pk}, "sk": {"S": "X"}}
    return Write({"Put": {"TableName": table, "Item": item, **condition}}, key_of(table, item))


def test_while_collecting_a_transition_is_made_with_the_events_last_write(writes, states, dynamodb, sync_table):
    # given an entity recorded at a version, and an event collecting its writes
    record(states, "v1")
    writes.begin()

    # when it moves the entity to SYNCED and then makes its last write
    states.transition(REF, version="v1", status=SyncStatus.SYNCED)
    assert states.get(REF).status is SyncStatus.RECEIVED
    writes.commit_pending(put(sync_table, "last"))

    # then both are written, in one TransactWriteItems
    assert states.get(REF).status is SyncStatus.SYNCED
    assert "Item" in dynamodb.get_item(TableName=sync_table, Key={"pk": {"S": "last"}, "sk": {"S": "X"}})


def test_a_transition_overtaken_by_a_newer_version_is_left_out_and_the_rest_written(writes, states, sync_table):
    # given an event that collected its transition while a newer version took the entity over
    record(states, "v1")
    writes.begin()
    states.transition(REF, version="v1", status=SyncStatus.SYNCED)
    record(states, "v2")

    # when its last write is made
    skipped = writes.commit_pending(put(sync_table, "last"))

    # then the transition alone was left out: the newer version's state stands
    assert len(skipped) == 1
    assert (states.get(REF).status, states.get(REF).source_version) == (SyncStatus.RECEIVED, "v2")


def test_a_failed_condition_that_is_not_a_guard_writes_nothing(writes, sync_table, dynamodb):
    # given an item that exists, and a write that requires it not to
    dynamodb.put_item(TableName=sync_table, Item={"pk": {"S": "taken"}, "sk": {"S": "X"}})
    must_be_new = put(sync_table, "taken", ConditionExpression="attribute_not_exists(pk)")

    # when it is written with another
    with pytest.raises(Cancelled) as cancelled:
        writes.commit([put(sync_table, "other"), must_be_new])

    # then neither is written, and the reason names the one that failed
    assert cancelled.value.failed(1) is not None and cancelled.value.failed(0) is None
    assert "Item" not in dynamodb.get_item(TableName=sync_table, Key={"pk": {"S": "other"}, "sk": {"S": "X"}})


def test_a_transaction_that_meets_another_on_one_of_its_items_is_made_again(writes, sync_table, dynamodb):
    # given DynamoDB cancelling the first attempt for a concurrent transaction on the same item
    # (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html:
    # "TransactionConflict" among the CancellationReasons)
    stubber = Stubber(dynamodb)
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        http_status_code=400,
        response_meta={},
        modeled_fields={"CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}]},
    )
    stubber.add_response("transact_write_items", {})

    # when two writes are made
    with stubber:
        writes.commit([put(sync_table, "a"), put(sync_table, "b")])

    # then the second attempt made them
    stubber.assert_no_pending_responses()


def test_two_writes_of_one_item_in_an_event_keep_the_later(writes, dynamodb, sync_table):
    # given an event that remembers a Contact twice
    identities = IdentityMap(sync_table, dynamodb, writes)
    writes.begin()
    identities.put(IdentityKind.CONTACT, JANE_NO, Identity(JANE_ID, sync_status="Created"))
    identities.put(IdentityKind.CONTACT, JANE_NO, Identity(JANE_ID, sync_status="Synchronized"))

    # when its writes are made (a transaction may name an item only once)
    writes.commit_pending(put(sync_table, "last"))
    writes.end()

    # then the later one is what is stored
    assert identities.entry(IdentityKind.CONTACT, JANE_NO) == Identity(JANE_ID, sync_status="Synchronized")


def test_an_entry_read_in_the_event_and_unchanged_is_not_rewritten(writes, dynamodb, sync_table):
    # given a stored entry
    identities = IdentityMap(sync_table, dynamodb, writes)
    identities.put(IdentityKind.CONTACT, JANE_NO, Identity(JANE_ID))
    writes.begin()
    identities.prefetch([(IdentityKind.CONTACT, JANE_NO), (IdentityKind.CONTACT_EMAIL, "jane@example.com")])

    # when the event remembers it as it is, and makes its writes
    with Stubber(dynamodb) as no_call_allowed:  # any call made here would raise
        identities.put(IdentityKind.CONTACT, JANE_NO, Identity(JANE_ID))
        skipped = writes.commit_pending()

    # then nothing was written (nothing called)
    assert skipped == []
    no_call_allowed.assert_no_pending_responses()


def test_entries_prefetched_for_an_event_are_read_in_one_batch_and_then_answered_from_it(writes, dynamodb, sync_table):
    # given two stored entries, and an event that prefetched them and one that is not there
    identities = IdentityMap(sync_table, dynamodb, writes)
    identities.put(IdentityKind.CONTACT, JANE_NO, Identity(JANE_ID))
    identities.put(IdentityKind.ACCOUNT, "RefArchGlobal", Identity("001000000000001AAA"))
    writes.begin()
    identities.prefetch(
        [
            (IdentityKind.CONTACT, JANE_NO),
            (IdentityKind.ACCOUNT, "RefArchGlobal"),
            (IdentityKind.CONTACT_EMAIL, "jane@example.com"),
        ]
    )
    dynamodb.delete_table(TableName=sync_table)  # any further read would fail

    # when the workflow asks for them one by one
    contact = identities.get(IdentityKind.CONTACT, JANE_NO)
    account = identities.get(IdentityKind.ACCOUNT, "RefArchGlobal")
    email = identities.get(IdentityKind.CONTACT_EMAIL, "jane@example.com")

    # then the batch answered them all
    assert (contact, account, email) == (JANE_ID, "001000000000001AAA", None)


def test_a_claim_release_while_collecting_waits_for_the_events_last_write(writes, dynamodb, sync_table):
    # given a claim held by an event collecting its writes, and another container
    claims = ClaimStore(sync_table, dynamodb, writes=writes)
    elsewhere = ClaimStore(sync_table, dynamodb, writes=EventWrites(dynamodb))
    assert claims.acquire("entity", REF.pk, "e-1")
    writes.begin()

    # when it releases it
    claims.release("entity", REF.pk, "e-1")

    # then another event gets it only once the last write is made
    assert not elsewhere.acquire("entity", REF.pk, "e-2")
    writes.commit_pending()
    writes.end()
    assert elsewhere.acquire("entity", REF.pk, "e-2")


def test_a_claim_released_earlier_in_a_queue_batch_is_taken_by_a_later_event_of_the_batch(writes, dynamodb, sync_table):
    # given a queue batch (one collection of writes) whose first event held and released a social
    # user's claim (its release waiting for the batch's last write)
    claims = ClaimStore(sync_table, dynamodb, writes=writes)
    writes.begin()
    assert claims.acquire("social_user", "u-1", "e-1")
    claims.release("social_user", "u-1", "e-1")

    # when a later event of the batch asks for the same claim
    taken = claims.acquire("social_user", "u-1", "e-2")

    # then it gets it (as it would had the release been made at once), and holds it past the
    # batch's last write: the first event's release does not take it away
    assert taken
    writes.commit_pending()
    writes.end()
    assert not ClaimStore(sync_table, dynamodb, writes=EventWrites(dynamodb)).acquire("social_user", "u-1", "e-3")


def test_a_transaction_refused_for_a_write_dynamodb_cannot_make_is_not_made_again(writes, sync_table, dynamodb):
    # given DynamoDB cancelling a transaction because one of its writes cannot be made at all (an
    # item over 400 KB: "ValidationError" among the CancellationReasons), which no retry changes
    stubber = Stubber(dynamodb)
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        http_status_code=400,
        response_meta={},
        modeled_fields={"CancellationReasons": [{"Code": "None"}, {"Code": "ValidationError"}]},
    )

    # when two writes are made
    with stubber, pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        writes.commit([put(sync_table, "a"), put(sync_table, "b")])

    # then DynamoDB's refusal is told at once, not taken for a conflict and sent again
    stubber.assert_no_pending_responses()
