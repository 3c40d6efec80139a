"""Issue 11, personal data in URLs: an opt-in's sync state is keyed by the keyed hash of its email
(hex HMAC-SHA256 of the trimmed, lower-cased email with the commerce webhook secret, README), so
`GET /v1/sync/commerce/opt_in/<key>` carries no email, and no DynamoDB key holds one."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from trigger_events import event_body

EMAIL = "News.Reader@Example.com"


def _sync_key(connector: Any, email: str) -> str:
    secret = connector.family_secrets["commerce"].encode()
    return hmac.new(secret, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def test_an_opt_ins_sync_state_is_read_by_the_keyed_hash_of_its_email(connector: Any) -> None:
    body = event_body("customer.opted_in", email=EMAIL)
    assert connector.registration.post(body).status == 200

    status, state = connector.sync_state("commerce", "opt_in", _sync_key(connector, EMAIL))

    assert (status, state["status"], state["event_id"]) == (200, "SYNCED", body["event_id"])


def test_no_sync_state_key_holds_the_email_and_the_email_path_finds_nothing(connector: Any) -> None:
    assert connector.registration.post(event_body("customer.opted_in", email=EMAIL)).status == 200

    table = connector.aws.dynamodb.scan(TableName=connector.aws.sync_state_table)["Items"]
    states = [i["pk"]["S"] for i in table if i["sk"]["S"] == "STATE"]

    assert states
    assert not [pk for pk in states if "reader@example.com" in pk.lower()]
    assert connector.sync_state("commerce", "opt_in", EMAIL.lower()).status == 404
