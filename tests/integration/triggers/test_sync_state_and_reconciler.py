"""The reconciler function: GET /v1/sync/{source}/{entity}/{key} (support and tooling) and its
scheduled sweep, which re-queues work stuck past its deadline (DESIGN §1, README)."""

from __future__ import annotations

from typing import Any

from trigger_events import event_body


def test_the_sync_state_of_a_synchronized_customer_names_its_salesforce_ids(connector: Any) -> None:
    body = event_body("customer.registered")
    _, answer = connector.registration.post(body)

    status, state = connector.sync_state("commerce", "customer", "00001001")

    assert status == 200
    assert {k: state[k] for k in ("source", "entity", "key", "status", "event_id", "event_type", "attempts")} == {
        "source": "commerce",
        "entity": "customer",
        "key": "00001001",
        "status": "SYNCED",
        "event_id": body["event_id"],
        "event_type": "customer.registered",
        "attempts": 1,
    }
    assert state["salesforce_ids"] == {"contact_id": answer["contact_id"], "account_id": answer["account_id"]}


def test_the_sync_state_never_shows_the_events_payload(connector: Any) -> None:
    connector.registration.post(event_body("customer.registered"))

    _, state = connector.sync_state("commerce", "customer", "00001001")

    assert "jane.doe@example.com" not in str(state)


def test_the_sync_state_of_an_order_is_found_by_its_number(connector: Any) -> None:
    connector.configure(SYNC_MODE="async")
    connector.order_header.post(event_body("order.created"))

    status, state = connector.sync_state("commerce", "order", "00002001")

    assert (status, state["status"]) == (200, "QUEUED")


def test_the_sync_state_of_an_unknown_entity_is_404(connector: Any) -> None:
    status, _ = connector.sync_state("commerce", "customer", "00009999")

    assert status == 404


def test_the_sync_state_of_an_unknown_source_is_401_as_no_family_secret_signs_it(connector: Any) -> None:
    status, _ = connector.reconciler.get("/v1/sync/erp/customer/00001001")

    assert status == 401


def test_the_sync_state_route_is_signed_with_its_sources_family_secret(connector: Any) -> None:
    connector.registration.post(event_body("customer.registered"))
    path = "/v1/sync/commerce/customer/00001001"

    with_chat_secret = connector.reconciler.get(path, secret=connector.family_secrets["chat"])
    unsigned = connector.reconciler.get(path, sign=False)

    assert (with_chat_secret.status, unsigned.status) == (401, 401)


def test_the_sweep_requeues_work_whose_message_was_lost_and_the_queue_then_synchronizes_it(connector: Any) -> None:
    connector.configure(SYNC_MODE="async")
    connector.registration.post(event_body("customer.registered"))
    connector.registration.lose_messages()  # the message is lost
    connector.age_sync_state(3600)

    result = connector.reconciler.schedule()

    assert result["requeued"] == 1
    assert connector.registration.queue_depth() == 1
    assert connector.registration.drain_queue() == {"batchItemFailures": []}
    assert connector.sync_status("customer", "00001001") == "SYNCED"
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00001001")["LastName"] == "Doe"


def test_the_sweep_requeues_each_entity_to_its_own_functions_queue(connector: Any) -> None:
    connector.configure(SYNC_MODE="async")
    connector.registration.post(event_body("customer.registered"))
    connector.order_header.post(event_body("order.created"))
    for trigger in ("registration", "order_header"):
        connector.trigger(trigger).lose_messages()
    connector.age_sync_state(3600)

    result = connector.reconciler.schedule()

    assert result["requeued"] == 2
    assert (connector.registration.queue_depth(), connector.order_header.queue_depth()) == (1, 1)


def test_the_sweep_leaves_work_younger_than_its_deadline_alone(connector: Any) -> None:
    connector.configure(SYNC_MODE="async")
    connector.registration.post(event_body("customer.registered"))

    result = connector.reconciler.schedule()

    assert result["requeued"] == 0
    assert connector.registration.queue_depth() == 1


def test_the_sweep_leaves_synchronized_and_dead_work_alone(connector: Any) -> None:
    connector.registration.post(event_body("customer.registered"))
    connector.salesforce.fault(status=400, errorCode="FIELD_CUSTOM_VALIDATION_EXCEPTION", count=1)
    other = event_body("customer.registered")
    other["data"]["customer"].update(customer_no="00001002", email="li.wei@example.com")
    connector.registration.post(other)
    connector.age_sync_state(3600)

    result = connector.reconciler.schedule()

    assert result["requeued"] == 0
    assert connector.registration.queue_depth() == 0
    assert [connector.sync_status("customer", no) for no in ("00001001", "00001002")] == ["SYNCED", "DEAD"]


def test_the_sweep_honours_stuck_after_seconds_from_the_config(connector: Any) -> None:
    connector.configure({"stuck_after_seconds": 7200}, SYNC_MODE="async")
    connector.registration.post(event_body("customer.registered"))
    connector.registration.lose_messages()
    connector.age_sync_state(3600)

    result = connector.reconciler.schedule()

    assert result["requeued"] == 0


def test_work_lost_again_after_max_receive_count_sweeps_is_given_up_as_dead(connector: Any) -> None:
    connector.configure(SYNC_MODE="async")
    connector.registration.post(event_body("customer.registered"))
    requeued = []
    for _ in range(4):
        connector.registration.lose_messages()  # lost every time
        connector.age_sync_state(3600)
        requeued.append(connector.reconciler.schedule()["requeued"])

    assert requeued == [1, 1, 1, 0]  # MAX_RECEIVE_COUNT attempts, then no more
    state = connector.sync_state("commerce", "customer", "00001001").body
    assert state["status"] == "DEAD"
    assert "stuck" in state["last_error"]


def waiting_past_the_queues_attempts(connector: Any) -> None:
    """A minimal registration OCAPI does not show yet, retried MAX_RECEIVE_COUNT (3) times: the lag
    window is still open, so a fresh message carries it on (the sync state says QUEUED, 3 attempts)."""
    connector.registration.post(event_body("customer.registered.minimal"))
    for _ in range(3):
        connector.registration.drain_queue()
    state = connector.sync_state("commerce", "customer", "00001002").body
    assert (state["status"], state["attempts"]) == ("QUEUED", 3)


def test_the_sweep_does_not_kill_work_waiting_for_the_storefront_past_the_queues_attempts(connector: Any) -> None:
    # given a registration waiting out the storefront's replication lag, its fresh message pending,
    # and a sweep that finds it older than stuck_after_seconds (the carry-on delay can reach it)
    waiting_past_the_queues_attempts(connector)
    connector.age_sync_state(3600)

    result = connector.reconciler.schedule()

    # then it is not given up on: still QUEUED, and it completes once OCAPI shows the customer
    assert result["dead"] == 0
    assert connector.sync_status("customer", "00001002") == "QUEUED"
    connector.storefront.seed(
        {"customers": [{"customer_no": "00001002", "email": "li.wei@example.com", "customer_list_id": "RefArchGlobal"}]}
    )
    assert connector.registration.drain_queue() == {"batchItemFailures": []}
    assert connector.sync_status("customer", "00001002") == "SYNCED"
    assert connector.registration.dead_letters() == []


def test_the_sweep_requeues_work_waiting_for_the_storefront_whose_message_was_lost(connector: Any) -> None:
    # given a registration waiting out the storefront's replication lag, whose fresh message is lost
    waiting_past_the_queues_attempts(connector)
    connector.registration.lose_messages()
    connector.age_sync_state(3600)

    result = connector.reconciler.schedule()

    # then the sweep sends it again, and it completes once OCAPI shows the customer
    assert (result["requeued"], result["dead"]) == (1, 0)
    assert connector.registration.queue_depth() == 1
    connector.storefront.seed(
        {"customers": [{"customer_no": "00001002", "email": "li.wei@example.com", "customer_list_id": "RefArchGlobal"}]}
    )
    assert connector.registration.drain_queue() == {"batchItemFailures": []}
    assert connector.sync_status("customer", "00001002") == "SYNCED"
