"""DynamoDB round trips per real-time event, counted at the function's boto3 client (issue 12: a
known entity <= 3, a new one <= 5). The calls are accounted for in connector.pipeline.idempotency:
the intake (idempotency record, sync state, claim) in one TransactWriteItems, the identity-map
reads in one BatchGetItem, the completion (stored answer, sync state, claim release, changed
identity-map entries) in one TransactWriteItems. A change that adds a round trip fails here; the
figures per event type are printed by `make bench` (bench/api_calls.py).

And the conditional writes that made it so keep their guarantees: a newer event meeting an entity
claimed by an older one is recorded and queued, the older one's completion leaves the newer
version alone, and both converge."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from trigger_events import event_body, now_iso

from bench.aws_calls import AwsCalls, counting_aws_calls

# The three round trips of a real-time sync event, new entity or known.
INTAKE_READ_COMPLETION = Counter({("dynamodb", "TransactWriteItems"): 2, ("dynamodb", "BatchGetItem"): 1})


@pytest.fixture
def calls(connector: Any) -> Iterator[AwsCalls]:
    """Every AWS call of the functions created from here on (the counter must precede their clients)."""
    with counting_aws_calls() as counted:
        # A warm container: its first event also reads secrets and the org's shared API usage.
        connector.registration.post(event_body("customer.registered", customer={**customer("00009999")}))
        yield counted


def customer(customer_no: str, **profile: Any) -> dict[str, Any]:
    body = event_body("customer.registered")["data"]["customer"]
    return {**body, "customer_no": customer_no, "email": f"c{customer_no}@example.com", **profile}


def dynamodb_calls(calls: AwsCalls, send: Any) -> Counter[tuple[str, str]]:
    with calls.measure() as made:
        send()
    return Counter({k: n for k, n in made.items() if k[0] == "dynamodb"})


def test_a_new_customers_registration_costs_three_dynamodb_round_trips(connector: Any, calls: AwsCalls) -> None:
    # given a warm registration function
    body = event_body("customer.registered", customer=customer("00001001"))

    # when a new customer registers
    made = dynamodb_calls(calls, lambda: connector.registration.post(body))

    # then: intake, identity-map reads, completion
    assert made == INTAKE_READ_COMPLETION


def test_a_known_customers_changed_profile_costs_three_dynamodb_round_trips(connector: Any, calls: AwsCalls) -> None:
    # given a registered customer
    connector.registration.post(event_body("customer.registered", customer=customer("00001001")))
    changed = event_body("customer.updated", customer=customer("00001001", last_name="Changed"))

    # when their profile changes
    made = dynamodb_calls(calls, lambda: connector.registration.post(changed))

    # then: intake, identity-map reads, completion
    assert made == INTAKE_READ_COMPLETION


def test_an_update_that_changes_nothing_costs_three_dynamodb_round_trips(connector: Any, calls: AwsCalls) -> None:
    # given a registered customer
    connector.registration.post(event_body("customer.registered", customer=customer("00001001")))
    same = event_body("customer.updated", customer=customer("00001001"))

    # when the same profile comes again
    made = dynamodb_calls(calls, lambda: connector.registration.post(same))

    # then: the same three, no more (the identity map is not rewritten)
    assert made == INTAKE_READ_COMPLETION


def test_a_repeated_delivery_costs_one_dynamodb_round_trip(connector: Any, calls: AwsCalls) -> None:
    # given a delivered event
    body = event_body("customer.registered", customer=customer("00001001"))
    first = connector.registration.post(body)

    # when it is delivered again
    with calls.measure() as made:
        again = connector.registration.post(body)

    # then the intake's condition failing on the idempotency record answers it: nothing more
    assert again == first
    assert made == Counter({("dynamodb", "TransactWriteItems"): 1})


def test_a_newer_event_meeting_a_claimed_entity_is_recorded_queued_and_wins(connector: Any) -> None:
    # given an older event of a customer holding its claim while Salesforce is slow
    first_container, second_container = connector.container("registration"), connector.container("registration")
    older = event_body("customer.registered", occurred_at=now_iso(-60), customer=customer("00001001"))
    newer = event_body("customer.updated", customer=customer("00001001", last_name="Newer"))
    connector.salesforce.fault(latency_ms=1500, match="/composite", count=1)
    answers: list[Any] = []
    runner = threading.Thread(target=lambda: answers.append(first_container.post(older)))
    runner.start()
    time.sleep(0.4)  # the older delivery is waiting on Salesforce, claim held

    # when a newer event of that customer arrives in another container
    queued = second_container.post(newer)
    runner.join(10)

    # then the newer one is recorded and queued; the older one's completion leaves its version alone
    assert queued == (202, {"status": "queued", "event_id": newer["event_id"]})
    assert answers[0].status == 200
    assert connector.sync_status("customer", "00001001") == "QUEUED"
    # and once the queue delivers it, the newer profile is what Salesforce holds
    connector.registration.drain_queue()
    assert connector.sync_status("customer", "00001001") == "SYNCED"
    assert [c["LastName"] for c in connector.salesforce.records("Contact")] == ["Newer"]


def test_an_older_event_after_a_newer_one_writes_nothing_but_its_answer(connector: Any) -> None:
    # given a customer synced at a newer version
    connector.registration.post(event_body("customer.updated", customer=customer("00001001", last_name="Newer")))
    calls_before = connector.salesforce.calls()
    older = event_body("customer.registered", occurred_at=now_iso(-60), customer=customer("00001001"))

    # when an older event arrives
    status, answer = connector.registration.post(older)

    # then it is answered stale, with the newer version's ids, and nothing is written
    assert (status, answer["status"], answer.get("stale")) == (200, "synced", True)
    assert connector.salesforce.calls() == calls_before
    assert connector.registration.post(older) == (status, answer)


def test_a_known_orders_update_costs_three_dynamodb_round_trips(connector: Any, calls: AwsCalls) -> None:
    # given an order of a registered customer, synced
    contact_id = connector.registration.post(event_body("customer.registered", customer=customer("00001001")))
    order = {**event_body("order.created")["data"]["order"], "salesforce_contact_id": contact_id.body["contact_id"]}
    connector.order_header.post(event_body("order.created", order=order))
    update = event_body("order.updated", order={**order, "status": "completed"})

    # when its status changes
    made = dynamodb_calls(calls, lambda: connector.order_header.post(update))

    # then: intake, identity-map reads, completion
    assert made == INTAKE_READ_COMPLETION


def test_a_contact_us_form_of_a_known_customer_costs_three_dynamodb_round_trips(
    connector: Any, calls: AwsCalls
) -> None:
    # given a registered customer, and their first form (its function warm)
    connector.registration.post(event_body("customer.registered", customer=customer("00001001")))
    form = {**event_body("contact_us.submitted")["data"]["case"], "email": "c00001001@example.com", "order_no": None}
    connector.contact_us.post(event_body("contact_us.submitted", case=form))

    # when they send another
    made = dynamodb_calls(calls, lambda: connector.contact_us.post(event_body("contact_us.submitted", case=form)))

    # then: intake, identity-map reads (the Contact found by email), completion
    assert made == INTAKE_READ_COMPLETION


def test_a_queue_batch_writes_its_transitions_releases_and_identities_in_one_round_trip(
    connector: Any, calls: AwsCalls
) -> None:
    # given an async registration function that has synced a batch, and three queued registrations
    connector.configure(SYNC_MODE="async")
    connector.registration.post(event_body("customer.registered", customer=customer("00001999")))
    connector.registration.drain_queue()
    for n in range(3):
        connector.registration.post(event_body("customer.registered", customer=customer(f"0000200{n}")))

    # when the queue delivers them as one batch
    with calls.measure() as made:
        assert connector.registration.drain_queue() == {"batchItemFailures": []}

    # then: their states in one read, a claim each, their identity entries (customers, emails,
    # customer list) in one read, the rest in one write
    assert Counter({k: n for k, n in made.items() if k[0] == "dynamodb"}) == Counter(
        {
            ("dynamodb", "BatchGetItem"): 2,
            ("dynamodb", "PutItem"): 3,
            ("dynamodb", "TransactWriteItems"): 1,
        }
    )
    assert {connector.sync_status("customer", f"0000200{n}") for n in range(3)} == {"SYNCED"}


def test_a_body_under_the_size_limit_whose_parsed_form_is_larger_is_still_synced(connector: Any) -> None:
    # given a registration under 256 KiB whose 60,000 addresses are empty (each would be written
    # back with its nine fields' defaults: an envelope of over 8 MB, past DynamoDB's 400 KB item)
    body = event_body("customer.registered", customer={**customer("00001001"), "addresses": [{}] * 60_000})

    # when it is delivered
    status, answer = connector.registration.post(body)

    # then it is recorded and synced like any other, not refused as "unavailable" on every delivery
    assert (status, answer["status"]) == (200, "synced")
    assert connector.sync_status("customer", "00001001") == "SYNCED"


def test_an_event_whose_completion_was_never_written_converges_on_its_redelivery(
    connector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a registration whose function dies once Salesforce holds the Contact, before its
    # completion (stored answer, SYNCED, claim release, identity entries) is written; its Lambda
    # had 300 ms left, so its in-progress record expires then
    import sys

    from botocore.client import BaseClient

    harness = next(
        m for m in list(sys.modules.values()) if m.__name__.endswith("conftest") and hasattr(m, "LambdaContext")
    )
    context = harness.LambdaContext
    monkeypatch.setattr(context, "get_remaining_time_in_millis", lambda _self: 300)
    making, transactions = BaseClient._make_api_call, []

    def dies_at_completion(client: Any, operation: str, params: Any) -> Any:
        if operation == "TransactWriteItems":
            transactions.append(operation)
            if len(transactions) == 2:
                raise SystemExit("the Lambda was killed")
        return making(client, operation, params)

    body = event_body("customer.registered", customer=customer("00001001"))
    monkeypatch.setattr(BaseClient, "_make_api_call", dies_at_completion)
    with pytest.raises(SystemExit):
        connector.registration.post(body)
    monkeypatch.setattr(BaseClient, "_make_api_call", making)
    assert len(connector.salesforce.records("Contact")) == 1

    # when the sender delivers it again, after the in-progress record expired
    time.sleep(0.5)
    status, answer = connector.registration.post(body)

    # then it runs again and completes: synced, the same single Contact, and a later delivery gets that answer
    assert (status, answer["status"]) == (200, "synced")
    assert connector.sync_status("customer", "00001001") == "SYNCED"
    assert len(connector.salesforce.records("Contact")) == 1
    assert connector.registration.post(body) == (status, answer)
