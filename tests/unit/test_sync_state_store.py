"""`connector.state.SyncStateStore`: sync state per entity, every write conditional on the source version."""

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from connector.envelope import normalize_version
from connector.state import EntityRef, StaleEvent, SyncStateStore, SyncStatus
from connector.state.sync_state import KEPT_ENVELOPE_BYTES

JANE = EntityRef("commerce", "customer", "00001001")
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/registration"
V1 = "2026-11-23T10:00:00.000000Z"
V2 = "2026-11-23T11:00:00.000000Z"
V0 = "2026-11-23T09:00:00.000000Z"


@pytest.fixture
def store(dynamodb: Any, sync_table: str) -> SyncStateStore:
    return SyncStateStore(sync_table, dynamodb)


def receive(store: SyncStateStore, ref: EntityRef = JANE, version: str = V1, event_id: str = "evt-1", **kw: Any):
    return store.record_received(
        ref,
        version=version,
        event_id=event_id,
        event_type=kw.pop("event_type", "customer.registered"),
        envelope=kw.pop("envelope", json.dumps({"event_id": event_id}, separators=(",", ":"))),
        queue_url=QUEUE_URL,
        **kw,
    )


def raw_items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    return dynamodb.scan(TableName=table)["Items"]


# -- record_received ---------------------------------------------------------------------------------


def test_first_event_is_recorded_as_received(store):
    state = receive(store)

    assert state.ref == JANE
    assert state.status is SyncStatus.RECEIVED
    assert state.source_version == V1
    assert state.event_id == "evt-1"
    assert state.event_type == "customer.registered"
    assert state.attempts == 0
    assert state.queue_url == QUEUE_URL
    assert state.created_at and state.updated_at


def test_recorded_state_reads_back(store):
    receive(store)

    state = store.get(JANE)

    assert state is not None
    assert (state.ref, state.status, state.source_version, state.event_id) == (JANE, SyncStatus.RECEIVED, V1, "evt-1")
    assert state.envelope == '{"event_id":"evt-1"}'


def test_unknown_entity_has_no_state(store):
    assert store.get(EntityRef("commerce", "customer", "nobody")) is None


def test_event_may_be_recorded_as_queued(store):
    state = receive(store, status=SyncStatus.QUEUED)

    assert state.status is SyncStatus.QUEUED


def test_newer_version_replaces_the_state_and_keeps_created_at(store):
    first = receive(store, version=V1, event_id="evt-1")

    second = receive(store, version=V2, event_id="evt-2", event_type="customer.updated")

    assert (second.source_version, second.event_id, second.event_type) == (V2, "evt-2", "customer.updated")
    assert second.created_at == first.created_at


def test_same_version_is_accepted_again(store):
    receive(store, version=V1, event_id="evt-1")

    again = receive(store, version=V1, event_id="evt-1-redelivered")

    assert again.event_id == "evt-1-redelivered"


def test_older_version_never_overwrites_newer(store, dynamodb, sync_table):
    receive(store, version=V2, event_id="evt-2")
    before = raw_items(dynamodb, sync_table)

    with pytest.raises(StaleEvent):
        receive(store, version=V1, event_id="evt-1")

    assert raw_items(dynamodb, sync_table) == before


def test_stale_event_carries_the_current_state(store):
    receive(store, version=V2, event_id="evt-2")

    with pytest.raises(StaleEvent) as raised:
        receive(store, version=V1, event_id="evt-1")

    assert raised.value.current is not None
    assert raised.value.current.source_version == V2
    assert raised.value.current.event_id == "evt-2"


def test_new_receive_clears_the_previous_error_and_attempts(store):
    receive(store, version=V1)
    store.transition(JANE, version=V1, status=SyncStatus.QUEUED, attempts=3, error="SERVER_UNAVAILABLE")

    state = receive(store, version=V2, event_id="evt-2")

    assert state.attempts == 0
    assert state.last_error is None


def test_entities_are_kept_apart(store):
    other = EntityRef("commerce", "customer", "00001002")
    receive(store, ref=JANE, version=V2)

    state = receive(store, ref=other, version=V1)

    assert state.ref == other
    assert store.get(JANE).source_version == V2


# -- transition ---------------------------------------------------------------------------------------


def test_transition_moves_the_current_version_to_synced_with_ids(store):
    receive(store, version=V1)

    moved = store.transition(JANE, version=V1, status=SyncStatus.SYNCED, salesforce_ids={"contact_id": "003A"})

    state = store.get(JANE)
    assert moved is True
    assert state.status is SyncStatus.SYNCED
    assert state.salesforce_ids == {"contact_id": "003A"}


def test_transition_records_attempts_and_last_error(store):
    receive(store, version=V1)

    store.transition(JANE, version=V1, status=SyncStatus.QUEUED, attempts=2, error="UNABLE_TO_LOCK_ROW")

    state = store.get(JANE)
    assert (state.status, state.attempts, state.last_error) == (SyncStatus.QUEUED, 2, "UNABLE_TO_LOCK_ROW")


def test_transition_to_synced_clears_the_last_error(store):
    receive(store, version=V1)
    store.transition(JANE, version=V1, status=SyncStatus.QUEUED, attempts=1, error="SERVER_UNAVAILABLE")

    store.transition(JANE, version=V1, status=SyncStatus.SYNCED)

    assert store.get(JANE).last_error is None


def test_last_error_is_truncated_to_1000_characters(store):
    receive(store, version=V1)

    store.transition(JANE, version=V1, status=SyncStatus.DEAD, error="x" * 5000)

    assert store.get(JANE).last_error == "x" * 1000


def test_transition_with_a_stale_version_returns_false_and_changes_nothing(store, dynamodb, sync_table):
    receive(store, version=V2, event_id="evt-2")
    before = raw_items(dynamodb, sync_table)

    moved = store.transition(JANE, version=V1, status=SyncStatus.SYNCED, salesforce_ids={"contact_id": "003A"})

    assert moved is False
    assert raw_items(dynamodb, sync_table) == before


def test_transition_of_an_unknown_entity_returns_false_and_creates_nothing(store, dynamodb, sync_table):
    moved = store.transition(JANE, version=V1, status=SyncStatus.SYNCED)

    assert moved is False
    assert raw_items(dynamodb, sync_table) == []


# -- reject -----------------------------------------------------------------------------------------


def test_a_rejected_event_gives_the_entity_back_its_previous_version(store):
    # given v1 synchronized, then v2 recorded
    receive(store, version=V1, event_id="evt-1")
    store.transition(JANE, version=V1, status=SyncStatus.SYNCED)
    receive(store, version=V2, event_id="evt-2")

    # when v2 is refused back to its sender
    assert store.reject(JANE, version=V2, event_id="evt-2", attempts=1, error="MappingError: ['data'] bad")

    # then the state says why, at the version before it
    state = store.get(JANE)
    assert state is not None
    assert (state.status, state.source_version, state.event_id) == (SyncStatus.DEAD, V1, "evt-2")
    assert state.last_error == "MappingError: ['data'] bad"


def test_after_a_rejection_a_valid_older_event_is_accepted(store):
    receive(store, version=V1, event_id="evt-1")
    receive(store, version=V2, event_id="evt-2")
    store.reject(JANE, version=V2, event_id="evt-2", attempts=1, error="rejected")

    between = receive(store, version="2026-11-23T10:30:00.000000Z", event_id="evt-1b")

    assert between.source_version == "2026-11-23T10:30:00.000000Z"


def test_a_rejected_first_event_leaves_no_version_behind(store):
    receive(store, version=V2, event_id="evt-2")

    store.reject(JANE, version=V2, event_id="evt-2", attempts=1, error="rejected")

    assert receive(store, version=V0, event_id="evt-0").source_version == V0


def test_an_older_event_is_still_stale_after_a_rejection_of_a_newer_one(store):
    # given v1 accepted, v2 recorded then rejected
    receive(store, version=V1, event_id="evt-1")
    receive(store, version=V2, event_id="evt-2")
    store.reject(JANE, version=V2, event_id="evt-2", attempts=1, error="rejected")

    # then an event older than v1 is still stale: v1 is still the entity's version
    with pytest.raises(StaleEvent):
        receive(store, version=V0, event_id="evt-0")


def test_a_rejection_after_a_newer_event_took_over_changes_nothing(store, dynamodb, sync_table):
    receive(store, version=V1, event_id="evt-1")
    receive(store, version=V2, event_id="evt-2")
    before = raw_items(dynamodb, sync_table)

    assert not store.reject(JANE, version=V1, event_id="evt-1", attempts=1, error="rejected")

    assert raw_items(dynamodb, sync_table) == before


def test_a_rejection_of_a_redelivery_with_the_same_version_keeps_that_version(store):
    receive(store, version=V1, event_id="evt-1")
    receive(store, version=V1, event_id="evt-1-again")

    store.reject(JANE, version=V1, event_id="evt-1-again", attempts=1, error="rejected")

    assert store.get(JANE).source_version == V1  # type: ignore[union-attr]


# -- undo_arrival (a refused event writes nothing: issue 11) -----------------------------------------


def test_undoing_the_first_arrival_of_an_entity_leaves_no_state(store, dynamodb, sync_table):
    receive(store, version=V1, event_id="evt-1")

    assert store.undo_arrival(JANE, version=V1, event_id="evt-1")

    assert raw_items(dynamodb, sync_table) == []


def test_undoing_an_arrival_gives_the_entity_back_every_field_of_its_state(store):
    # given v1 dead-lettered with its error and its ids, then v2 arrived
    receive(store, version=V1, event_id="evt-1", envelope='{"event_id":"evt-1"}')
    store.transition(
        JANE,
        version=V1,
        status=SyncStatus.DEAD,
        attempts=3,
        error="SalesforceError: 400",
        salesforce_ids={"contact_id": "003A"},
    )
    before = store.get(JANE)
    receive(store, version=V2, event_id="evt-2", event_type="customer.updated", envelope='{"event_id":"evt-2"}')

    # when v2's arrival is undone
    assert store.undo_arrival(JANE, version=V2, event_id="evt-2")

    # then the state is v1's, field for field (its envelope and its error included)
    assert store.get(JANE) == before


def test_undoing_an_arrival_leaves_no_error_where_the_state_had_none(store, dynamodb, sync_table):
    receive(store, version=V1, event_id="evt-1")
    store.transition(JANE, version=V1, status=SyncStatus.SYNCED)
    receive(store, version=V2, event_id="evt-2")

    store.undo_arrival(JANE, version=V2, event_id="evt-2")

    assert "last_error" not in raw_items(dynamodb, sync_table)[0]


def test_undoing_an_arrival_after_a_newer_event_took_over_changes_nothing(store, dynamodb, sync_table):
    receive(store, version=V1, event_id="evt-1")
    receive(store, version=V2, event_id="evt-2")
    before = raw_items(dynamodb, sync_table)

    assert not store.undo_arrival(JANE, version=V1, event_id="evt-1")

    assert raw_items(dynamodb, sync_table) == before


def test_undoing_an_arrival_too_large_to_keep_the_previous_envelope_leaves_no_envelope(store):
    # given v1 with its envelope, then a v2 whose envelope is too large to keep v1's beside it
    receive(store, version=V1, event_id="evt-1", envelope='{"event_id":"evt-1"}')
    large = json.dumps({"event_id": "evt-2", "data": "x" * KEPT_ENVELOPE_BYTES})
    receive(store, version=V2, event_id="evt-2", envelope=large)

    store.undo_arrival(JANE, version=V2, event_id="evt-2")

    # then v1's state without an envelope (never v2's, which nothing may re-queue)
    state = store.get(JANE)
    assert state is not None
    assert (state.source_version, state.event_id, state.envelope) == (V1, "evt-1", None)


# -- is_superseded --------------------------------------------------------------------------------------


# -- versions --------------------------------------------------------------------------------------------


def test_versions_compare_as_strings_in_time_order_across_time_zones():
    earlier = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    later_in_paris = datetime(2026, 11, 23, 12, 30, tzinfo=timezone(timedelta(hours=1)))

    assert normalize_version(earlier) < normalize_version(later_in_paris)
    assert normalize_version(later_in_paris) == "2026-11-23T11:30:00.000000Z"


# -- stuck (the reconciler's query) -------------------------------------------------------------------------


def _age(dynamodb: Any, table: str, ref: EntityRef, updated_at: str) -> None:
    """Sets an item's updated_at as if it had been written then."""
    dynamodb.update_item(
        TableName=table,
        Key={"pk": {"S": ref.pk}, "sk": {"S": "STATE"}},
        UpdateExpression="SET updated_at = :u",
        ExpressionAttributeValues={":u": {"S": updated_at}},
    )


@pytest.fixture
def aged_entities(store, dynamodb, sync_table):
    """Four entities: old RECEIVED, old QUEUED, old SYNCED, and a RECEIVED one updated just now."""
    old = "2026-11-23T09:00:00.000000Z"
    refs = {name: EntityRef("commerce", "customer", name) for name in ("old-received", "old-queued", "old-synced")}
    receive(store, ref=refs["old-received"])
    receive(store, ref=refs["old-queued"], status=SyncStatus.QUEUED)
    receive(store, ref=refs["old-synced"])
    store.transition(refs["old-synced"], version=V1, status=SyncStatus.SYNCED)
    for ref in refs.values():
        _age(dynamodb, sync_table, ref, old)
    receive(store, ref=EntityRef("commerce", "customer", "fresh-received"))
    return refs


CUTOFF = "2026-11-23T09:15:00.000000Z"


def test_stuck_finds_received_items_older_than_the_cutoff(store, aged_entities):
    stuck = store.stuck(SyncStatus.RECEIVED, older_than=CUTOFF)

    assert [s.ref.key for s in stuck] == ["old-received"]


def test_stuck_finds_queued_items_older_than_the_cutoff(store, aged_entities):
    stuck = store.stuck(SyncStatus.QUEUED, older_than=CUTOFF)

    assert [s.ref.key for s in stuck] == ["old-queued"]


def test_stuck_ignores_items_updated_after_the_cutoff(store, aged_entities):
    stuck = store.stuck(SyncStatus.RECEIVED, older_than="2026-11-23T08:00:00.000000Z")

    assert stuck == []


def test_stuck_items_come_back_as_full_states(store, aged_entities):
    (state,) = store.stuck(SyncStatus.RECEIVED, older_than=CUTOFF)

    assert state.ref == aged_entities["old-received"]
    assert state.envelope == '{"event_id":"evt-1"}'
    assert state.queue_url == QUEUE_URL


def test_stuck_returns_at_most_limit_items(store, dynamodb, sync_table):
    for n in range(5):
        ref = EntityRef("commerce", "customer", f"c{n}")
        receive(store, ref=ref)
        _age(dynamodb, sync_table, ref, f"2026-11-23T09:0{n}:00.000000Z")

    stuck = store.stuck(SyncStatus.RECEIVED, older_than=CUTOFF, limit=2)

    assert len(stuck) == 2


def test_stuck_skips_identity_and_claim_items_in_the_same_table(store, dynamodb, sync_table, aged_entities):
    from connector.crm.identity import Identity, IdentityKind, IdentityMap
    from connector.state import ClaimStore

    IdentityMap(sync_table, dynamodb).put(IdentityKind.CONTACT, "00001001", Identity("003000000000001AAA"))
    ClaimStore(sync_table, dynamodb).acquire("contact", "00001001", "evt-1")

    keys = {s.ref.key for s in store.stuck(SyncStatus.RECEIVED, older_than="9999")}

    assert keys == {"old-received", "fresh-received"}


# -- public view ---------------------------------------------------------------------------------------------


def test_public_view_shows_the_state_without_the_envelope(store):
    receive(store, envelope='{"email":"jane.doe@example.com"}')
    store.transition(JANE, version=V1, status=SyncStatus.SYNCED, salesforce_ids={"contact_id": "003A"})

    public = store.get(JANE).public()

    assert "envelope" not in public
    assert "queue_url" not in public
    assert "jane.doe@example.com" not in str(public)
    assert public == {
        "source": "commerce",
        "entity": "customer",
        "key": "00001001",
        "status": "SYNCED",
        "source_version": V1,
        "event_id": "evt-1",
        "event_type": "customer.registered",
        "attempts": 0,
        "last_error": None,
        "salesforce_ids": {"contact_id": "003A"},
        "created_at": public["created_at"],
        "updated_at": public["updated_at"],
    }
