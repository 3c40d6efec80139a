"""The loyalty platform's API (SessionM style): customers, points, offers, rewards, notes, activity.

The reference documents name the objects and actions but not the API paths; the paths are those of
SessionM's Core API conventions as the local emulator (`emulators/loyalty`) serves them:
`/priv/v1/apps/{api_key}/...`, HTTP Basic with the API key and secret of the secret
`{"api_key", "api_secret"}`, bodies `{"status": "ok", ...}` or
`{"status": "error", "errors": {"code", "message"}}`.

What a refusal means for the caller is decided here, once: a 404 is a NotFoundError naming what is
missing (the customer, the offer, the user offer, the reward), a 409 a ConflictError naming the
state that forbids the action, a 400 a MappingError; 5xx, 429 and timeouts are TransientError (the
base). Customers are found once by their key, then addressed by their platform id.
"""

from __future__ import annotations

import base64
from typing import Any, Protocol

import requests

from connector.clients.base import PlatformClient
from connector.errors import ConflictError, MappingError, NotFoundError, PermanentError
from connector.settings import PlatformApi
from connector.value_types import quoted_path_segment


class CustomerRef(Protocol):
    """What names a customer (connector.loyalty.models.CustomerRef): its key per the setting."""

    def key(self, search_by_external_id: bool) -> tuple[str, str]: ...


# A platform 404 code -> where the event names it, and what is missing.
_MISSING: dict[str, tuple[list[str | int], str]] = {
    "USER_NOT_FOUND": (["data", "customer"], "the loyalty platform has no such customer"),
    "OFFER_NOT_FOUND": (["data", "offer_id"], "the loyalty platform has no such offer"),
    "USER_OFFER_NOT_FOUND": (["data", "user_offer_id"], "the customer has no such user offer"),
    "REWARD_NOT_FOUND": (["data", "offer_id"], "the reward store has no such reward"),
}
# A platform 409 code -> the state that forbids the action, in words an agent reads.
_STATES: dict[str, str] = {
    "OFFER_REVOKED": "the user offer is revoked",
    "OFFER_REDEEMED": "the user offer is redeemed",
    "OFFER_EXPIRED": "the user offer is expired",
    "OFFER_ISSUED": "the user offer is issued",
    "OFFER_NOT_YET_REDEEMABLE": "the user offer's redemption window has not started",
    "OFFER_NOT_AVAILABLE": "the offer is not available",
    "OFFER_IS_REWARD": "the offer is a reward: it is bought with points (reward.purchase)",
    "INSUFFICIENT_POINTS": "the customer's point balance is too low",
    "OUT_OF_STOCK": "the reward is out of stock",
    "EMAIL_TAKEN": "a loyalty customer already has this email",
    "EXTERNAL_ID_TAKEN": "a loyalty customer already has this external id",
}
# Refusals whose code names the action, not the state: the user offer is read to name its state.
_STATE_UNNAMED = ("OFFER_NOT_REDEEMED", "OFFER_NOT_EXPIRED")
_UNNAMED_STATE = "the user offer is not in a state that allows the action"


class LoyaltyClient(PlatformClient):
    platform = "loyalty"

    def __init__(
        self,
        api: PlatformApi,
        api_key: str,
        api_secret: str,
        *,
        search_by_external_id: bool = True,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(api, session)
        self._auth = (api_key, api_secret)
        self._app = f"/priv/v1/apps/{quoted_path_segment(api_key, 'loyalty')}"
        self.search_by_external_id = search_by_external_id

    def authorize(self, headers: dict[str, str], *, renew: bool = False) -> None:
        token = base64.b64encode(f"{self._auth[0]}:{self._auth[1]}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"

    # -- the exchange --------------------------------------------------------------------------
    def _api(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        missing_ok: bool = False,
    ) -> dict[str, Any] | None:
        """One call; its body, or None for a 404 when `missing_ok`; refusals as the module says."""
        headers = {"Accept": "application/json"}
        self.authorize(headers)
        resp = self.send(method, f"{self.base_url}{self._app}{path}", headers=headers, json=json, params=params)
        if resp.status_code < 400:
            return dict(resp.json())
        code = _error_code(resp)
        if resp.status_code == 404 and missing_ok:
            return None
        if resp.status_code == 404:
            loc, what = _MISSING.get(code, (["data"], "the loyalty platform has no such record"))
            raise NotFoundError(loc, what)
        if resp.status_code == 409:
            if code in _STATE_UNNAMED:
                raise ConflictError(_UNNAMED_STATE)
            raise ConflictError(_STATES.get(code, f"the loyalty platform refused the action ({code})"))
        if resp.status_code == 400:
            # The code only: the platform's message may quote the values (personal data).
            raise MappingError(["data"], f"the loyalty platform refused the values ({code or 'no code'})")
        # A path without ids or query: an error text never carries personal data.
        raise PermanentError(f"loyalty {method} answered {resp.status_code} ({code})")

    def _user(self, user_id: str) -> str:
        return f"/users/{quoted_path_segment(user_id, 'loyalty')}"

    # -- customers -----------------------------------------------------------------------------
    def find_user(self, ref: CustomerRef) -> dict[str, Any] | None:
        """The customer by their external id or email (per the Search by External ID setting), or None."""
        key_field, key = ref.key(self.search_by_external_id)
        if key_field == "external_id":
            return self.user_by_external_id(key)
        users = self._checked(self._api("GET", "/users/search", params={"email": key}))["users"]
        return dict(users[0]) if users else None

    def user_by_external_id(self, external_id: str) -> dict[str, Any] | None:
        """The customer holding this external id, whatever the search setting (a merge knows the
        loser's by its external id alone), or None."""
        found = self._api("GET", f"/external/users/{quoted_path_segment(external_id, 'loyalty')}", missing_ok=True)
        return None if found is None else dict(found["user"])

    def get_user(self, user_id: str) -> dict[str, Any]:
        return dict(self._checked(self._api("GET", self._user(user_id)))["user"])

    def create_user(self, fields: dict[str, Any]) -> dict[str, Any]:
        return dict(self._checked(self._api("POST", "/users", json={"user": fields}))["user"])

    def update_user(self, user_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return dict(self._checked(self._api("PUT", self._user(user_id), json={"user": fields}))["user"])

    def merge(self, survivor_id: str, victim_id: str) -> dict[str, Any]:
        body = {"victim_user_id": victim_id}
        return dict(self._checked(self._api("POST", f"{self._user(survivor_id)}/merge", json=body))["user"])

    # -- points --------------------------------------------------------------------------------
    def point_accounts(self, user_id: str) -> dict[str, Any]:
        """`{"point_accounts": [{name, available_balance, life_time_value}], "available_points"}`."""
        return self._checked(self._api("GET", f"{self._user(user_id)}/points"))

    def adjust_points(self, user_id: str, points: int, account: str, source: str, reason: str) -> dict[str, Any]:
        body = {"points": points, "point_account": account, "point_source": source, "reason": reason}
        return self._checked(self._api("POST", f"{self._user(user_id)}/points", json=body))

    # -- offers and rewards --------------------------------------------------------------------
    def catalog_offers(self) -> list[dict[str, Any]]:
        return [dict(o) for o in self._checked(self._api("GET", "/offers"))["offers"]]

    def user_offers(self, user_id: str) -> list[dict[str, Any]]:
        return [dict(o) for o in self._checked(self._api("GET", f"{self._user(user_id)}/offers"))["user_offers"]]

    def user_offer(self, user_id: str, user_offer_id: str) -> dict[str, Any]:
        path = f"{self._user(user_id)}/offers/{quoted_path_segment(user_offer_id, 'loyalty')}"
        return dict(self._checked(self._api("GET", path))["user_offer"])

    def issue_offer(self, user_id: str, offer_id: str) -> dict[str, Any]:
        body = {"offer_id": offer_id}
        return dict(self._checked(self._api("POST", f"{self._user(user_id)}/offers", json=body))["user_offer"])

    def change_user_offer(
        self, user_id: str, user_offer_id: str, action: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """revoke | redeem | unredeem | reissue | extend a user offer; a refusal names its state."""
        path = f"{self._user(user_id)}/offers/{quoted_path_segment(user_offer_id, 'loyalty')}/{action}"
        try:
            return dict(self._checked(self._api("POST", path, json=body or {}))["user_offer"])
        except ConflictError as exc:
            if exc.args and exc.args[0] == _UNNAMED_STATE:
                state = self.user_offer(user_id, user_offer_id)["status"]
                raise ConflictError(f"the user offer is {state}: it cannot be {_past(action)}") from exc
            raise

    def purchase_reward(self, user_id: str, offer_id: str, quantity: int) -> dict[str, Any]:
        body = {"offer_id": offer_id, "quantity": quantity}
        return dict(self._checked(self._api("POST", f"{self._user(user_id)}/orders", json=body))["order"])

    # -- notes and activity --------------------------------------------------------------------
    def add_note(self, user_id: str, reason: str, text: str) -> dict[str, Any]:
        body = {"reason": reason, "text": text}
        return dict(self._checked(self._api("POST", f"{self._user(user_id)}/notes", json=body))["note"])

    def notes(self, user_id: str) -> list[dict[str, Any]]:
        return [dict(n) for n in self._checked(self._api("GET", f"{self._user(user_id)}/notes"))["notes"]]

    def activity(self, user_id: str, page: int, per_page: int) -> dict[str, Any]:
        """`{"activities": [...] newest first, "page", "per_page", "total"}`."""
        params = {"page": str(page), "per_page": str(per_page)}
        return self._checked(self._api("GET", f"{self._user(user_id)}/activity", params=params))

    @staticmethod
    def _checked(body: dict[str, Any] | None) -> dict[str, Any]:
        if body is None:  # only a `missing_ok` call answers None
            raise PermanentError("loyalty answered no body")
        return body


def _error_code(resp: requests.Response) -> str:
    """The platform's error code (empty when the body is not the documented shape)."""
    try:
        errors = resp.json().get("errors") or {}
    except (ValueError, AttributeError):
        return ""
    return str(errors.get("code") or "")


def _past(action: str) -> str:
    return {"revoke": "revoked", "redeem": "redeemed", "unredeem": "unredeemed", "reissue": "reissued"}.get(
        action, f"{action}ed"
    )
