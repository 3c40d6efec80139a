"""Version root, limits and the /sobjects resources (describe, CRUD, upsert by external id)."""

from __future__ import annotations

from . import ids
from .api import ApiResponse, Call, json_ok, no_content
from .describe import describe_global, describe_object, object_summary
from .errors import not_found
from .records import MultipleMatches, record_url
from .values import Blob


def resources(call: Call) -> ApiResponse:
    base = f"/services/data/v{call.version}"
    names = ("sobjects", "query", "queryAll", "composite", "limits")
    return json_ok({name: f"{base}/{name}" for name in names})


def limits(call: Call) -> ApiResponse:
    used, allocation = call.org.api_allocation.usage()
    return json_ok({"DailyApiRequests": {"Max": allocation, "Remaining": max(allocation - used, 0)}})


def global_describe(call: Call) -> ApiResponse:
    return json_ok(describe_global(call.org.schema, call.version))


def basic_info(call: Call) -> ApiResponse:
    obj = call.org.records.object(call.args["sobject"])
    return json_ok({"objectDescribe": object_summary(obj, call.version), "recentItems": []})


def describe(call: Call) -> ApiResponse:
    org = call.org
    obj = org.records.object(call.args["sobject"])
    return json_ok(describe_object(org.schema, org.store, obj, call.version))


def create(call: Call) -> ApiResponse:
    records = call.org.records
    obj = records.object(call.args["sobject"])
    record_id = records.create(obj, call.request.json())
    location = {"Location": record_url(call.version, obj.name, record_id)}
    return json_ok({"id": record_id, "success": True, "errors": []}, 201, location)


def read(call: Call) -> ApiResponse:
    records = call.org.records
    obj = records.object(call.args["sobject"])
    record_id = records.path_id(obj, call.args["record_id"])
    fields = records.fields_param(obj, call.request.args.get("fields"))
    record = records.store.get(obj.name, record_id)
    if record is None:
        raise not_found()
    return json_ok(records.render(obj, record, call.version, fields))


def update(call: Call) -> ApiResponse:
    records = call.org.records
    obj = records.object(call.args["sobject"])
    records.update(obj, records.path_id(obj, call.args["record_id"]), call.request.json())
    return no_content()


def delete(call: Call) -> ApiResponse:
    records = call.org.records
    obj = records.object(call.args["sobject"])
    records.delete(obj, records.path_id(obj, call.args["record_id"]))
    return no_content()


def _only_match(call: Call) -> str:
    records = call.org.records
    obj = records.object(call.args["sobject"])
    field_def = records.external_id_field(obj, call.args["field"])
    matches = records.find_by_external_id(obj, field_def, call.args["value"])
    if not matches:
        raise not_found()
    if len(matches) > 1:
        raise MultipleMatches(obj.name, matches)
    return matches[0]


def read_by_external_id(call: Call) -> ApiResponse:
    """A record by external id, or a blob field's bytes: /sobjects/ContentVersion/<id>/VersionData has
    the same shape, and Salesforce tells them apart by what the two segments name."""
    blob = _blob(call)
    if blob is not None:
        return blob
    records = call.org.records
    obj = records.object(call.args["sobject"])
    record = records.store.get(obj.name, _only_match(call))
    assert record is not None
    fields = records.fields_param(obj, call.request.args.get("fields"))
    return json_ok(records.render(obj, record, call.version, fields))


def _blob(call: Call) -> ApiResponse | None:
    """sObject Blob Get: the bytes of `/sobjects/<object>/<record id>/<blob field>`, else None."""
    records = call.org.records
    obj = records.object(call.args["sobject"])
    field_def = obj.field(call.args["value"])
    record_id = ids.normalize(call.args["field"])
    if field_def is None or field_def.type != "base64" or record_id is None or obj.field(call.args["field"]):
        return None
    record = records.store.get(obj.name, records.path_id(obj, record_id))
    if record is None:
        raise not_found()
    value = record.get(field_def.name)
    return ApiResponse(200, raw=value.data if isinstance(value, Blob) else b"")


def upsert(call: Call) -> ApiResponse:
    records = call.org.records
    obj = records.object(call.args["sobject"])
    record_id, created = records.upsert(obj, call.args["field"], call.args["value"], call.request.json())
    body = {"id": record_id, "success": True, "errors": [], "created": created}
    if created:
        return json_ok(body, 201, {"Location": record_url(call.version, obj.name, record_id)})
    return json_ok(body)


def delete_by_external_id(call: Call) -> ApiResponse:
    records = call.org.records
    obj = records.object(call.args["sobject"])
    records.delete(obj, _only_match(call))
    return no_content()
