"""The operator CLI (`scc`) end to end against the local stack: the sync state of a synced entity,
a signed send, a dead-letter queue filled by a real failure (a validation rule on the emulated org),
listed without personal data, redriven once the rule is lifted, and errors as one line.

The commands run in-process (`scc.cli.main`, the installed script's entry point) and talk HTTP to
the stack, except the error test, which runs the installed `scc` script itself.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from salesforce_org import SalesforceOrg, wait_for

from scc.cli import main

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parents[2] / "events"
SCC = Path(sys.executable).with_name("scc")


@pytest.fixture
def org(stack: Any) -> Iterator[SalesforceOrg]:
    org = SalesforceOrg(stack.salesforce or "")
    org.clear_faults()
    yield org
    org.clear_faults()


def scc(stack: Any, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of `scc --url <the test stack> argv...`."""
    capsys.readouterr()
    code = main(["--url", stack.url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def registration(batch: str, n: int) -> dict[str, Any]:
    """customer.registered for customer CLI<batch><n>, with personal data of its own."""
    body = copy.deepcopy(json.loads((EXAMPLES / "customer.registered.json").read_text()))
    body["event_id"] = f"evt-cli-{batch}-{n}"
    customer = body["data"]["customer"]
    customer.update(
        customer_no=f"CLI{batch}{n}",
        email=f"cli.person.{batch}{n}@example.com",
        first_name=f"Firstname{batch}",
        last_name=f"Lastname{batch}",
    )
    return body


def validation_rule(org: SalesforceOrg, customer_nos: list[str]) -> None:
    """A validation rule that refuses these customers' Contacts (and no other record) until lifted:
    on the single upsert a live event makes, and on its record of a collection call from the queue."""
    refusal = {
        "status": 400,
        "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "message": "this Contact is blocked by a validation rule",
    }
    for customer_no in customer_nos:
        org.inject_fault(**refusal, match=f"Commerce_Customer_No__c/{customer_no}")
        org.inject_fault(**refusal, scope="record", externalId=customer_no)


def sync_state(stack: Any, customer_no: str) -> dict[str, Any] | None:
    resp = stack.get(f"/v1/sync/commerce/customer/{customer_no}")
    return resp.json() if resp.status_code == 200 else None


def dead_lettered(stack: Any, org: SalesforceOrg, count: int) -> list[dict[str, Any]]:
    """`count` registrations refused by a validation rule: DEAD, in the registration DLQ."""
    batch = uuid.uuid4().hex[:8]
    bodies = [registration(batch, n) for n in range(count)]
    validation_rule(org, [body["data"]["customer"]["customer_no"] for body in bodies])
    for body in bodies:
        assert stack.send(body).status_code == 202
    for body in bodies:
        customer_no = body["data"]["customer"]["customer_no"]
        wait_for(lambda no=customer_no: (s := sync_state(stack, no)) and s["status"] == "DEAD")
    return bodies


def dlq_event_ids(stack: Any) -> set[str]:
    """The event ids in the registration DLQ, read with SQS directly (messages shown again at once)."""
    sqs = boto3.client(
        "sqs",
        endpoint_url=stack.moto,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    url = stack.health["functions"]["RegistrationFunction"]["dlq_url"]
    seen: set[str] = set()
    handles = []
    while True:
        resp = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30, MessageAttributeNames=["All"]
        )
        messages = resp.get("Messages", [])
        if not messages:
            break
        seen |= {m["MessageAttributes"]["event_id"]["StringValue"] for m in messages}
        handles += [m["ReceiptHandle"] for m in messages]
    for handle in handles:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    return seen


def personal_values(body: dict[str, Any]) -> list[str]:
    customer = body["data"]["customer"]
    return [customer[k] for k in ("email", "first_name", "last_name", "phone_home") if customer.get(k)]


# ------------------------------------------------------------------------------------ status
def test_status_shows_the_sync_state_and_salesforce_ids_of_a_synced_customer(
    stack: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given a registration sent with `scc send`, and synced
    body = registration(uuid.uuid4().hex[:8], 0)
    event = tmp_path / "event.json"
    event.write_text(json.dumps(body))
    sent_code, sent, _ = scc(stack, capsys, "send", str(event), "--json")
    assert sent_code == 0, sent

    # When the operator asks for its status
    code, out, _ = scc(
        stack, capsys, "status", "commerce", "customer", body["data"]["customer"]["customer_no"], "--json"
    )

    # Then it is SYNCED with the Contact the send answered
    assert code == 0
    state = json.loads(out)
    assert state["status"] == "SYNCED"
    assert state["event_id"] == body["event_id"]
    assert state["salesforce_ids"]["contact_id"] == json.loads(sent)["body"]["contact_id"]


def test_send_signs_the_event_with_its_familys_secret_and_prints_the_answer(
    stack: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given an event body in a file
    body = registration(uuid.uuid4().hex[:8], 0)
    event = tmp_path / "event.json"
    event.write_text(json.dumps(body))

    # When it is sent with `scc send`
    code, out, _ = scc(stack, capsys, "send", str(event))

    # Then the route took its signature and synced it
    assert code == 0
    assert out.startswith("200 OK  POST /v1/commerce/customers")
    assert '"status": "synced"' in out


# ------------------------------------------------------------------------------ dead letters
def test_dlq_list_shows_each_dead_letter_with_its_error_code_and_entity_and_no_personal_data(
    stack: Any, org: SalesforceOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two registrations dead-lettered by a validation rule
    bodies = dead_lettered(stack, org, 2)

    # When the operator lists the registration dead-letter queue, as text and as JSON
    code, text, _ = scc(stack, capsys, "dlq", "list", "registration")
    json_code, document, _ = scc(stack, capsys, "dlq", "list", "registration", "--json")

    # Then each is there with its event, entity, error code and age, and nothing personal is printed
    assert code == json_code == 0
    rows = {row["event_id"]: row for row in json.loads(document)["dead_letters"]}
    for body in bodies:
        row = rows[body["event_id"]]
        assert row["event_type"] == "customer.registered"
        assert row["entity"] == f"commerce/customer/{body['data']['customer']['customer_no']}"
        assert row["error_code"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
        assert row["age_seconds"] >= 0
        assert body["event_id"] in text
        for value in personal_values(body):
            assert value not in text
            assert value not in document


def test_dlq_redrive_dry_run_counts_them_and_changes_nothing(
    stack: Any, org: SalesforceOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a dead-lettered registration, the rule lifted
    bodies = dead_lettered(stack, org, 1)
    org.clear_faults()

    # When the operator dry-runs a redrive
    code, out, _ = scc(stack, capsys, "dlq", "redrive", "registration", "--dry-run", "--json")

    # Then it is counted, still in the DLQ, still DEAD, and Salesforce does not hold it
    assert code == 0
    report = json.loads(out)
    assert report["dry_run"] is True
    assert report["redriven"] >= 1
    assert {b["event_id"] for b in bodies} <= dlq_event_ids(stack)
    for body in bodies:
        customer_no = body["data"]["customer"]["customer_no"]
        assert sync_state(stack, customer_no)["status"] == "DEAD"
        assert org.contacts_with_customer_no(customer_no) == []


def test_dlq_redrive_after_the_rule_is_lifted_ends_them_synced_and_prints_the_counts(
    stack: Any, org: SalesforceOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two dead-lettered registrations, and the validation rule lifted
    bodies = dead_lettered(stack, org, 2)
    org.clear_faults()

    # When the operator redrives the registration dead-letter queue
    code, out, _ = scc(stack, capsys, "dlq", "redrive", "registration")

    # Then both end SYNCED with one Contact each, the DLQ no longer holds them, and the counts say so
    assert code == 0
    assert out.startswith("redriven ")
    assert "still failing 0" in out
    for body in bodies:
        customer_no = body["data"]["customer"]["customer_no"]
        assert sync_state(stack, customer_no)["status"] == "SYNCED"
        assert len(org.contacts_with_customer_no(customer_no)) == 1
    assert not {b["event_id"] for b in bodies} & dlq_event_ids(stack)


def test_dlq_redrive_while_the_rule_holds_counts_them_still_failing_and_exits_non_zero(
    stack: Any, org: SalesforceOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a dead-lettered registration whose validation rule still holds
    [body] = dead_lettered(stack, org, 1)

    # When the operator redrives it
    code, out, _ = scc(stack, capsys, "dlq", "redrive", "registration", "--json")

    # Then it is counted still failing, exit 1, and it is back in the DLQ, DEAD
    assert code == 1
    assert json.loads(out)["still_failing"] >= 1
    assert sync_state(stack, body["data"]["customer"]["customer_no"])["status"] == "DEAD"
    assert body["event_id"] in dlq_event_ids(stack)


# ------------------------------------------------------------------------------------ errors
def test_an_error_of_the_installed_script_is_one_line_on_stderr_and_exit_1(stack: Any) -> None:
    # Given the installed `scc` script
    # When it is asked for the status of an entity the connector never saw
    run = subprocess.run(
        [str(SCC), "--url", stack.url, "status", "commerce", "customer", "NO-SUCH-CUSTOMER"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    # Then it exits 1 with one line on stderr, no traceback, nothing on stdout
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.splitlines() == [run.stderr.strip()]
    assert run.stderr.startswith("scc: no sync state for commerce/customer/NO-SUCH-CUSTOMER")


@pytest.mark.parametrize(
    ("argv", "status", "says"),
    [
        (["dlq", "list", "no_such_trigger"], 2, "no trigger 'no_such_trigger'"),
        (["dlq", "redrive", "registration", "--limit", "0"], 2, "--limit: must be at least 1"),
        (["status", "nowhere", "customer", "1"], 2, "unknown source 'nowhere'"),
    ],
)
def test_a_command_line_error_is_one_line_naming_it_and_exit_2(
    stack: Any, capsys: pytest.CaptureFixture[str], argv: list[str], status: int, says: str
) -> None:
    # Given the local stack
    # When a command names what is not there, or a bad option
    try:
        code = main(["--url", stack.url, *argv])
    except SystemExit as exit_:  # argparse's own errors exit
        code = int(exit_.code or 0)

    # Then one line on stderr says what, and the exit status is 2
    out, err = capsys.readouterr()
    assert code == status
    assert out == ""
    assert err.splitlines() == [err.strip()]
    assert says in err


@pytest.mark.parametrize(
    ("argv", "code", "says"),
    [
        (["status", "commerce", "customer", "NO-SUCH-CUSTOMER"], "not_found", "no sync state for commerce/customer/"),
        (["dlq", "list", "no_such_trigger"], "usage", "no trigger 'no_such_trigger'"),
        (["dlq", "redrive", "no_such_trigger", "--dry-run"], "usage", "no trigger 'no_such_trigger'"),
        (["backfill", "status", "customers-000000000000"], "not_found", "no backfill run 'customers-000000000000'"),
        (["send", "--get", "/v2/nowhere"], "usage", "is no route of a source family"),
    ],
)
def test_an_error_with_json_is_one_json_object_on_stdout_with_the_same_exit(
    stack: Any, capsys: pytest.CaptureFixture[str], argv: list[str], code: str, says: str
) -> None:
    # Given the local stack
    # When a command of each family fails, with --json
    status, out, err = scc(stack, capsys, *argv)
    _, out_json, err_json = scc(stack, capsys, *argv, "--json")

    # Then the error is one JSON object on stdout, with the exit status the text form has
    error = json.loads(out_json)["error"]
    assert (error["code"], error["exit_status"]) == (code, status)
    assert status != 0 and says in error["message"] and says in err
    assert (out, err_json) == ("", "")


def test_no_local_stack_at_the_url_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    # Given no stack at the URL (a port nothing listens on)
    # When any command runs against it
    code = main(["--url", "http://127.0.0.1:9", "dlq", "list", "registration"])

    # Then one line says so
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines() == [err.strip()]
    assert "no local stack answers at http://127.0.0.1:9" in err


# ---------------------------------------------------------------------------------- backfill
def test_backfill_customers_follows_the_run_to_complete_and_prints_its_figures(
    stack: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the storefront's seeded customer list RefArchGlobal (local/seed/commerce.json)
    # When the operator backfills its customers
    code, out, _ = scc(stack, capsys, "backfill", "customers", "--site", "RefArch", "--list", "RefArchGlobal")

    # Then the run is followed to COMPLETE and its figures printed, every customer read accounted for
    assert code == 0, out
    started, finished = out.strip().splitlines()[:2]
    assert started.startswith("backfill customers-") and started.endswith("customers of RefArch (RefArchGlobal)")
    figures = dict(re.findall(r"(read|written|failed|skipped|API calls) (\d+)", finished.split("COMPLETE: ", 1)[1]))
    assert int(figures["read"]) == 2
    assert int(figures["written"]) + int(figures["skipped"]) == 2
    assert figures["failed"] == "0"
    assert "records/s" in finished


def test_backfill_status_takes_up_following_a_run_started_without_following(
    stack: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an orders backfill started without following it (a day the storefront has no order of,
    # so that the run is quick: following is what is under test, not the Bulk API)
    one_day = ["--from", "2001-01-01", "--to", "2001-01-02"]
    argv = ["backfill", "orders", "--site", "RefArch", *one_day, "--no-follow", "--json"]
    started_code, started, _ = scc(stack, capsys, *argv)
    assert started_code == 0
    run_id = json.loads(started)["run_id"]

    # When the operator asks for its status
    code, out, _ = scc(stack, capsys, "backfill", "status", run_id, "--json")

    # Then it is followed to COMPLETE, and the JSON holds its figures
    assert code == 0
    run = json.loads(out)
    assert (run["run_id"], run["kind"], run["state"]) == (run_id, "orders", "COMPLETE")
    assert (run["records_read"], run["records_written"], run["records_failed"]) == (0, 0, 0)
