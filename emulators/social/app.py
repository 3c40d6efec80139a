"""Flask app of the social inbox (Alcméon style) emulator. See the package docstring."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import threading

import requests
from flask import Flask, Response, request

from emulators._base import ApiError, install, json_body, json_response

from .store import SocialStore

DEFAULT_API_KEY = "local-social-key"
# HTTP Basic credentials of the actions API (GET /actions): the API application's id and its key.
DEFAULT_APP_ID = "local-social-app"
# "The API call will timeout after one second" (synchronize.yaml, POST /notify); never redelivered.
NOTIFY_TIMEOUT_SECONDS = 1.0
API = "/api/v1"
DEFAULT_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def _render_error(status: int, code: str, message: str) -> Response:
    return json_response({"error": {"code": code, "message": message}}, status)


def _notify(url: str, notification: dict[str, object]) -> None:
    with contextlib.suppress(requests.RequestException):  # the inbox does not attempt a new delivery
        requests.post(url, json=notification, timeout=NOTIFY_TIMEOUT_SECONDS)


def create_app(api_key: str = DEFAULT_API_KEY, app_id: str = DEFAULT_APP_ID) -> Flask:
    app = Flask("emulators.social")
    store = SocialStore()

    def authenticate() -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip(), api_key):
            raise ApiError(401, "Send 'Authorization: Bearer <API key>'.")

    install(
        app,
        store=store,
        render_error=_render_error,
        default_codes=DEFAULT_CODES,
        api_base=API,
        authenticate=authenticate,
        authenticated=API,
    )

    def authenticate_basic() -> None:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = password = ""
        ok = hmac.compare_digest(user, app_id) & hmac.compare_digest(password, api_key)
        if scheme.lower() != "basic" or not ok:
            raise ApiError(401, "Send 'Authorization: Basic <app id:API key>'.")

    @app.get("/actions")
    def list_actions() -> Response:
        authenticate_basic()
        try:
            low = int(request.args["min_action_id"])
            high = int(request.args["max_action_id"]) if "max_action_id" in request.args else None
        except (KeyError, ValueError) as exc:
            raise ApiError(400, "'min_action_id' (integer) is required.", "invalid_request") from exc
        return json_response(store.actions(low, high))

    @app.post("/_admin/actions")
    def act() -> Response:
        """Make the inbox do something: {"type": task-create|assign-to|answer|user-match,
        "conversation_id", "text"?, "team"?, "agent"?, "salesforce_contact_id"?}."""
        action, notification = store.act(json_body())
        url = store.webhook_url
        if url and not store.drop_notifications:
            # Sent after the answer's data is committed, like the inbox: a slow receiver delays nobody.
            threading.Thread(target=_notify, args=(url, notification), daemon=True).start()
        return json_response({"action": action, "notification_sent": bool(url) and not store.drop_notifications}, 201)

    @app.post("/_admin/webhook")
    def configure_webhook() -> Response:
        """{"url": str|null, "drop": bool}: where notifications go; `drop` loses them (injected fault)."""
        body = json_body()
        store.webhook_url = body.get("url") or None
        store.drop_notifications = bool(body.get("drop", False))
        return json_response({"url": store.webhook_url, "drop": store.drop_notifications})

    @app.get(f"{API}/conversations")
    def list_conversations() -> Response:
        conversations = store.conversations(request.args.to_dict())
        return json_response({"conversations": conversations, "total": len(conversations)})

    @app.get(f"{API}/conversations/<conversation_id>")
    def get_conversation(conversation_id: str) -> Response:
        return json_response({"conversation": store.conversation(conversation_id)})

    @app.get(f"{API}/users/<user_id>")
    def get_user(user_id: str) -> Response:
        return json_response({"user": store.user(user_id)})

    @app.post(f"{API}/conversations/<conversation_id>/contact")
    def link_contact(conversation_id: str) -> Response:
        return json_response(store.link_contact(conversation_id, json_body()))

    @app.post(f"{API}/conversations/<conversation_id>/assign")
    def assign(conversation_id: str) -> Response:
        return json_response({"conversation": store.assign(conversation_id, json_body())})

    @app.post(f"{API}/conversations/<conversation_id>/close")
    def close(conversation_id: str) -> Response:
        return json_response({"conversation": store.close(conversation_id, json_body(required=False))})

    @app.post(f"{API}/conversations/<conversation_id>/messages")
    def reply(conversation_id: str) -> Response:
        key = request.headers.get("Idempotency-Key")
        return json_response({"message": store.reply(conversation_id, json_body(), key)}, 201)

    @app.post(f"{API}/engagements")
    def engage() -> Response:
        key = request.headers.get("Idempotency-Key")
        return json_response({"engagement": store.engage(json_body(), key)}, 201)

    @app.get(f"{API}/engagements")
    def list_engagements() -> Response:
        engagements = store.engagements()
        return json_response({"engagements": engagements, "total": len(engagements)})

    return app
