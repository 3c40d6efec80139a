"""The social inbox's API (Alcméon style): what Salesforce tells the inbox.

The public overview names the notifications (a user matched, a conversation handed back to the
inbox, an agent's reply, an engagement message) but no paths, and the inbox's public actions API
(github.com/alcmeon/openapi, synchronize.yaml: `GET /actions`, `GET /actions/conversations/{id}`,
the `/notify` webhook) only reads what agents did; it offers no write. So the paths are those of
the local emulator (`emulators/social`), which mirrors the overview's objects; its `answer` action
(AnswerData.answers[].content, by an AdminUser with an email) is what a reply becomes there.
Authentication is the API key of the secret `{"api_key": ...}` as a bearer token.

A reply and an engagement message are sent with an `Idempotency-Key` (the sync event's id): a
retry after a lost answer is recognised by the inbox and never sends the message twice. The match
and the hand-back are idempotent by nature (setting the same values again).
"""

from __future__ import annotations

from typing import Any

import requests

from connector.clients.base import PlatformClient, PlatformRefusal
from connector.errors import ConflictError, NotFoundError
from connector.settings import PlatformApi
from connector.value_types import quoted_path_segment

API = "/api/v1"


class SocialClient(PlatformClient):
    platform = "social"

    def __init__(self, api: PlatformApi, api_key: str, session: requests.Session | None = None) -> None:
        super().__init__(api, session)
        self._api_key = api_key

    def authorize(self, headers: dict[str, str], *, renew: bool = False) -> None:
        headers["Authorization"] = f"Bearer {self._api_key}"

    def _conversation(self, conversation_id: str) -> str:
        return f"{API}/conversations/{quoted_path_segment(conversation_id, 'social inbox')}"

    def _post(self, path: str, body: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """A notification about a conversation: unknown is a 404 naming it, closed a 409."""
        try:
            found = self.call("POST", path, json=body, missing_ok=True, idempotency_key=idempotency_key)
        except PlatformRefusal as exc:
            if exc.status == 409:
                raise ConflictError("The social inbox refused: the conversation is closed.") from exc
            raise
        if found is None:
            raise NotFoundError(["data", "conversation_id"], "The social inbox has no such conversation.")
        return found

    def conversation_user(self, conversation_id: str) -> str:
        """The id of the conversation's user (404: NotFoundError naming the conversation)."""
        found = self.call("GET", self._conversation(conversation_id), missing_ok=True)
        if found is None:
            raise NotFoundError(["data", "conversation_id"], "The social inbox has no such conversation.")
        return str(found["conversation"]["user"]["id"])

    def match_user(self, conversation_id: str, sobject: str, salesforce_id: str) -> dict[str, Any]:
        """The conversation's user is this Contact (or Person Account): all their conversations get it."""
        body = {"salesforce_contact_id": salesforce_id, "salesforce_object": sobject}
        return dict(self._post(f"{self._conversation(conversation_id)}/contact", body))

    def assign_to_inbox(
        self, conversation_id: str, team: str, agent_email: str | None, case_id: str | None
    ) -> dict[str, Any]:
        """Hand the conversation back to the inbox (to a team)."""
        body = {"team": team, "salesforce_user_email": agent_email, "salesforce_case_id": case_id}
        return dict(self._post(f"{self._conversation(conversation_id)}/assign", _present(body)))

    def reply(self, conversation_id: str, text: str, agent: dict[str, str], idempotency_key: str) -> dict[str, Any]:
        """The agent's reply, sent as the inbox user with the agent's email (created by the inbox if new)."""
        body = {"text": text, "agent": agent}
        return dict(self._post(f"{self._conversation(conversation_id)}/messages", body, idempotency_key))

    def engage(self, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """An engagement message (WhatsApp, KakaoTalk) to a consenting recipient."""
        return dict(self.call("POST", f"{API}/engagements", json=_present(body), idempotency_key=idempotency_key))


def _present(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}
