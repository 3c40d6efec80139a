"""The real Salesforce emulator over HTTP, for the connector's Salesforce client.

One emulator per session on a free port (werkzeug, in a thread); every test starts from an empty
org, zeroed counters, no faults, and a cold token cache (as a fresh Lambda container would).
"""

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

from connector.salesforce import SalesforceClient
from connector.salesforce.auth import ClientCredentials, TokenProvider, forget_cached_tokens
from emulators.salesforce import create_app

CLIENT_ID = "local-client"
CLIENT_SECRET = "local-secret"


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="salesforce-emulator", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


class EmulatorAdmin:
    """The emulator's /_admin/ API: what the test knows that the client under test does not."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        resp = requests.request(method, f"{self.base_url}/_admin/{path}", json=body, timeout=5)
        resp.raise_for_status()
        return resp.json()

    def reset(self) -> None:
        self._call("POST", "reset")

    def counters(self) -> dict[str, Any]:
        return dict(self._call("GET", "counters"))

    def token_requests(self) -> int:
        return int(self.counters()["token_requests"])

    def api_calls(self) -> int:
        return int(self.counters()["total"])

    def fault(self, **spec: Any) -> None:
        self._call("POST", "faults", spec)

    def expire_sessions(self) -> None:
        self._call("POST", "expire-sessions")

    def records(self, sobject: str) -> list[dict[str, Any]]:
        return list(self._call("GET", f"records/{sobject}")["records"])

    def seed(self, records: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
        return dict(self._call("POST", "seed", records))


@pytest.fixture
def admin(emulator_url: str) -> Iterator[EmulatorAdmin]:
    admin = EmulatorAdmin(emulator_url)
    admin.reset()
    forget_cached_tokens()
    # Token requests are counted apart from API calls; a reset zeroes both.
    assert admin.token_requests() == 0
    yield admin
    forget_cached_tokens()


@pytest.fixture
def credentials(emulator_url: str) -> ClientCredentials:
    return ClientCredentials(emulator_url, CLIENT_ID, CLIENT_SECRET)


@pytest.fixture
def new_client(credentials: ClientCredentials, admin: EmulatorAdmin) -> Any:
    """Makes a client as a Lambda container would at cold start (the token cache is per process)."""

    def make(session: requests.Session | None = None) -> SalesforceClient:
        return SalesforceClient(TokenProvider(credentials), api_version="62.0", session=session)

    return make


@pytest.fixture
def salesforce(new_client: Any) -> SalesforceClient:
    return new_client()
