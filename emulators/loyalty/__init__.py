"""Loyalty platform emulator shaped after SessionM (customer profile, points, offers, user offers,
reward store, notes, activity log), as the Service Cloud use-case documents describe them.

The reference documents name the objects and actions but not the API paths; the paths below
follow SessionM's Core API conventions (`/priv/v1/apps/{api_key}/...`, users addressed by id or by
external id, `{"status": "ok", ...}` bodies) and mirror the documented object names.

Auth: HTTP Basic with the API key and secret (defaults local-loyalty-key / local-loyalty-secret),
and the same API key in the path; otherwise 401 ACCESS_DENIED / INVALID_API_KEY.

Fault injection (POST /_admin/faults, `emulators.faults`), counters and the request log as in
every emulator (`emulators._base`).

Errors: {"status": "error", "errors": {"code": "USER_NOT_FOUND", "message": "..."}} with the HTTP
status set (400 MISSING_DATA / VALIDATION / ARGUMENT_ERROR, 401, 404 *_NOT_FOUND, 409 for state
rules: OFFER_REVOKED, OFFER_REDEEMED, OFFER_EXPIRED, OFFER_NOT_REDEEMED, OFFER_NOT_EXPIRED,
OFFER_NOT_YET_REDEEMABLE, OFFER_NOT_AVAILABLE, INSUFFICIENT_POINTS, OUT_OF_STOCK, EMAIL_TAKEN,
EXTERNAL_ID_TAKEN). (Real SessionM answers some errors with HTTP 200; here the status is set.)

Paths, relative to /priv/v1/apps/{api_key}; every /users/{user_id}/... route also exists as
/external/users/{external_id}/...:
    POST /users                          {"user": {email, external_id?, first_name, ...}} -> enrol
    GET  /users/search?email=|external_id=   -> {"users": [...]} (email case-insensitive)
    GET  /users/{user_id}                -> {"user": {..., "available_points"}}
    PUT  /users/{user_id}                {"user": {fields to change}}
    POST /users/{user_id}/merge          {"victim_user_id"} | {"victim_external_id"}: the survivor
                                         takes points, offers, orders, notes, activity; victim deleted
    GET  /users/{user_id}/points         -> {"point_accounts": [{name, available_balance,
                                            life_time_value}], "available_points"}
    POST /users/{user_id}/points         {"points": +/-n, "point_account", "point_source", "reason"}
    GET  /offers | /offers/{offer_id}    available offers (catalog) | one offer
    GET  /rewards                        reward store: offers with a points_cost
    GET  /users/{user_id}/offers?status=issued|redeemed|revoked|expired
    POST /users/{user_id}/offers         {"offer_id"} -> issue a user offer
    GET  /users/{user_id}/offers/{user_offer_id}
    POST /users/{user_id}/offers/{user_offer_id}/revoke|redeem|unredeem|reissue
    POST /users/{user_id}/offers/{user_offer_id}/extend   {"redemption_end", "redemption_start"?}
    GET|POST /users/{user_id}/orders     reward purchases: {"offer_id", "quantity"} spends points and
                                         stock (409 INSUFFICIENT_POINTS / OUT_OF_STOCK, nothing spent)
    GET|POST /users/{user_id}/notes      {"reason"?, "text"}
    GET  /users/{user_id}/activity?page=1&per_page=10   newest first, with "total"
User fields: external_id, email, first_name, last_name, gender, dob (YYYY-MM-DD), locale, phone,
address, city, state, zip, country, opted_in, suspended, account_status, tier, enrolled,
custom_profile; unknown fields are refused (400 VALIDATION).

Seed (POST /_admin/seed; ids are kept so tests can refer to them):
    {"offers": [{"id", "name", "description", "points_cost"?, "stock"? (absent: unlimited), "redemption_days": 30,
                 "status": "active"|"inactive"}],
     "users": [{"id"?, "external_id", "email", ..., "point_accounts": {"Point Account": 40}}],
     "user_offers": [{"id": "uo-1001", "user_id" | "external_id", "offer_id",
                      "status": "issued"|"redeemed"|"revoked"|"expired",
                      "redemption_start"?, "redemption_end"?}]}
"""

from .app import create_app

__all__ = ["create_app"]
