"""In-memory state and rules of the loyalty emulator: customers, point accounts, offers, user
offers, reward orders, notes and the activity log.

User offer states follow the SessionM customer profile's Issued / Redeemed / Expired tabs plus
"Revoke and Exclude": an issued offer can be redeemed, revoked or have its redemption dates
changed; a redeemed one can be returned to issued (unredeem); an expired one (issued, past its
redemption end) can have its dates changed or be reissued as a new user offer. Anything else is
a 409 whose code names the state that forbids it (OFFER_REVOKED, OFFER_REDEEMED, ...).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from emulators._base import JSON, ApiError, iso, new_id, now_iso, parse_iso

DEFAULT_POINT_ACCOUNT = "Point Account"
DEFAULT_POINT_SOURCE = "Customer Service"
DEFAULT_REDEMPTION_DAYS = 30
# SessionM records every note as made by the integration user, not the agent (documented limitation).
NOTE_AUTHOR = "SFSC Integration User"
PROFILE_FIELDS = (
    "external_id",
    "email",
    "first_name",
    "last_name",
    "gender",
    "dob",
    "locale",
    "phone",
    "address",
    "city",
    "state",
    "zip",
    "country",
    "opted_in",
    "suspended",
    "account_status",
    "tier",
    "enrolled",
    "custom_profile",
)
BOOLEAN_FIELDS = ("opted_in", "suspended", "enrolled")
# action -> the states it is allowed from
TRANSITIONS = {
    "revoke": ("issued",),
    "redeem": ("issued",),
    "unredeem": ("redeemed",),
    "extend": ("issued", "expired"),
    "reissue": ("expired",),
}
TRANSITION_ACTIVITY = {
    "revoke": "OFFER_REVOKED",
    "redeem": "OFFER_REDEEMED",
    "unredeem": "OFFER_UNREDEEMED",
    "extend": "OFFER_EXTENDED",
}


def error(status: int, code: str, message: str) -> ApiError:
    return ApiError(status, message, code)


def missing(message: str) -> ApiError:
    return error(400, "MISSING_DATA", message)


def invalid(message: str) -> ApiError:
    return error(400, "VALIDATION", message)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _timestamp(value: object, name: str) -> datetime:
    if not isinstance(value, str):
        raise invalid(f"'{name}' must be an RFC 3339 timestamp.")
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise invalid(f"'{name}' must be an RFC 3339 timestamp.") from exc


def validate_profile(fields: Mapping[str, Any], *, partial: bool) -> JSON:
    """The profile fields of a create/update body, type-checked; unknown keys are refused so a
    connector mapping typo shows up in tests instead of vanishing."""
    unknown = sorted(set(fields) - set(PROFILE_FIELDS))
    if unknown:
        raise invalid(f"Unknown user field(s): {', '.join(unknown)}.")
    profile = dict(fields)
    for key, value in profile.items():
        if value is None:
            continue
        if key in BOOLEAN_FIELDS and not isinstance(value, bool):
            raise invalid(f"'{key}' must be a boolean.")
        if key == "custom_profile" and not isinstance(value, dict):
            raise invalid("'custom_profile' must be an object.")
        if key not in BOOLEAN_FIELDS and key != "custom_profile" and not isinstance(value, str):
            raise invalid(f"'{key}' must be a string.")
    if profile.get("dob") is not None:
        try:
            date.fromisoformat(profile["dob"])
        except ValueError as exc:
            raise invalid("'dob' must be a date, YYYY-MM-DD.") from exc
    if not partial and not profile.get("email"):
        raise missing("'email' is required to create a user.")
    if "email" in profile and partial and not profile["email"]:
        raise invalid("'email' cannot be emptied.")
    return profile


class LoyaltyStore:
    """All state of one emulator instance; every public method is atomic."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._clear()

    def _clear(self) -> None:
        self._users: dict[str, JSON] = {}
        self._offers: dict[str, JSON] = {}
        self._user_offers: dict[str, JSON] = {}
        self._orders: dict[str, JSON] = {}
        self._notes: dict[str, list[JSON]] = {}
        self._activity: dict[str, list[JSON]] = {}

    @property
    def lock(self) -> threading.RLock:
        """Held by the app around a whole per-user request, so a user resolved at the start of
        the request cannot be merged away before the request changes it."""
        return self._lock

    def reset(self) -> None:
        with self._lock:
            self._clear()

    # -- users ---------------------------------------------------------------------------------
    def resolve(self, ref: str, by: str) -> JSON:
        """The stored user for a user id (`by="id"`) or an external id (`by="external"`)."""
        with self._lock:
            if by == "id":
                user = self._users.get(ref)
            else:
                user = next((u for u in self._users.values() if u.get("external_id") == ref), None)
            if user is None:
                kind = "user id" if by == "id" else "external id"
                raise error(404, "USER_NOT_FOUND", f"No user with {kind} '{ref}' was found.")
            return user

    def render_user(self, user: JSON) -> JSON:
        with self._lock:
            doc = copy.deepcopy({k: v for k, v in user.items() if k != "point_accounts"})
            doc["available_points"] = sum(a["available_balance"] for a in user["point_accounts"].values())
            return doc

    def create_user(self, fields: Mapping[str, Any], user_id: str | None = None) -> JSON:
        profile = validate_profile(fields, partial=False)
        with self._lock:
            self._check_unique(profile, None)
            stamp = now_iso()
            user: JSON = {
                "id": user_id or new_id("", 24).lower(),
                "external_id": None,
                "opted_in": False,
                "suspended": False,
                "enrolled": True,
                "account_status": "good",
                "tier": None,
                "custom_profile": {},
                **profile,
                "created_at": stamp,
                "updated_at": stamp,
                "point_accounts": {},
            }
            self._users[user["id"]] = user
            self._log(user["id"], "USER_CREATED", f"User created with email {user['email']}")
            return self.render_user(user)

    def update_user(self, user: JSON, fields: Mapping[str, Any]) -> JSON:
        profile = validate_profile(fields, partial=True)
        with self._lock:
            self._check_unique(profile, user["id"])
            user.update(profile)
            user["updated_at"] = now_iso()
            self._log(user["id"], "PROFILE_UPDATED", f"Updated: {', '.join(sorted(profile)) or 'nothing'}")
            return self.render_user(user)

    def _check_unique(self, profile: Mapping[str, Any], own_id: str | None) -> None:
        for other in self._users.values():
            if other["id"] == own_id:
                continue
            if profile.get("external_id") and other.get("external_id") == profile["external_id"]:
                raise error(409, "EXTERNAL_ID_TAKEN", f"External id '{profile['external_id']}' is in use.")
            if profile.get("email") and (other.get("email") or "").casefold() == profile["email"].casefold():
                raise error(409, "EMAIL_TAKEN", f"Email '{profile['email']}' is in use.")

    def search_users(self, email: str | None, external_id: str | None) -> list[JSON]:
        if not email and not external_id:
            raise missing("Search by 'email' or 'external_id'.")
        with self._lock:
            return [
                self.render_user(u)
                for u in self._users.values()
                if (not email or (u.get("email") or "").casefold() == email.casefold())
                and (not external_id or u.get("external_id") == external_id)
            ]

    def merge(self, survivor: JSON, victim: JSON) -> JSON:
        """The survivor takes the victim's points, offers, orders, notes and history; the victim
        is deleted (its ids then answer 404)."""
        with self._lock:
            if survivor["id"] == victim["id"]:
                raise invalid("A user cannot be merged into itself.")
            for name, account in victim["point_accounts"].items():
                mine = self._account(survivor, name)
                mine["available_balance"] += account["available_balance"]
                mine["life_time_value"] += account["life_time_value"]
            for record in (*self._user_offers.values(), *self._orders.values()):
                if record["user_id"] == victim["id"]:
                    record["user_id"] = survivor["id"]
            self._notes.setdefault(survivor["id"], []).extend(self._notes.pop(victim["id"], []))
            self._activity.setdefault(survivor["id"], []).extend(self._activity.pop(victim["id"], []))
            del self._users[victim["id"]]
            survivor["updated_at"] = now_iso()
            self._log(survivor["id"], "USER_MERGED", f"Merged user {victim['id']} ({victim.get('external_id')})")
            return self.render_user(survivor)

    # -- points --------------------------------------------------------------------------------
    @staticmethod
    def _account(user: JSON, name: str) -> JSON:
        accounts: dict[str, JSON] = user["point_accounts"]
        return accounts.setdefault(name, {"name": name, "available_balance": 0, "life_time_value": 0})

    def point_accounts(self, user: JSON) -> JSON:
        with self._lock:
            accounts = [dict(a) for a in user["point_accounts"].values()]
            return {"point_accounts": accounts, "available_points": sum(a["available_balance"] for a in accounts)}

    def adjust_points(self, user: JSON, body: Mapping[str, Any]) -> JSON:
        points = body.get("points")
        if isinstance(points, bool) or not isinstance(points, int) or points == 0:
            raise invalid("'points' must be a non-zero integer (negative to deduct).")
        account_name = body.get("point_account") or DEFAULT_POINT_ACCOUNT
        source = body.get("point_source") or DEFAULT_POINT_SOURCE
        reason = body.get("reason")
        if not all(isinstance(v, str) for v in (account_name, source)) or not isinstance(reason, str | None):
            raise invalid("'point_account', 'point_source' and 'reason' must be strings.")
        with self._lock:
            account = self._account(user, account_name)
            if account["available_balance"] + points < 0:
                raise error(409, "INSUFFICIENT_POINTS", f"'{account_name}' holds {account['available_balance']}.")
            account["available_balance"] += points
            if points > 0:
                account["life_time_value"] += points
            transaction = {
                "id": new_id("pt-", 12),
                "points": points,
                "point_account": account_name,
                "point_source": source,
                "reason": reason,
                "created_at": now_iso(),
            }
            kind = "INCENTIVES_POINT_DEPOSIT" if points > 0 else "INCENTIVES_POINT_SPEND"
            self._log(user["id"], kind, f"{points:+d} {account_name} ({source}) {reason or ''}".strip(), transaction)
            return {"transaction": transaction, **self.point_accounts(user)}

    # -- offers --------------------------------------------------------------------------------
    def offers(self, rewards_only: bool = False) -> list[JSON]:
        with self._lock:
            return [
                dict(o)
                for o in self._offers.values()
                if o["status"] == "active" and (not rewards_only or o.get("points_cost"))
            ]

    def offer(self, offer_id: str) -> JSON:
        with self._lock:
            offer = self._offers.get(offer_id)
            if offer is None:
                raise error(404, "OFFER_NOT_FOUND", f"No offer with id '{offer_id}' was found.")
            return dict(offer)

    def _render_user_offer(self, user_offer: JSON) -> JSON:
        doc = dict(user_offer)
        if doc["status"] == "issued" and parse_iso(doc["redemption_end"]) <= _utcnow():
            doc["status"] = "expired"
        return doc

    def user_offers(self, user: JSON, status: str | None) -> list[JSON]:
        with self._lock:
            docs = [self._render_user_offer(u) for u in self._user_offers.values() if u["user_id"] == user["id"]]
        return [d for d in docs if status is None or d["status"] == status]

    def user_offer(self, user: JSON, user_offer_id: str) -> JSON:
        with self._lock:
            return self._render_user_offer(self._owned(user, user_offer_id))

    def _owned(self, user: JSON, user_offer_id: str) -> JSON:
        found = self._user_offers.get(user_offer_id)
        if found is None or found["user_id"] != user["id"]:
            raise error(404, "USER_OFFER_NOT_FOUND", f"No user offer '{user_offer_id}' for user '{user['id']}'.")
        return found

    def issue(self, user: JSON, offer_id: object, *, activity: str = "OFFER_ISSUED") -> JSON:
        if not isinstance(offer_id, str) or not offer_id:
            raise missing("'offer_id' is required.")
        with self._lock:
            offer = self.offer(offer_id)
            if offer["status"] != "active":
                raise error(409, "OFFER_NOT_AVAILABLE", f"Offer '{offer_id}' is not active.")
            # A reward store item is bought with points (purchase); issued as an offer it would be free.
            if offer.get("points_cost") and activity != "REWARD_ISSUED":
                raise error(409, "OFFER_IS_REWARD", f"Offer '{offer_id}' is a reward: it is purchased with points.")
            now = _utcnow()
            user_offer = {
                "id": new_id("uo-", 12),
                "user_id": user["id"],
                "offer_id": offer_id,
                "name": offer["name"],
                "description": offer.get("description"),
                "status": "issued",
                "issued_at": iso(now),
                "redemption_start": iso(now),
                "redemption_end": iso(now + timedelta(days=offer["redemption_days"])),
                "redeemed_at": None,
                "revoked_at": None,
            }
            self._user_offers[user_offer["id"]] = user_offer
            self._log(
                user["id"], activity, f"{offer['name']} ({user_offer['id']})", {"user_offer_id": user_offer["id"]}
            )
            return self._render_user_offer(user_offer)

    def transition(self, user: JSON, user_offer_id: str, action: str, body: Mapping[str, Any]) -> JSON:
        with self._lock:
            stored = self._owned(user, user_offer_id)
            state = self._render_user_offer(stored)["status"]
            allowed = TRANSITIONS[action]
            if state not in allowed:
                code = {"unredeem": "OFFER_NOT_REDEEMED", "reissue": "OFFER_NOT_EXPIRED"}.get(action)
                raise error(409, code or f"OFFER_{state.upper()}", f"Cannot {action} a user offer that is {state}.")
            if action == "reissue":
                return self.issue(user, stored["offer_id"], activity="OFFER_REISSUED") | {
                    "reissued_from": user_offer_id
                }
            if action == "extend":
                self._extend(stored, body)
            elif action == "redeem":
                if parse_iso(stored["redemption_start"]) > _utcnow():
                    raise error(409, "OFFER_NOT_YET_REDEEMABLE", "The redemption period has not started.")
                stored.update(status="redeemed", redeemed_at=now_iso())
            elif action == "unredeem":
                stored.update(status="issued", redeemed_at=None)
            else:
                stored.update(status="revoked", revoked_at=now_iso())
            self._log(user["id"], TRANSITION_ACTIVITY[action], f"{stored['name']} ({user_offer_id})")
            return self._render_user_offer(stored)

    @staticmethod
    def _extend(stored: JSON, body: Mapping[str, Any]) -> None:
        end = _timestamp(body.get("redemption_end"), "redemption_end")
        start_raw = body.get("redemption_start")
        start = _timestamp(start_raw, "redemption_start") if start_raw is not None else None
        if start is not None and start >= end:
            raise invalid("'redemption_start' must be before 'redemption_end'.")
        if start is not None:
            stored["redemption_start"] = iso(start)
        stored["redemption_end"] = iso(end)

    # -- rewards -------------------------------------------------------------------------------
    def purchase(self, user: JSON, body: Mapping[str, Any]) -> JSON:
        offer_id, quantity = body.get("offer_id"), body.get("quantity", 1)
        if not isinstance(offer_id, str) or not offer_id:
            raise missing("'offer_id' is required.")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise invalid("'quantity' must be a positive integer.")
        with self._lock:
            reward = self._offers.get(offer_id)
            if reward is None or not reward.get("points_cost"):
                raise error(404, "REWARD_NOT_FOUND", f"No reward with offer id '{offer_id}' was found.")
            cost = reward["points_cost"] * quantity
            if reward.get("stock") is not None and reward["stock"] < quantity:
                raise error(409, "OUT_OF_STOCK", f"'{offer_id}' has {reward['stock']} left.")
            balance = sum(a["available_balance"] for a in user["point_accounts"].values())
            if balance < cost:
                raise error(409, "INSUFFICIENT_POINTS", f"The reward costs {cost} points; the user has {balance}.")
            remaining = cost
            for account in user["point_accounts"].values():  # spend from accounts in order
                spent = min(remaining, account["available_balance"])
                account["available_balance"] -= spent
                remaining -= spent
            if reward.get("stock") is not None:
                reward["stock"] -= quantity
            issued = [self.issue(user, offer_id, activity="REWARD_ISSUED")["id"] for _ in range(quantity)]
            order = {
                "id": new_id("ord-", 12),
                "user_id": user["id"],
                "offer_id": offer_id,
                "name": reward["name"],
                "quantity": quantity,
                "points_spent": cost,
                "status": "fulfilled",
                "user_offer_ids": issued,
                "created_at": now_iso(),
            }
            self._orders[order["id"]] = order
            self._log(user["id"], "REWARD_PURCHASED", f"{reward['name']} x{quantity} for {cost} points", order)
            return dict(order)

    def orders(self, user: JSON) -> list[JSON]:
        with self._lock:
            return [dict(o) for o in self._orders.values() if o["user_id"] == user["id"]]

    # -- notes and activity --------------------------------------------------------------------
    def add_note(self, user: JSON, body: Mapping[str, Any]) -> JSON:
        text, reason = body.get("text"), body.get("reason")
        if not isinstance(text, str) or not text.strip():
            raise missing("'text' is required.")
        if reason is not None and not isinstance(reason, str):
            raise invalid("'reason' must be a string.")
        with self._lock:
            note = {"id": new_id("note-", 12), "reason": reason, "text": text, "created_at": now_iso()}
            note["created_by"] = NOTE_AUTHOR
            self._notes.setdefault(user["id"], []).append(note)
            self._log(user["id"], "NOTE_ADDED", f"{reason or 'Note'}: {text}")
            return dict(note)

    def notes(self, user: JSON) -> list[JSON]:
        with self._lock:
            return [dict(n) for n in reversed(self._notes.get(user["id"], []))]

    def activity(self, user: JSON, page: int, per_page: int) -> JSON:
        with self._lock:
            entries = list(reversed(self._activity.get(user["id"], [])))
        first = (page - 1) * per_page
        return {
            "activities": [dict(e) for e in entries[first : first + per_page]],
            "page": page,
            "per_page": per_page,
            "total": len(entries),
        }

    def _log(self, user_id: str, kind: str, details: str, data: Mapping[str, Any] | None = None) -> None:
        entry: JSON = {"id": new_id("act-", 12), "type": kind, "occurred_at": now_iso(), "details": details}
        if data is not None:
            entry["data"] = copy.deepcopy(dict(data))
        self._activity.setdefault(user_id, []).append(entry)

    # -- seed ----------------------------------------------------------------------------------
    def seed(self, body: JSON) -> JSON:
        users = _seed_list(body, "users")
        offers = _seed_list(body, "offers")
        user_offers = _seed_list(body, "user_offers")
        with self._lock:
            for raw in offers:
                self._seed_offer(raw)
            for raw in users:
                self._seed_user(raw)
            for raw in user_offers:
                self._seed_user_offer(raw)
        return {"users": len(users), "offers": len(offers), "user_offers": len(user_offers)}

    def _seed_offer(self, raw: object) -> None:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise missing("Each offer needs a string 'id'.")
        cost, days = raw.get("points_cost"), raw.get("redemption_days", DEFAULT_REDEMPTION_DAYS)
        if cost is not None and (isinstance(cost, bool) or not isinstance(cost, int) or cost < 0):
            raise invalid("'points_cost' must be a non-negative integer.")
        stock = raw.get("stock")
        if stock is not None and (isinstance(stock, bool) or not isinstance(stock, int) or stock < 0):
            raise invalid("'stock' must be a non-negative integer (absent: unlimited).")
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise invalid("'redemption_days' must be a positive integer.")
        if raw.get("status", "active") not in ("active", "inactive"):
            raise invalid("Offer 'status' must be 'active' or 'inactive'.")
        self._offers[raw["id"]] = {
            "id": raw["id"],
            "name": raw.get("name") or raw["id"],
            "description": raw.get("description"),
            "points_cost": cost,
            "stock": stock,
            "redemption_days": days,
            "status": raw.get("status", "active"),
        }

    def _seed_user(self, raw: object) -> None:
        if not isinstance(raw, dict):
            raise invalid("Each user must be an object.")
        fields = dict(raw)
        user_id = fields.pop("id", None)
        points = fields.pop("point_accounts", None) or {}
        if not isinstance(points, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in points.values()
        ):
            raise invalid("'point_accounts' must map account names to non-negative integers.")
        if user_id is not None:
            self._users.pop(user_id, None)  # re-seeding an id replaces the user
        created = self.create_user(fields, user_id=user_id)
        user = self._users[created["id"]]
        for name, balance in points.items():
            self._account(user, name).update(available_balance=balance, life_time_value=balance)

    def _seed_user_offer(self, raw: object) -> None:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise missing("Each user offer needs a string 'id'.")
        if raw.get("user_id"):
            user = self.resolve(raw["user_id"], "id")
        else:
            user = self.resolve(str(raw.get("external_id")), "external")
        offer = self.offer(str(raw.get("offer_id")))
        status = raw.get("status", "issued")
        if status not in ("issued", "redeemed", "revoked", "expired"):
            raise invalid("User offer 'status' must be issued, redeemed, revoked or expired.")
        now = _utcnow()
        days = timedelta(days=offer["redemption_days"])
        default_end = now - timedelta(days=1) if status == "expired" else now + days
        end = _timestamp(raw["redemption_end"], "redemption_end") if raw.get("redemption_end") else default_end
        start = _timestamp(raw["redemption_start"], "redemption_start") if raw.get("redemption_start") else None
        start = start or min(now, end - days)
        if status == "expired" and end > now:
            raise invalid("An expired user offer needs a 'redemption_end' in the past.")
        self._user_offers[raw["id"]] = {
            "id": raw["id"],
            "user_id": user["id"],
            "offer_id": offer["id"],
            "name": offer["name"],
            "description": offer.get("description"),
            "status": "issued" if status == "expired" else status,  # expired is derived from the dates
            "issued_at": iso(start),
            "redemption_start": iso(start),
            "redemption_end": iso(end),
            "redeemed_at": iso(now) if status == "redeemed" else None,
            "revoked_at": iso(now) if status == "revoked" else None,
        }


def _seed_list(body: Mapping[str, Any], key: str) -> list[Any]:
    value = body.get(key) or []
    if not isinstance(value, list):
        raise invalid(f"'{key}' must be a list.")
    return value
