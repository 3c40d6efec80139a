"""Issue 11, `source`: the duplicate check is keyed on (source, event_id), so `source` must never be
free text. The route fixes the family (a body naming another is a 422), and a message on a
function's queue naming another family than its event type's is dead-lettered, never run."""

from __future__ import annotations

import json
from typing import Any

from trigger_events import event_body


def test_an_event_id_resent_under_another_source_with_another_payload_makes_no_second_contact(
    connector: Any,
) -> None:
    # given a registration synced under source "commerce"
    first = event_body("customer.registered")
    assert connector.registration.post(first).status == 200
    # when the same event_id comes again naming another family, for another customer
    second = event_body("customer.registered")
    second["event_id"], second["source"] = first["event_id"], "chat"
    second["data"]["customer"] |= {"customer_no": "00009002", "email": "other@example.com"}
    status, answer = connector.registration.post(second)

    # then it is refused at `source`, and Salesforce holds one Contact
    assert status == 422
    assert ["source"] in [e["loc"] for e in answer["errors"]]
    assert len(connector.salesforce.records("Contact")) == 1


def test_a_queued_message_naming_another_family_is_dead_lettered_not_run(connector: Any) -> None:
    # given a registration body naming source "chat" on the registration queue (only the connector
    # writes there: a redrive of an old message, or a bug, not a caller)
    body = event_body("customer.registered")
    body["source"] = "chat"
    connector.aws.sqs.send_message(QueueUrl=connector.registration.queue_url, MessageBody=json.dumps(body))

    # when the function consumes it
    response = connector.registration.drain_queue()

    # then nothing is written and the message waits in the DLQ for an operator
    assert response == {"batchItemFailures": []}
    assert connector.salesforce.records("Contact") == []
    assert len(connector.registration.dead_letters()) == 1
