"""No personal data in the logs (issue 11): every example event, with distinctive emails, names and
phones, through the local stack; then every log file the run wrote is searched for them.

The functions' logs (the connector's) and the stack's own log (the gateway's access lines, the
pollers) must hold none of them. The emulators play the platforms, which hold personal data by
design: their lines in the stack's log are not the connector's and are left out of the search.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import LocalStack

pytestmark = pytest.mark.e2e

EVENTS = Path(__file__).resolve().parents[2] / "events"
NAME_KEYS = ("first_name", "last_name", "full_name", "name")
SETTLE_SECONDS = 3.0  # queued events retried, and the log lines of the last invocations written


class Personal:
    """Distinctive personal values, unique to this run, and a record of those handed out."""

    def __init__(self) -> None:
        self.run = uuid.uuid4().hex[:8]
        self.values: list[str] = []
        self._n = 0

    def _next(self, make: str) -> str:
        self._n += 1
        value = make.format(n=self._n, run=self.run)
        self.values.append(value)
        return value

    def email(self) -> str:
        return self._next("quillfeather{n}.{run}@logscan.example")

    def name(self) -> str:
        return self._next("Zbyszewska{run}x{n}")

    def phone(self) -> str:
        return self._next(f"+1 555 {self._n % 10}{self.run[:3].translate(str.maketrans('abcdef', '123456'))} 0199")


def personalised(document: Any, personal: Personal) -> Any:
    """The document with every email, person's name and phone replaced by a distinctive value."""
    if isinstance(document, list):
        return [personalised(item, personal) for item in document]
    if not isinstance(document, dict):
        return document
    person = any("email" in key.lower() for key in document)
    out: dict[str, Any] = {}
    for key, value in document.items():
        lowered = key.lower()
        if isinstance(value, str) and "email" in lowered and "@" in value:
            out[key] = personal.email()
        elif isinstance(value, str) and "phone" in lowered:
            out[key] = personal.phone()
        elif isinstance(value, str) and (lowered in NAME_KEYS[:3] or (person and lowered == "name")):
            out[key] = personal.name()
        else:
            out[key] = personalised(value, personal)
    return out


@pytest.fixture(scope="module")
def sent(stack: LocalStack) -> Iterator[tuple[Personal, dict[str, int]]]:
    """Every example event (events/*.json), personalised, sent once; the status of each event_id."""
    personal = Personal()
    answered: dict[str, int] = {}
    for path in sorted(EVENTS.glob("*.json")):
        body = personalised(json.loads(path.read_text()), personal)
        body["event_id"] = f"logscan-{personal.run}-{path.stem}"
        answered[body["event_id"]] = stack.send(body).status_code
    time.sleep(SETTLE_SECONDS)
    yield personal, answered


def log_files(stack: LocalStack) -> list[Path]:
    directory = Path(next(iter(stack.health["functions"].values()))["log"]).parent
    return sorted(directory.glob("*.log"))


def connector_lines(path: Path) -> list[str]:
    """The lines of a log file that the connector or the gateway wrote (not an emulator's)."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if path.name != "devstack.log":
        return lines  # a function's log: all of it is the connector's
    return [line for line in lines if " devstack | " in line]


def test_the_run_reached_the_functions_and_left_logs(stack: LocalStack, sent: tuple[Personal, dict[str, int]]) -> None:
    # Given the personalised events sent through the stack
    _, answered = sent
    accepted = {event_id for event_id, status in answered.items() if status in (200, 202)}

    # When the functions' logs are read
    text = "\n".join(p.read_text(errors="replace") for p in log_files(stack) if p.name != "devstack.log")

    # Then most events were accepted, and each accepted one is named in them (the search below is
    # a search of the logs these events produced)
    assert len(accepted) >= len(answered) // 2, answered
    assert {event_id for event_id in accepted if event_id not in text} == set()
    assert any(p.name == "devstack.log" for p in log_files(stack))


def test_no_email_name_or_phone_sent_is_in_the_connectors_or_the_gateways_logs(
    stack: LocalStack, sent: tuple[Personal, dict[str, int]]
) -> None:
    # Given the distinctive personal values the run sent
    personal, _ = sent
    assert len(personal.values) > 20

    # When every log file of the run is searched for them
    found = {
        f"{path.name}: {value}"
        for path in log_files(stack)
        for line in connector_lines(path)
        for value in personal.values
        if value.lower() in line.lower()
    }

    # Then none is there
    assert found == set()
