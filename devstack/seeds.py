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
from typing import Any

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


# -- a backfill's worth of storefront data ---------------------------------------------------------
BACKFILL_LISTS = ("RefArchGlobal", "RefArchOutlet")
BACKFILL_SITE = "RefArch"
# Orders are dated within the first half of 2026, customers last changed before any of them.
BACKFILL_CUSTOMERS_CHANGED = "2026-01-02T08:00:00.000Z"
_SEED_BATCH = 2000  # documents per POST /_admin/seed (each a few MB at most)


def backfill_documents(
    customers: int = 10_000,
    orders: int = 5_000,
    lists: tuple[str, ...] = BACKFILL_LISTS,
    guest_every: int = 50,
    *,
    site: str = BACKFILL_SITE,
    prefix: str = "BF",
) -> dict[str, list[dict[str, Any]]]:
    """Storefront documents for a backfill: `customers` registered customers spread evenly over
    `lists`, and `orders` orders of `site`, dated through the first half of 2026, each placed by a
    registered customer except every `guest_every`-th, a guest with an email no customer has.
    Numbers and emails start with `prefix` (a stack holding other data keeps them apart)."""
    low = prefix.lower()
    people: list[dict[str, Any]] = [
        {
            "customer_no": f"{prefix}{n:06d}",
            "email": f"{low}.customer.{n}@example.com",
            "first_name": f"Customer{n}",
            "last_name": f"Backfill{n % 97}",
            "phone_home": f"+1 617 555 {n % 10000:04d}",
            "site_id": site,
            "customer_list_id": lists[n % len(lists)],
            "creation_date": BACKFILL_CUSTOMERS_CHANGED,
            "last_modified": BACKFILL_CUSTOMERS_CHANGED,
            "addresses": [{"address1": f"{n} Main St", "city": "Boston", "postal_code": "02110", "preferred": True}],
        }
        for n in range(customers)
    ]
    placed: list[dict[str, Any]] = []
    for n in range(orders):
        day = 1 + n * 180 // max(orders, 1)  # spread over ~180 days from 2026-01-02
        month, mday = 1 + (day - 1) // 30, 1 + (day - 1) % 28
        created = f"2026-{month:02d}-{mday:02d}T12:{n % 60:02d}:00.000Z"
        if customers and n % guest_every:
            buyer = people[n % customers]
            info = {"customer_no": buyer["customer_no"], "email": buyer["email"], "customer_name": "Backfill Buyer"}
        else:
            info = {"email": f"{low}.guest.{n}@example.com", "customer_name": f"Guest {n}"}
        placed.append(
            {
                "order_no": f"{prefix}O{n:07d}",
                "site_id": site,
                "status": "new",
                "creation_date": created,
                "last_modified": created,
                "currency": "USD",
                "product_items": [{"product_id": f"SKU-{n % 40}", "quantity": 1, "price": 19.99 + n % 7}],
                "customer_info": info,
            }
        )
    return {"customers": people, "orders": placed}


def seed_backfill(commerce_url: str, documents: Mapping[str, list[dict[str, Any]]], timeout: float = 60.0) -> None:
    """Post `documents` (backfill_documents) to the commerce emulator, a few thousand at a time."""
    session = requests.Session()
    session.trust_env = False
    lists = sorted({str(c["customer_list_id"]) for c in documents.get("customers", [])})
    for key in ("customers", "orders"):
        items = documents.get(key, [])
        for start in range(0, len(items), _SEED_BATCH):
            body = {key: items[start : start + _SEED_BATCH], "customer_lists": lists}
            resp = session.post(f"{commerce_url}/_admin/seed", json=body, timeout=timeout)
            if resp.status_code != 200:
                raise SeedError(f"commerce emulator refused the backfill seed: {resp.status_code} {resp.text[:300]}")
