"""Flask app of the commerce (B2C Commerce OCAPI style) emulator. See the package docstring."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, request
from werkzeug.routing import BaseConverter

from emulators._base import ApiError, install, json_body, json_response

from .search import compile_query, paginate, search_result, sort_docs
from .store import CUSTOMER_SEARCH_FIELDS, ORDER_SEARCH_FIELDS, TOKEN_TTL_SECONDS, CommerceStore

DEFAULT_CLIENT_ID = "local-commerce-client"
DEFAULT_CLIENT_SECRET = "local-commerce-secret"  # noqa: S105 - the documented local default
DEFAULT_API_VERSION = "24.5"
TOKEN_PATH = "/dw/oauth2/access_token"  # noqa: S105 - a path, not a secret
SHOP = "/s/<site_id>/dw/shop/<ocapi_version:version>"
DATA = "/s/-/dw/data/<ocapi_version:version>"
_VERSION = re.compile(r"^v(\d+)_(\d+)$")
# "/s/{site_id}/dw/shop/{version}/customers/{customer_no}" is counted as "/customers/{customer_no}".
_API_BASE = re.compile(r"^/s/[^/]+/dw/(?:shop|data)/\{version\}")
DEFAULT_FAULT_TYPES = {
    400: "BodyDecodingException",
    401: "InvalidAccessTokenException",
    403: "ForbiddenException",
    404: "ResourcePathNotFoundException",
    405: "MethodNotAllowedException",
    409: "ConflictException",
    429: "QuotaExceededException",
    500: "InternalServerErrorException",
    502: "BadGatewayException",
    503: "ServiceUnavailableException",
    504: "GatewayTimeoutException",
}


class OcapiVersionConverter(BaseConverter):
    """Any `vNN_N` API version, as OCAPI accepts every version it still supports."""

    regex = r"v\d+_\d+"


def api_version(path_version: str | None) -> str:
    """`v24_5` -> `24.5`, the `_v` OCAPI puts in every document."""
    match = _VERSION.match(path_version or "")
    return f"{match.group(1)}.{match.group(2)}" if match else DEFAULT_API_VERSION


def _render_error(status: int, fault_type: str, message: str) -> Response:
    if request.path == TOKEN_PATH:  # the auth server answers in OAuth 2.0's shape, not OCAPI's
        error = {401: "invalid_client", 400: "invalid_request"}.get(status, "server_error")
        if status == 503:
            error = "temporarily_unavailable"
        return json_response({"error": error, "error_description": message}, status)
    version = api_version((request.view_args or {}).get("version"))
    return json_response({"_v": version, "fault": {"type": fault_type, "message": message}}, status)


def create_app(client_id: str = DEFAULT_CLIENT_ID, client_secret: str = DEFAULT_CLIENT_SECRET) -> Flask:
    app = Flask("emulators.commerce")
    app.url_map.converters["ocapi_version"] = OcapiVersionConverter
    store = CommerceStore()
    install(app, store=store, render_error=_render_error, default_codes=DEFAULT_FAULT_TYPES, api_base=_API_BASE)

    ok = json_response

    def bearer_required(view: Callable[..., Response]) -> Callable[..., Response]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Response:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise ApiError(401, "Missing access token: send 'Authorization: Bearer <token>'.")
            if not store.token_valid(token.strip()):
                raise ApiError(401, "The access token is invalid or has expired.")
            return view(*args, **kwargs)

        return guarded

    @app.post(TOKEN_PATH)
    def access_token() -> Response:
        auth = request.authorization
        if auth is None or auth.type != "basic" or (auth.username, auth.password) != (client_id, client_secret):
            raise ApiError(401, "Client authentication failed: send Basic client id and secret.")
        grant_type = request.form.get("grant_type")
        if grant_type is None:
            raise ApiError(400, "Missing form parameter 'grant_type'.")
        if grant_type != "client_credentials":
            return json_response(
                {"error": "unsupported_grant_type", "error_description": f"'{grant_type}' is not supported."},
                400,
            )
        return ok({"access_token": store.issue_token(), "expires_in": TOKEN_TTL_SECONDS, "token_type": "Bearer"})

    @app.get(f"{SHOP}/customers/<customer_no>")
    @bearer_required
    def get_customer(site_id: str, version: str, customer_no: str) -> Response:
        doc = store.customer(site_id, customer_no)
        if doc is None:
            raise ApiError(404, f"No customer with number '{customer_no}' was found.", "CustomerNotFoundException")
        return ok({"_v": api_version(version), **doc})

    @app.get(f"{SHOP}/orders/<order_no>")
    @bearer_required
    def get_order(site_id: str, version: str, order_no: str) -> Response:
        doc = store.order(site_id, order_no)
        if doc is None:
            raise ApiError(404, f"No order with number '{order_no}' was found.", "OrderNotFoundException")
        return ok({"_v": api_version(version), **doc})

    @app.post(f"{SHOP}/order_search")
    @bearer_required
    def order_search(site_id: str, version: str) -> Response:
        body = json_body()
        matches = _search(store.orders_of_site(site_id), body, ORDER_SEARCH_FIELDS)
        start, count = paginate(body)
        return ok(
            search_result("order_search_result", "order_search_hit", api_version(version), body, matches, start, count)
        )

    @app.post(f"{DATA}/customer_lists/<list_id>/customer_search")
    @bearer_required
    def customer_search(version: str, list_id: str) -> Response:
        if not store.has_list(list_id):
            raise ApiError(404, f"No customer list with id '{list_id}' was found.", "CustomerListNotFoundException")
        body = json_body()
        matches = _search(store.customers_in_list(list_id), body, CUSTOMER_SEARCH_FIELDS)
        start, count = paginate(body)
        return ok(
            search_result(
                "customer_search_result", "customer_search_hit", api_version(version), body, matches, start, count
            )
        )

    @app.patch(f"{DATA}/customer_lists/<list_id>/customers/<customer_no>")
    @bearer_required
    def update_customer(version: str, list_id: str, customer_no: str) -> Response:
        doc = store.update_customer(list_id, customer_no, json_body())
        return ok({"_v": api_version(version), **doc})

    @app.get(f"{DATA}/customer_lists/<list_id>/customers/<customer_no>/addresses")
    @bearer_required
    def customer_addresses(version: str, list_id: str, customer_no: str) -> Response:
        addresses = store.customer_addresses(list_id, customer_no)
        return ok(
            {
                "_v": api_version(version),
                "_type": "customer_address_result",
                "count": len(addresses),
                "data": addresses,
                "start": 0,
                "total": len(addresses),
            }
        )

    @app.patch(f"{DATA}/customer_lists/<list_id>/customers/<customer_no>/addresses/<address_name>")
    @bearer_required
    def update_customer_address(version: str, list_id: str, customer_no: str, address_name: str) -> Response:
        doc = store.update_customer_address(list_id, customer_no, address_name, json_body())
        return ok({"_v": api_version(version), **doc})

    @app.route("/s/<site_id>/dw/<api>/<version>/<path:rest>", methods=["GET", "POST", "PATCH", "PUT", "DELETE"])
    def unknown_resource(site_id: str, api: str, version: str, rest: str) -> Response:
        # Reached only when no real route matched: tell a bad version apart from a bad path.
        if not _VERSION.match(version):
            raise ApiError(400, f"Unsupported API version '{version}'.", "InvalidVersionException")
        raise ApiError(404, f"Unknown resource path '{request.path}'.")

    @app.post("/_admin/tokens/expire")
    def expire_tokens() -> Response:
        return ok({"expired": store.expire_tokens()})

    @app.get("/_admin/replication-lag")
    def replication_lag() -> Response:
        return ok(store.lag())

    @app.put("/_admin/replication-lag")
    def set_replication_lag() -> Response:
        return ok(store.set_lag(json_body()))

    return app


def _search(docs: list[dict[str, Any]], body: dict[str, Any], fields: dict[str, Any]) -> list[dict[str, Any]]:
    if "query" not in body:
        raise ApiError(400, "The search document needs a 'query'.", "InvalidSearchQueryException")
    predicate = compile_query(body["query"], fields)
    return sort_docs([d for d in docs if predicate(d)], body.get("sorts"), fields)
