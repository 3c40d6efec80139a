"""Admin API under /_admin/ (not part of Salesforce; no auth, never counted or faulted):
reset, seed, inspect records, counters, the daily API allocation and usage (`/limits`), fault
injection, session expiry, Bulk API 2.0 behaviour (`/bulk`) and org settings (`/settings`:
duplicate rule, state and country picklists, person accounts)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from emulators.faults import FaultSpecError

from .errors import ApiError
from .org import Org

LATEST_VERSION = "62.0"


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _body() -> Any:
    raw = request.get_data()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return _Invalid()


class _Invalid:
    """Marks a body that is not JSON."""


def admin_blueprint(org: Org) -> Blueprint:
    admin = Blueprint("salesforce_admin", __name__, url_prefix="/_admin")

    @admin.get("/health")
    def health() -> Response:
        return _json({"status": "ok"})

    @admin.post("/reset")
    def reset() -> Response:
        org.reset()
        return _json({"reset": True})

    @admin.post("/seed")
    def seed() -> Response:
        """Create records through the normal validation, all or nothing. Audit fields
        (CreatedDate...) may be set, like with "Set Audit Fields upon Record Creation", and so may
        the `Id` (of the object's key prefix, unused): a local-stack convenience, so that example
        events can name fixed records; no real org's data load can choose an Id."""
        body = _body()
        if not isinstance(body, dict):
            return _json({"error": 'body must be {"<sObject>": [{...}, ...], ...}'}, 400)
        created: dict[str, list[str]] = {}
        with org.lock:
            savepoint = org.store.savepoint()
            with org.store.transaction():
                for type_name, rows in body.items():
                    obj = org.schema.object(type_name)
                    if obj is None or not isinstance(rows, list):
                        org.store.rollback_to(savepoint)
                        return _json({"error": f"unknown sObject or not a list: {type_name}"}, 400)
                    # Users are an admin's to set up (Setup, with a licence and a profile), not an
                    # integration's: the REST API refuses them here, the seed may add them.
                    internal = obj.name == "User"
                    for index, row in enumerate(rows):
                        try:
                            fixed = row.pop("Id", None) if isinstance(row, dict) else None
                            record_id = org.records.create(
                                obj, row, audit=True, internal=internal, record_id=None if fixed is None else str(fixed)
                            )
                            created.setdefault(obj.name, []).append(record_id)
                        except ApiError as error:
                            org.store.rollback_to(savepoint)
                            return _json({"object": obj.name, "index": index, "errors": error.body()}, 400)
        return _json(created)

    @admin.get("/settings")
    def settings() -> Response:
        return _json(org.settings())

    @admin.post("/settings")
    def change_settings() -> Response:
        """Org settings a real org may have either way (see Org.apply_settings), any of:
        `{"duplicate_rule": "off" | "alert" | "block", "state_country_picklists": bool,
        "person_accounts": bool}`. A new org (and `/_admin/reset`) has alert, false, false.
        Person accounts, as in a real org, cannot be disabled once enabled (400); reset instead."""
        body = _body()
        if not isinstance(body, dict):
            expected = '{"duplicate_rule": ..., "state_country_picklists": ..., "person_accounts": ...}'
            return _json({"error": f"body must be {expected}"}, 400)
        try:
            return _json(org.apply_settings(body))
        except ValueError as exc:
            return _json({"error": str(exc)}, 400)

    @admin.get("/records/<type_name>")
    def records(type_name: str) -> Response:
        obj = org.schema.object(type_name)
        if obj is None:
            return _json({"error": f"unknown sObject: {type_name}"}, 404)
        include_deleted = request.args.get("deleted", "false").lower() == "true"
        with org.lock:
            rows = [
                org.records.render(obj, row, LATEST_VERSION)
                for row in org.store.records(obj.name, include_deleted=include_deleted)
            ]
        return _json({"totalSize": len(rows), "records": rows})

    @admin.get("/counters")
    def counters() -> Response:
        return _json(org.counters.snapshot())

    @admin.post("/counters/reset")
    def reset_counters() -> Response:
        """Zero the counters and the org's rolling API usage (the allocation stays)."""
        org.counters.reset()
        org.api_allocation.clear()
        return _json(org.counters.snapshot())

    @admin.get("/limits")
    def limits() -> Response:
        return _json(org.api_allocation.snapshot())

    @admin.post("/limits")
    def set_limits() -> Response:
        """`{"allocation": n, "used": m}` (either): the daily API allocation and the current usage."""
        body = _body()
        values = body if isinstance(body, dict) else {}
        problems = [
            name
            for name in ("allocation", "used")
            if name in values and (type(values[name]) is not int or values[name] < (1 if name == "allocation" else 0))
        ]
        if not values or set(values) - {"allocation", "used"} or problems:
            expected = 'body must be {"allocation": int >= 1, "used": int >= 0} (either or both)'
            return _json({"error": expected, "fields": problems}, 400)
        org.api_allocation.configure(values.get("allocation"), values.get("used"))
        return _json(org.api_allocation.snapshot())

    @admin.get("/faults")
    def faults() -> Response:
        return _json({"faults": org.faults.list()})

    @admin.post("/faults")
    def add_faults() -> Response:
        body = _body()
        specs = body if isinstance(body, list) else [body]
        try:
            added = [org.faults.add(spec) for spec in specs]
        except FaultSpecError as exc:
            return _json({"error": str(exc)}, 400)
        return _json({"added": added, "faults": org.faults.list()}, 201)

    @admin.delete("/faults")
    def clear_faults() -> Response:
        org.faults.clear()
        return _json({"faults": []})

    @admin.get("/requests")
    def requests_log() -> Response:
        return _json(org.requests.entries(request.args.get("match")))

    @admin.delete("/requests")
    def clear_requests() -> Response:
        org.requests.clear()
        return _json([])

    @admin.get("/bulk")
    def bulk() -> Response:
        with org.lock:
            return _json(org.bulk.snapshot())

    @admin.post("/bulk")
    def set_bulk() -> Response:
        """Bulk API 2.0 behaviour, either or both: `{"polls_in_progress": n}` (a closed job reads
        InProgress for its next n polls before its outcome) and `{"records_per_day": n}` (the
        org's rolling 24-hour record allocation, 150,000,000 in a real org)."""
        body = _body()
        values = body if isinstance(body, dict) else {}
        allowed = {"polls_in_progress": 0, "records_per_day": 1}
        problems = [
            name
            for name, low in allowed.items()
            if name in values and (type(values[name]) is not int or values[name] < low)
        ]
        if not values or set(values) - set(allowed) or problems:
            expected = 'body must be {"polls_in_progress": int >= 0, "records_per_day": int >= 1} (either or both)'
            return _json({"error": expected, "fields": problems}, 400)
        with org.lock:
            if "polls_in_progress" in values:
                org.bulk.polls_in_progress = values["polls_in_progress"]
            if "records_per_day" in values:
                org.bulk.daily.allocation = values["records_per_day"]
            return _json(org.bulk.snapshot())

    @admin.post("/expire-sessions")
    def expire_sessions() -> Response:
        org.sessions.expire_all()
        return _json({"expired": True})

    return admin
