"""The example data a fresh local stack starts with: what the bodies in `events/` refer to.

`local/seed/<platform>.json` is posted to that emulator's `POST /_admin/seed` once it answers, so
every example event can be sent to a fresh `make run` and end synced (an order event needs its
order in the storefront, a minimal registration needs the customer's profile). Only emulators
that devstack started itself are seeded: a real service named by its URL variable is never
written to. A seed file an emulator refuses stops the boot: the examples would fail otherwise.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path

import requests

log = logging.getLogger("devstack")


class SeedError(RuntimeError):
    """An emulator refused its seed file."""


def seed_files(directory: Path) -> dict[str, Path]:
    """platform name -> its seed file, for the files present."""
    if not directory.is_dir():
        return {}
    return {path.stem: path for path in sorted(directory.glob("*.json"))}


def seed_emulators(emulator_urls: Mapping[str, str], directory: Path, timeout: float = 10.0) -> dict[str, object]:
    """Post each platform's seed file to its emulator; returns what each emulator reported."""
    files = seed_files(directory)
    session = requests.Session()
    session.trust_env = False
    report: dict[str, object] = {}
    for platform, url in emulator_urls.items():
        path = files.get(platform)
        if path is None:
            continue
        document = json.loads(path.read_text())
        resp = session.post(f"{url}/_admin/seed", json=document, timeout=timeout)
        if resp.status_code != 200:
            raise SeedError(f"{platform} emulator refused {path}: {resp.status_code} {resp.text[:500]}")
        report[platform] = resp.json()
        log.info("%s emulator seeded from %s: %s", platform, path.name, report[platform])
    return report
