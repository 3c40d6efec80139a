"""Fixtures: one Salesforce emulator per test session over real HTTP, reset before every test.

Tests talk to it with `requests` exactly as a client would: a token from the OAuth endpoint,
then the REST API under /services/data/v62.0.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from sf_client import Api
from werkzeug.serving import make_server

from emulators.salesforce import create_app


@pytest.fixture(scope="session")
def sf_server() -> Iterator[str]:
    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    # A short poll interval keeps shutdown fast at the end of the session.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def sf(sf_server: str) -> Api:
    requests.post(f"{sf_server}/_admin/reset", timeout=5).raise_for_status()
    return Api(sf_server)
