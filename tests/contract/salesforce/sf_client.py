"""A thin REST client for the Salesforce emulator's contract tests (used through the `sf` fixture)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from flask import Flask
from werkzeug.serving import make_server

API = "/services/data/v62.0"
CLIENT_ID = "local-client"
CLIENT_SECRET = "local-secret"


class Api:
    """A thin REST client: paths are relative to /services/data/v62.0 unless absolute."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.token = self.new_token()

    def new_token(self) -> str:
        response = requests.post(
            f"{self.base}/services/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
            timeout=5,
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def url(self, path: str) -> str:
        return f"{self.base}{path}" if path.startswith("/services/") else f"{self.base}{API}{path}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return requests.request(method, self.url(path), headers=headers, timeout=5, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, json=body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.call("PATCH", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("DELETE", path, **kwargs)

    def query(self, soql: str, **kwargs: Any) -> requests.Response:
        return self.get("/query", params={"q": soql}, **kwargs)

    def records(self, soql: str) -> list[dict[str, Any]]:
        response = self.query(soql)
        assert response.status_code == 200, response.text
        return list(response.json()["records"])

    def create(self, sobject: str, fields: dict[str, Any]) -> str:
        response = self.post(f"/sobjects/{sobject}", fields)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def admin(self, method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(method, f"{self.base}/_admin{path}", json=body, timeout=5)

    def counters(self) -> dict[str, Any]:
        return dict(self.admin("GET", "/counters").json())

    @staticmethod
    def error_of(response: requests.Response) -> dict[str, Any]:
        """The single error of a Salesforce error body, checked for the real shape."""
        body = response.json()
        assert isinstance(body, list) and len(body) == 1, body
        error = body[0]
        assert set(error) == {"message", "errorCode", "fields"}, error
        return dict(error)


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve `app` over real HTTP on a free port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll interval keeps shutdown fast.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
