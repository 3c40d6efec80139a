"""The soak's verifier: which outcome an entity's records and sync state make."""

from __future__ import annotations

from typing import Any

from bench.soak_events import Entity, plan
from bench.soak_verifier import Records, verify


def _customer(*last_names: str) -> Entity:
    entity = Entity("customer", "C1")
    for index, name in enumerate(last_names):
        entity.versions.append({"event_id": f"e{index}", "data": {"customer": {"last_name": name}}})
    return entity


def _contact(last_name: str) -> dict[str, Any]:
    return {"Commerce_Customer_No__c": "C1", "LastName": last_name}


def _outcomes(entity: Entity, contacts: list[dict[str, Any]], state: dict[str, Any] | None) -> list[str]:
    states = {state["event_id"]: state} if state else {}
    return [f.outcome for f in verify([entity], Records({"Contact": contacts}), states).findings]


def test_the_newest_version_written_once_is_no_finding() -> None:
    assert _outcomes(_customer("A", "B"), [_contact("B")], {"event_id": "e1", "status": "SYNCED"}) == []


def test_an_older_version_left_standing_is_stale() -> None:
    assert _outcomes(_customer("A", "B"), [_contact("A")], {"event_id": "e1", "status": "SYNCED"}) == ["stale"]


def test_no_record_without_a_dead_state_is_lost() -> None:
    assert _outcomes(_customer("A"), [], {"event_id": "e0", "status": "SYNCED"}) == ["lost"]


def test_two_records_of_one_entity_are_duplicated() -> None:
    assert _outcomes(_customer("A"), [_contact("A"), _contact("A")], None) == ["duplicated"]


def test_a_dead_state_whose_version_salesforce_holds_is_dead_while_written() -> None:
    state = {"event_id": "e1", "status": "DEAD", "last_error": "UNABLE_TO_LOCK_ROW: x"}
    assert _outcomes(_customer("A", "B"), [_contact("B")], state) == ["dead_written"]


def test_a_dead_state_with_an_older_version_standing_is_dead_with_its_error() -> None:
    state = {"event_id": "e1", "status": "DEAD", "last_error": "INVALID_FIELD: x"}
    entity = _customer("A", "B")
    [finding] = verify([entity], Records({"Contact": [_contact("A")]}), {"e1": state}).findings
    assert (finding.outcome, finding.detail) == ("dead", "older version stands; INVALID_FIELD: x")


def test_a_plan_has_every_live_event_type_unique_event_ids_and_a_tenth_duplicated() -> None:
    soak = plan(500, seed=3)
    event_ids = [body["event_id"] for entity in soak.entities for body in entity.versions]
    types = {body["event_type"] for entity in soak.entities for body in entity.versions}
    assert len(set(event_ids)) == len(event_ids)
    assert types == {
        "customer.registered",
        "customer.updated",
        "customer.opted_in",
        "order.created",
        "order.updated",
        "contact_us.submitted",
        "chat.ended",
        "offline_message.received",
        "conversation.routed",
        "conversation.replied",
    }
    assert len(soak.deliveries) - len(event_ids) == round(len(event_ids) * 0.1)
