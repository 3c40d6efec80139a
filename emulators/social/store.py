"""In-memory conversations, social users and engagements of the social inbox emulator.

Matching follows the Alcméon overview: linking a Contact (or Person Account) to one conversation
matches the social user, so every conversation of that user, past and future, carries the same
Salesforce id.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Mapping
from typing import Any

from emulators._base import JSON, ApiError, new_id, now_iso
from emulators._fields import optional_str

CONVERSATION_STATUSES = ("open", "closed")
# What the admin path can make happen; `user-match` is the emulator's own (the documented list has no
# matching action: the overview's matching happens in the inbox's Salesforce panel).
ACTION_TYPES = ("task-create", "assign-to", "answer", "user-match")
ACTIONS_PAGE = 10  # "this endpoint will return at most 10 events" (synchronize.yaml, GET /actions)
# Engagement (outbound messages to consenting customers) exists on these channels only.
ENGAGEMENT_CHANNELS = ("whatsapp", "kakaotalk")
# Salesforce key prefixes: what a linked record id must start with.
SALESFORCE_PREFIXES = {"Contact": "003", "PersonAccount": "001"}
_SALESFORCE_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")


def bad(message: str) -> ApiError:
    return ApiError(400, message, "invalid_request")


def _required_str(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise bad(f"'{key}' is required and must be a non-empty string.")
    return value


def salesforce_id(value: object, sobject: str, key: str) -> str:
    if not isinstance(value, str) or not _SALESFORCE_ID.match(value):
        raise bad(f"'{key}' must be a 15- or 18-character Salesforce id.")
    if not value.startswith(SALESFORCE_PREFIXES[sobject]):
        raise bad(f"'{key}' is not a {sobject} id (expected prefix {SALESFORCE_PREFIXES[sobject]}).")
    return value


class SocialStore:
    """All state of one emulator instance; every public method is atomic."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._clear()

    def _clear(self) -> None:
        self._conversations: dict[str, JSON] = {}
        self._users: dict[str, JSON] = {}
        self._engagements: dict[str, JSON] = {}
        # Idempotency-Key -> what the first call with it answered (a message, an engagement).
        self._idempotent: dict[str, JSON] = {}
        # The actions feed (GET /actions): ascending ids, as the inbox's synchronize API lists them.
        self._actions: list[JSON] = []
        self._notification_id = 880000
        self.webhook_url: str | None = None
        self.drop_notifications = False

    def reset(self) -> None:
        with self._lock:
            self._clear()

    # -- reads ---------------------------------------------------------------------------------
    def conversation(self, conversation_id: str) -> JSON:
        with self._lock:
            return copy.deepcopy(self._find(conversation_id))

    def _find(self, conversation_id: str) -> JSON:
        found = self._conversations.get(conversation_id)
        if found is None:
            raise ApiError(404, f"No conversation '{conversation_id}'.", "conversation_not_found")
        return found

    def conversations(self, filters: Mapping[str, str]) -> list[JSON]:
        unknown = set(filters) - {"user_id", "status", "salesforce_contact_id", "channel"}
        if unknown:
            raise bad(f"Unknown filter(s): {', '.join(sorted(unknown))}.")
        with self._lock:
            docs = [copy.deepcopy(c) for c in self._conversations.values()]
        return [
            c for c in docs if all((c["user"]["id"] if k == "user_id" else c.get(k)) == v for k, v in filters.items())
        ]

    def user(self, user_id: str) -> JSON:
        with self._lock:
            found = self._users.get(user_id)
            if found is None:
                raise ApiError(404, f"No social user '{user_id}'.", "user_not_found")
            return copy.deepcopy(found)

    # -- notifications from Salesforce ---------------------------------------------------------
    def link_contact(self, conversation_id: str, body: Mapping[str, Any]) -> JSON:
        sobject = body.get("salesforce_object", "Contact")
        if sobject not in SALESFORCE_PREFIXES:
            raise bad("'salesforce_object' must be 'Contact' or 'PersonAccount'.")
        record_id = salesforce_id(body.get("salesforce_contact_id"), sobject, "salesforce_contact_id")
        with self._lock:
            conversation = self._find(conversation_id)
            user = self._users[conversation["user"]["id"]]
            user.update(salesforce_contact_id=record_id, salesforce_object=sobject, matched_at=now_iso())
            linked = []
            for other in self._conversations.values():  # user matching reaches every conversation
                if other["user"]["id"] == user["id"]:
                    other.update(salesforce_contact_id=record_id, salesforce_object=sobject, updated_at=now_iso())
                    linked.append(other["id"])
            return {
                "conversation": copy.deepcopy(conversation),
                "user": copy.deepcopy(user),
                "linked_conversations": linked,
            }

    def assign(self, conversation_id: str, body: Mapping[str, Any]) -> JSON:
        team = _required_str(body, "team")
        by = optional_str(body, "salesforce_user_email", bad)
        case_id = optional_str(body, "salesforce_case_id", bad)
        with self._lock:
            conversation = self._open(conversation_id, "assign")
            stamp = now_iso()
            conversation.update(team=team, assigned_to="alcmeon", assigned_at=stamp, updated_at=stamp)
            conversation["assigned_by"] = by
            if case_id is not None:
                conversation["salesforce_case_id"] = case_id
            return copy.deepcopy(conversation)

    def close(self, conversation_id: str, body: Mapping[str, Any]) -> JSON:
        reason = optional_str(body, "reason", bad)
        with self._lock:
            conversation = self._find(conversation_id)
            if conversation["status"] != "closed":  # closing twice is harmless, as in the inbox
                stamp = now_iso()
                conversation.update(status="closed", closed_at=stamp, updated_at=stamp, close_reason=reason)
            return copy.deepcopy(conversation)

    def reply(self, conversation_id: str, body: Mapping[str, Any], idempotency_key: str | None = None) -> JSON:
        with self._lock:
            replayed = self._replayed("message", idempotency_key)
            if replayed is not None:
                return replayed
            message = self._reply(conversation_id, body)
            return self._remember("message", idempotency_key, message)

    def _replayed(self, kind: str, key: str | None) -> JSON | None:
        found = self._idempotent.get(f"{kind}:{key}") if key else None
        return copy.deepcopy(found) if found is not None else None

    def _remember(self, kind: str, key: str | None, result: JSON) -> JSON:
        if key:
            self._idempotent[f"{kind}:{key}"] = copy.deepcopy(result)
        return result

    def _reply(self, conversation_id: str, body: Mapping[str, Any]) -> JSON:
        text = _required_str(body, "text")
        agent = body.get("agent")
        if not isinstance(agent, dict) or not isinstance(agent.get("email"), str) or not agent["email"]:
            raise bad("'agent.email' is required: the inbox acts as the agent's Alcméon user.")
        with self._lock:
            conversation = self._open(conversation_id, "reply to")
            message = {
                "id": new_id("msg-", 12),
                "time": now_iso(),
                "direction": "outbound",
                "author": {k: agent.get(k) for k in ("id", "name", "email") if agent.get(k) is not None},
                "text": text,
            }
            conversation["messages"].append(message)
            conversation.update(last_message_at=message["time"], updated_at=message["time"])
            return copy.deepcopy(message)

    def _open(self, conversation_id: str, verb: str) -> JSON:
        conversation = self._find(conversation_id)
        if conversation["status"] == "closed":
            raise ApiError(409, f"Cannot {verb} a closed conversation.", "conversation_closed")
        return conversation

    def engage(self, body: Mapping[str, Any], idempotency_key: str | None = None) -> JSON:
        with self._lock:
            replayed = self._replayed("engagement", idempotency_key)
            if replayed is not None:
                return replayed
            return self._remember("engagement", idempotency_key, self._engage(body))

    def engagements(self) -> list[JSON]:
        with self._lock:
            return [dict(e) for e in self._engagements.values()]

    def _engage(self, body: Mapping[str, Any]) -> JSON:
        recipient, text = _required_str(body, "recipient"), _required_str(body, "text")
        channel = _required_str(body, "channel")
        if channel not in ENGAGEMENT_CHANNELS:
            raise bad(f"Engagement is available on {' and '.join(ENGAGEMENT_CHANNELS)} only.")
        if body.get("consent") is not True:
            raise ApiError(409, "The recipient has not given consent to be contacted.", "consent_required")
        case_id = optional_str(body, "salesforce_case_id", bad)
        with self._lock:
            engagement: JSON = {
                "id": new_id("eng-", 12),
                "recipient": recipient,
                "channel": channel,
                "consent": True,
                "mode": "engagement",
                "text": text,
                "salesforce_case_id": case_id,
                "created_at": now_iso(),
            }
            self._engagements[engagement["id"]] = engagement
            return dict(engagement)

    # -- the actions feed ----------------------------------------------------------------------
    def actions(self, min_action_id: int, max_action_id: int | None = None) -> list[JSON]:
        """At most ACTIONS_PAGE actions whose id > min_action_id (and <= max_action_id), ascending."""
        with self._lock:
            high = max_action_id if max_action_id is not None else float("inf")
            found = [a for a in self._actions if min_action_id < a["id"] <= high]
            return copy.deepcopy(found[:ACTIONS_PAGE])

    def act(self, body: Mapping[str, Any]) -> tuple[JSON, JSON]:
        """Something happens in the inbox (admin path): the data changes and an action is appended.
        Returns the action and the notification the webhook is sent."""
        kind = _required_str(body, "type")
        if kind not in ACTION_TYPES:
            raise bad(f"'type' must be one of {list(ACTION_TYPES)}.")
        conversation_id = _required_str(body, "conversation_id")
        with self._lock:
            conversation = self._find(conversation_id)
            user = self._users.setdefault(conversation["user"]["id"], dict(conversation["user"]))
            stamp = now_iso()
            agent: JSON | None = None
            data: JSON | None = None
            text = optional_str(body, "text", bad)
            if kind == "task-create":
                if text is None:
                    raise bad("'text' is required for a received message.")
                conversation["messages"].append(
                    {"id": new_id("msg-", 12), "time": stamp, "direction": "inbound", "text": text}
                )
                conversation.update(status="open", last_message_at=stamp, updated_at=stamp)
                if optional_str(body, "team", bad):
                    conversation["team"] = body["team"]
            elif kind == "assign-to":
                conversation.update(team=_required_str(body, "team"), updated_at=stamp)
            elif kind == "answer":
                raw = body.get("agent")
                if not isinstance(raw, dict) or not isinstance(raw.get("email"), str):
                    raise bad("'agent.email' is required for an answer.")
                agent = {k: raw.get(k) for k in ("id", "name", "email")}
                answer = text or ""
                conversation["messages"].append(
                    {"id": new_id("msg-", 12), "time": stamp, "direction": "outbound", "author": agent, "text": answer}
                )
                conversation.update(last_message_at=stamp, updated_at=stamp)
                data = {"is_private": False, "answers": [{"text": answer}]}
            else:  # user-match
                record = salesforce_id(body.get("salesforce_contact_id"), "Contact", "salesforce_contact_id")
                user.update(salesforce_contact_id=record, salesforce_object="Contact", matched_at=stamp)
                for other in self._conversations.values():
                    if other["user"]["id"] == user["id"]:
                        other.update(salesforce_contact_id=record, salesforce_object="Contact", updated_at=stamp)
                data = {"salesforce_contact_id": record}
            action = self._action(kind, conversation, user, agent, data, stamp)
            self._actions.append(action)
            self._notification_id += 1
            return copy.deepcopy(action), {"id": self._notification_id, "action": copy.deepcopy(action)}

    def _action(
        self, kind: str, conversation: JSON, user: JSON, agent: JSON | None, data: JSON | None, stamp: str
    ) -> JSON:
        """The documented Action shape (alcmeon/openapi synchronize.yaml, `Action`); the conversation
        carries the emulator's own fields (team, status, channel, salesforce_contact_id) besides
        `custom_fields`."""
        date, time = stamp[:10], stamp[11:19]  # UTC+0, as documented
        last = conversation["messages"][-1] if conversation["messages"] else {}
        return {
            "id": len(self._actions) + 5501,
            "type": kind,
            "date": date,
            "time": time,
            "status": "ok",
            "user": agent,
            "account": {"id": 31, "name": f"Brand {conversation['channel']}", "type": conversation["channel"]},
            "task": {
                "id": 7700 + len(self._actions) + 1,
                "tags": [],
                "url": f"https://inbox.example/conversations/{conversation['id']}",
                "conversation_id": conversation["id"],
                "conversation": {
                    "id": conversation["id"],
                    "custom_fields": [],
                    "team": conversation.get("team"),
                    "status": conversation["status"],
                    "salesforce_contact_id": conversation.get("salesforce_contact_id"),
                },
                "state": "answered" if kind == "answer" else "pending",
                "message": {
                    "id": last.get("id"),
                    "is_private": False,
                    "content": last.get("text"),
                    "date": date,
                    "time": time,
                    "attachments": [],
                    "author": {"id": user["id"], "name": user.get("name"), "handle": user.get("handle")},
                },
            },
            "data": data,
        }

    # -- seed ----------------------------------------------------------------------------------
    def seed(self, body: JSON) -> JSON:
        users, conversations = _seed_list(body, "users"), _seed_list(body, "conversations")
        with self._lock:
            for raw in users:
                self._seed_user(raw)
            for raw in conversations:
                self._seed_conversation(raw)
        return {"users": len(users), "conversations": len(conversations)}

    def _seed_user(self, raw: object, channel: str | None = None) -> JSON:
        if not isinstance(raw, dict):
            raise bad("Each user must be an object.")
        user_id = _required_str(raw, "id")
        user = self._users.setdefault(user_id, {"id": user_id, "salesforce_contact_id": None})
        for key in ("handle", "name", "channel", "salesforce_contact_id"):
            if raw.get(key) is not None:
                user[key] = optional_str(raw, key, bad)
        user.setdefault("channel", channel)
        return user

    def _seed_conversation(self, raw: object) -> None:
        if not isinstance(raw, dict):
            raise bad("Each conversation must be an object.")
        conversation_id = raw.get("id") or raw.get("conversation_id")
        if not isinstance(conversation_id, str) or not conversation_id:
            raise bad("Each conversation needs an 'id'.")
        channel = _required_str(raw, "channel")
        status = raw.get("status", "open")
        if status not in CONVERSATION_STATUSES:
            raise bad(f"Conversation 'status' must be one of {list(CONVERSATION_STATUSES)}.")
        user = self._seed_user(raw.get("user"), channel)
        contact = optional_str(raw, "salesforce_contact_id", bad) or user.get("salesforce_contact_id")
        if contact and not user.get("salesforce_contact_id"):  # a linked conversation means a matched user
            user.update(salesforce_contact_id=contact, salesforce_object="Contact")
        messages = raw.get("messages") or []
        if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
            raise bad("'messages' must be a list of objects.")
        stamp = now_iso()
        created = optional_str(raw, "created_at", bad) or stamp
        self._conversations[conversation_id] = {
            "id": conversation_id,
            "channel": channel,
            "status": status,
            "team": optional_str(raw, "team", bad),
            "user": {k: user.get(k) for k in ("id", "handle", "name")},
            "salesforce_contact_id": contact,
            "salesforce_object": "Contact" if contact else None,
            "assigned_to": None,
            "created_at": created,
            "updated_at": created,
            "closed_at": stamp if status == "closed" else None,
            "last_message_at": messages[-1].get("time") if messages else None,
            "messages": [dict(m) | {"id": m.get("id") or new_id("msg-", 12)} for m in messages],
        }


def _seed_list(body: Mapping[str, Any], key: str) -> list[Any]:
    value = body.get(key) or []
    if not isinstance(value, list):
        raise bad(f"'{key}' must be a list.")
    return value
