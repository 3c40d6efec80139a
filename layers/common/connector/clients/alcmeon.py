"""The social inbox's actions API (Alcméon "synchronize" API, github.com/alcmeon/openapi,
synchronize.yaml): `GET /actions?min_action_id=N`, HTTP Basic, at most 10 actions a call."""

from __future__ import annotations

import base64
from typing import Any

import requests

from connector.clients.base import PlatformClient
from connector.errors import PermanentError
from connector.settings import PlatformApi

# "this endpoint will return at most 10 events" (GET /actions)
ACTIONS_PAGE = 10


class SocialActionsClient(PlatformClient):
    """Reads the inbox's actions with the connector's own credentials (the API application's id and key)."""

    platform = "social"

    def __init__(self, api: PlatformApi, app_id: str, api_key: str, session: requests.Session | None = None) -> None:
        super().__init__(api, session)
        self._basic = base64.b64encode(f"{app_id}:{api_key}".encode()).decode()

    def authorize(self, headers: dict[str, str], *, renew: bool = False) -> None:
        headers["Authorization"] = f"Basic {self._basic}"

    def actions(self, min_action_id: int, max_action_id: int | None = None) -> list[dict[str, Any]]:
        """The actions whose id > min_action_id (and <= max_action_id), ascending; at most ACTIONS_PAGE."""
        params = {"min_action_id": str(min_action_id)}
        if max_action_id is not None:
            params["max_action_id"] = str(max_action_id)
        found = self.call("GET", "/actions", params=params)
        if not isinstance(found, list):
            raise PermanentError("social GET /actions did not answer a list")
        return sorted((a for a in found if isinstance(a, dict) and isinstance(a.get("id"), int)), key=lambda a: a["id"])
