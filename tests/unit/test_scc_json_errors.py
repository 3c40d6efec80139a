"""`scc ... --json`: an error is one JSON object on stdout, `{"error": {"code", "message",
"exit_status"}}`, with the exit status the text form has, for every command family, whether the
command line is wrong or the command fails (issue 13: they were printed as text)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scc.cli import main

NO_STACK = "http://127.0.0.1:9"  # a port nothing listens on

COMMAND_LINE_ERRORS = {
    "status": ["status", "commerce", "customer"],
    "dlq list": ["dlq", "list"],
    "dlq redrive": ["dlq", "redrive", "registration", "--limit", "0"],
    "backfill customers": ["backfill", "customers", "--list", "ListA"],
    "backfill orders": ["backfill", "orders", "--site", "RefArch", "--from", "someday", "--to", "2026-02-01"],
    "backfill status": ["backfill", "status"],
    "send": ["send", "--header"],
}

FAILING_COMMANDS = {
    "status": ["status", "commerce", "customer", "00001001"],
    "dlq list": ["dlq", "list", "registration"],
    "dlq redrive": ["dlq", "redrive", "registration", "--dry-run"],
    "backfill customers": ["backfill", "customers", "--site", "RefArch", "--list", "ListA"],
    "backfill orders": ["backfill", "orders", "--site", "RefArch", "--from", "2026-01-01", "--to", "2026-02-01"],
    "backfill status": ["backfill", "status", "customers-0123456789ab"],
    "send": ["send", "--get", "/v1/sync/commerce/customer/00001001"],
}


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def the_error(out: str) -> dict[str, Any]:
    document = json.loads(out)  # one JSON document, nothing else on stdout
    assert set(document) == {"error"}
    error: dict[str, Any] = document["error"]
    return error


@pytest.mark.parametrize("family", sorted(COMMAND_LINE_ERRORS))
def test_a_command_line_error_with_json_is_one_json_object_and_exit_2(
    capsys: pytest.CaptureFixture[str], family: str
) -> None:
    # Given a command of the family with its command line wrong, and --json
    argv = ["--url", NO_STACK, *COMMAND_LINE_ERRORS[family], "--json"]

    # When it runs
    code, out, err = run(capsys, argv)

    # Then stdout holds one JSON error naming what is wrong, nothing is on stderr, the exit is 2
    error = the_error(out)
    assert code == error["exit_status"] == 2
    assert error["code"] == "usage"
    assert error["message"].startswith("scc") and "(see scc" in error["message"]
    assert err == ""


@pytest.mark.parametrize("family", sorted(FAILING_COMMANDS))
def test_a_failing_command_with_json_is_one_json_object_and_exit_1(
    capsys: pytest.CaptureFixture[str], family: str
) -> None:
    # Given no stack at the URL, and --json
    argv = ["--url", NO_STACK, *FAILING_COMMANDS[family], "--json"]

    # When a command of the family runs
    code, out, err = run(capsys, argv)

    # Then stdout holds one JSON error saying so, nothing is on stderr, the exit is 1
    error = the_error(out)
    assert code == error["exit_status"] == 1
    assert error["code"] == "unreachable"
    assert f"no local stack answers at {NO_STACK}" in error["message"]
    assert err == ""


def test_without_json_the_same_error_is_one_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, ["--url", NO_STACK, *COMMAND_LINE_ERRORS["dlq redrive"]])

    assert (code, out) == (2, "")
    assert err.splitlines() == ["scc dlq redrive: argument --limit: must be at least 1 (see scc dlq redrive -h)"]
