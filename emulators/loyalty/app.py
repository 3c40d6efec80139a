"""Flask app of the loyalty (SessionM style) emulator. See the package docstring."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request

from emulators._base import ApiError, install, json_body, json_response

from .store import TRANSITIONS, LoyaltyStore

DEFAULT_API_KEY = "local-loyalty-key"
DEFAULT_API_SECRET = "local-loyalty-secret"  # noqa: S105 - the documented local default
BASE = "/priv/v1/apps/<api_key>"
_BASE_TEMPLATE = re.compile(r"^/priv/v1/apps/\{api_key\}")
MAX_PER_PAGE = 100
DEFAULT_CODES = {
    400: "ARGUMENT_ERROR",
    401: "ACCESS_DENIED",
    403: "ACCESS_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "VALIDATION",
    429: "RATE_LIMITED",
    500: "INTERNAL_SERVER_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}

View = Callable[..., Response]


def _render_error(status: int, code: str, message: str) -> Response:
    return json_response({"status": "error", "errors": {"code": code, "message": message}}, status)


def ok(status: int = 200, **fields: Any) -> Response:
    return json_response({"status": "ok", **fields}, status)


def _user_fields(body: dict[str, Any]) -> dict[str, Any]:
    fields = body.get("user")
    if not isinstance(fields, dict):
        raise ApiError(400, 'The body must be {"user": {...}}.', "MISSING_DATA")
    return fields


def _positive_int(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name, str(default))
    # ASCII digits, few of them: "²" passes str.isdigit() and int() refuses it, as it does 5,000 digits.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or not 1 <= int(raw) <= maximum:
        raise ApiError(400, f"'{name}' must be an integer between 1 and {maximum}.")
    return int(raw)


def create_app(api_key: str = DEFAULT_API_KEY, api_secret: str = DEFAULT_API_SECRET) -> Flask:
    app = Flask("emulators.loyalty")
    store = LoyaltyStore()

    def authenticate() -> None:
        auth = request.authorization
        if auth is None or auth.type != "basic" or (auth.username, auth.password) != (api_key, api_secret):
            raise ApiError(401, "Send HTTP Basic auth with the API key and secret.", "ACCESS_DENIED")
        path_key = (request.view_args or {}).get("api_key")
        if path_key is not None and path_key != api_key:  # unmatched paths fall through to a 404
            raise ApiError(401, "The API key in the path does not match the credentials.", "INVALID_API_KEY")

    install(
        app,
        store=store,
        render_error=_render_error,
        default_codes=DEFAULT_CODES,
        api_base=_BASE_TEMPLATE,
        authenticate=authenticate,
        authenticated="/priv/",
    )

    def user_route(rule: str, methods: list[str], **defaults: str) -> Callable[[View], View]:
        """Serve a per-user route by SessionM user id and by external id."""

        def register(view: View) -> View:
            def by_either_key(by: str, **kwargs: Any) -> Response:
                user_ref = kwargs.pop("user_id" if by == "id" else "external_id")
                with store.lock:
                    return view(user_ref=user_ref, by=by, **kwargs)

            name = view.__name__ + "".join(f"_{v}" for v in defaults.values())
            for by, prefix in (("id", "/users/<user_id>"), ("external", "/external/users/<external_id>")):
                app.add_url_rule(
                    f"{BASE}{prefix}{rule}",
                    f"{name}_by_{by}",
                    by_either_key,
                    methods=methods,
                    defaults={"by": by, **defaults},
                )
            return view

        return register

    # -- users ---------------------------------------------------------------------------------
    @app.post(f"{BASE}/users")
    def create_user(api_key: str) -> Response:
        return ok(user=store.create_user(_user_fields(json_body())))

    @app.get(f"{BASE}/users/search")
    def search_users(api_key: str) -> Response:
        return ok(users=store.search_users(request.args.get("email"), request.args.get("external_id")))

    @user_route("", ["GET"])
    def get_user(api_key: str, user_ref: str, by: str) -> Response:
        return ok(user=store.render_user(store.resolve(user_ref, by)))

    @user_route("", ["PUT"])
    def update_user(api_key: str, user_ref: str, by: str) -> Response:
        user = store.resolve(user_ref, by)
        return ok(user=store.update_user(user, _user_fields(json_body())))

    @user_route("/merge", ["POST"])
    def merge_users(api_key: str, user_ref: str, by: str) -> Response:
        body = json_body()
        if body.get("victim_user_id"):
            victim = store.resolve(str(body["victim_user_id"]), "id")
        elif body.get("victim_external_id"):
            victim = store.resolve(str(body["victim_external_id"]), "external")
        else:
            raise ApiError(400, "Name the victim: 'victim_user_id' or 'victim_external_id'.", "MISSING_DATA")
        return ok(user=store.merge(store.resolve(user_ref, by), victim))

    # -- points --------------------------------------------------------------------------------
    @user_route("/points", ["GET"])
    def get_points(api_key: str, user_ref: str, by: str) -> Response:
        return ok(**store.point_accounts(store.resolve(user_ref, by)))

    @user_route("/points", ["POST"])
    def adjust_points(api_key: str, user_ref: str, by: str) -> Response:
        return ok(**store.adjust_points(store.resolve(user_ref, by), json_body()))

    # -- offers --------------------------------------------------------------------------------
    @app.get(f"{BASE}/offers")
    def list_offers(api_key: str) -> Response:
        return ok(offers=store.offers())

    @app.get(f"{BASE}/offers/<offer_id>")
    def get_offer(api_key: str, offer_id: str) -> Response:
        return ok(offer=store.offer(offer_id))

    @app.get(f"{BASE}/rewards")
    def list_rewards(api_key: str) -> Response:
        return ok(rewards=store.offers(rewards_only=True))

    @user_route("/offers", ["GET"])
    def list_user_offers(api_key: str, user_ref: str, by: str) -> Response:
        status = request.args.get("status")
        if status not in (None, "issued", "redeemed", "revoked", "expired"):
            raise ApiError(400, "'status' must be issued, redeemed, revoked or expired.")
        return ok(user_offers=store.user_offers(store.resolve(user_ref, by), status))

    @user_route("/offers", ["POST"])
    def issue_offer(api_key: str, user_ref: str, by: str) -> Response:
        return ok(user_offer=store.issue(store.resolve(user_ref, by), json_body().get("offer_id")))

    @user_route("/offers/<user_offer_id>", ["GET"])
    def get_user_offer(api_key: str, user_ref: str, by: str, user_offer_id: str) -> Response:
        return ok(user_offer=store.user_offer(store.resolve(user_ref, by), user_offer_id))

    def change_user_offer(api_key: str, user_ref: str, by: str, user_offer_id: str, action: str) -> Response:
        user = store.resolve(user_ref, by)
        body = json_body(required=action == "extend")
        return ok(user_offer=store.transition(user, user_offer_id, action, body))

    for action in TRANSITIONS:  # one rule per action, so counters read "POST .../{user_offer_id}/redeem"
        user_route(f"/offers/<user_offer_id>/{action}", ["POST"], action=action)(change_user_offer)

    # -- rewards store orders ------------------------------------------------------------------
    @user_route("/orders", ["GET"])
    def list_orders(api_key: str, user_ref: str, by: str) -> Response:
        return ok(orders=store.orders(store.resolve(user_ref, by)))

    @user_route("/orders", ["POST"])
    def purchase_reward(api_key: str, user_ref: str, by: str) -> Response:
        return ok(order=store.purchase(store.resolve(user_ref, by), json_body()))

    # -- notes and activity --------------------------------------------------------------------
    @user_route("/notes", ["GET"])
    def list_notes(api_key: str, user_ref: str, by: str) -> Response:
        return ok(notes=store.notes(store.resolve(user_ref, by)))

    @user_route("/notes", ["POST"])
    def add_note(api_key: str, user_ref: str, by: str) -> Response:
        return ok(note=store.add_note(store.resolve(user_ref, by), json_body()))

    @user_route("/activity", ["GET"])
    def activity(api_key: str, user_ref: str, by: str) -> Response:
        page = _positive_int("page", 1, 1_000_000)
        per_page = _positive_int("per_page", 10, MAX_PER_PAGE)
        return ok(**store.activity(store.resolve(user_ref, by), page, per_page))

    return app
