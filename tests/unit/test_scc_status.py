"""`scc status`: an entity's sync state from the sync-state table, the fields `GET /v1/sync/...`
answers; a personal key (an opt-in's email) looked up by its keyed hash and never printed."""

from __future__ import annotations

import argparse
import json

import boto3
import pytest

from connector.envelope import EntityRef, sync_key
from connector.state.sync_state import SyncStateStore, SyncStatus
from scc import cli
from scc.target import CliError, Target, TriggerQueues

SECRET = "commerce-secret"


@pytest.fixture
def target(sync_table: str) -> Target:
    return Target(
        name="a test account",
        api_url="http://unused",
        region="us-east-1",
        sync_state_table=sync_table,
        triggers={"registration": TriggerQueues("q", "dlq")},
        make_client=lambda service: boto3.client(service, region_name="us-east-1"),
        read_webhook_secret={"commerce": SECRET}.get,
        local=True,
    )


def synced(target: Target, ref: EntityRef) -> None:
    store = SyncStateStore(target.sync_state_table, target.client("dynamodb"))
    store.record_received(
        ref, version="v1", event_id="evt-1", event_type="customer.opted_in", envelope="{}", queue_url="q"
    )
    store.transition(ref, version="v1", status=SyncStatus.SYNCED, attempts=1, salesforce_ids={"contact_id": "003X"})


def args(*argv: str) -> argparse.Namespace:
    return cli.build_parser().parse_args(["status", *argv])


def test_status_json_holds_the_fields_the_sync_route_answers(
    target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a synced customer
    synced(target, EntityRef("commerce", "customer", "00001001"))

    # When its status is asked for as JSON
    code = cli.status(target, args("commerce", "customer", "00001001", "--json"))

    # Then it is the sync state's public document: status, ids, event; no payload
    state = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (state["status"], state["salesforce_ids"], state["event_id"]) == ("SYNCED", {"contact_id": "003X"}, "evt-1")
    assert "envelope" not in state


def test_a_personal_key_is_looked_up_by_its_keyed_hash_and_never_printed(
    target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an opt-in stored, as the pipeline stores it, under the keyed hash of its email
    email = "Jane.Doe@example.com"
    synced(target, EntityRef("commerce", "optin", sync_key(SECRET, email)))

    # When its status is asked for by the email, as a personal key
    code = cli.status(target, args("commerce", "optin", email, "--personal"))

    # Then it is found, and the email is printed nowhere
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("commerce/optin/<personal key>: SYNCED")
    assert email not in out and email.lower() not in out


def test_an_entity_never_seen_is_an_error_naming_it(target: Target) -> None:
    with pytest.raises(CliError, match="no sync state for commerce/customer/NOPE"):
        cli.status(target, args("commerce", "customer", "NOPE"))
