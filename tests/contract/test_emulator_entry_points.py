"""Every emulator's `python -m emulators.<name>` entry point: it prints a READY line naming the
URL it listens on, and that URL serves the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("module", "paths"),
    [
        ("emulators.commerce", ["/_admin/counters"]),
        ("emulators.loyalty", ["/_admin/counters"]),
        ("emulators.social", ["/_admin/counters"]),
        # the Salesforce one also answers its REST API and knows the Contact object (schema loaded)
        ("emulators.salesforce", ["/_admin/health", "/services/data/", "/_admin/records/Contact"]),
    ],
)
def test_module_entry_point_prints_ready_and_serves(module: str, paths: list[str]) -> None:
    # given the emulator started as a module on a free port, from the repository root
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--host", "127.0.0.1", "--port", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        # when its first line is read
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        # then it names the URL it listens on, and that URL serves
        assert line.startswith("READY http://127.0.0.1:"), f"{module} printed {line!r} (exit {process.poll()})"
        url = line.removeprefix("READY ")
        assert [requests.get(f"{url}{path}", timeout=5).status_code for path in paths] == [200] * len(paths)
    finally:
        process.terminate()
        process.wait(timeout=5)
