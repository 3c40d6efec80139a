"""Bulk API 2.0 ingest through `connector.clients.salesforce_bulk` against the Salesforce emulator
over HTTP: rows/s and API calls per 1,000 records for one upsert job of each size, beside what
sObject collection upserts (200 records a call) would spend. Figures, not assertions.

    python -m bench.bulk_ingest [rows ...]      (default: 1000 10000 50000)
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from werkzeug.serving import make_server

from connector.clients.salesforce_bulk import SalesforceBulk
from connector.salesforce import SalesforceClient
from connector.salesforce.auth import ClientCredentials, TokenProvider, forget_cached_tokens
from emulators.salesforce import create_app

KEY = "Commerce_Customer_No__c"
SIZES = (1_000, 10_000, 50_000)
COLLECTION_SIZE = 200
BAD_EVERY = 100  # one row in a hundred has an invalid email: a failed row, not a failed job


@contextmanager
def emulator() -> Iterator[str]:
    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def rows(count: int) -> list[dict[str, str]]:
    return [
        {
            KEY: f"B{n:07d}",
            "FirstName": f"First{n}",
            "LastName": f"Last, {n}",
            "Email": "not an email" if n % BAD_EVERY == BAD_EVERY - 1 else f"customer{n}@example.com",
        }
        for n in range(count)
    ]


def one_job(bulk: SalesforceBulk, batch: list[dict[str, str]]) -> tuple[float, int, int]:
    """(seconds, rows written, rows failed) of create, upload, close, poll until done, results."""
    started = time.perf_counter()
    job = bulk.create_upsert_job("Contact", KEY)
    bulk.upload(job.id, batch)
    bulk.close(job.id)
    while not (polled := bulk.job(job.id)).finished:
        time.sleep(0.05)
    results = bulk.results(polled.id)
    return time.perf_counter() - started, len(results.successful), len(results.failed)


def main(argv: list[str] | None = None) -> None:
    sizes = [int(arg) for arg in argv] if argv else list(SIZES)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per request
    print("Bulk API 2.0 ingest (one upsert job of Contacts, 1% refused rows), emulator over HTTP")
    print(
        f"{'rows':>8} {'seconds':>8} {'rows/s':>8} {'written':>8} {'failed':>7} {'calls':>6} {'calls/1k':>8}"
        f" {'collections calls':>18}"
    )
    with emulator() as url:
        for size in sizes:
            requests.post(f"{url}/_admin/reset", timeout=10).raise_for_status()
            forget_cached_tokens()
            client = SalesforceClient(TokenProvider(ClientCredentials(url, "local-client", "local-secret")))
            seconds, written, failed = one_job(SalesforceBulk(client), rows(size))
            calls = int(requests.get(f"{url}/_admin/counters", timeout=10).json()["total"])
            collections = -(-size // COLLECTION_SIZE)
            print(
                f"{size:>8} {seconds:>8.2f} {size / seconds:>8.0f} {written:>8} {failed:>7} {calls:>6}"
                f" {calls * 1000 / size:>8.2f} {collections:>18}"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
