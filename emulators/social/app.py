"""Flask app of the social inbox (Alcméon style) emulator. See the package docstring."""

from __future__ import annotations

import hmac

from flask import Flask, Response, request

from emulators._base import ApiError, install, json_body, json_response

from .store import SocialStore

DEFAULT_API_KEY = "local-social-key"
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


def create_app(api_key: str = DEFAULT_API_KEY) -> Flask:
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
