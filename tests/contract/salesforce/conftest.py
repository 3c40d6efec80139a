"""Fixtures: one Salesforce emulator per test session over real HTTP, reset before every test.

Tests talk to it with `requests` exactly as a client would: a token from the OAuth endpoint,
then the REST API under /services/data/v62.0.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from sf_client import Api, serving

from emulators.salesforce import create_app


@pytest.fixture(scope="session")
def sf_server() -> Iterator[str]:
    with serving(create_app()) as base_url:
        yield base_url


@pytest.fixture
def sf(sf_server: str) -> Api:
    requests.post(f"{sf_server}/_admin/reset", timeout=5).raise_for_status()
    return Api(sf_server)
