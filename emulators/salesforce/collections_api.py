"""sObject collections (/composite/sobjects): up to 200 records per API call.

Results are per record, with errors as `{"statusCode", "message", "fields"}` (not `errorCode`),
like the real API. Each record is its own savepoint; with `allOrNone` any failure undoes all and
the records that had succeeded report ALL_OR_NONE_OPERATION_ROLLED_BACK. A fault rule of scope
"record" (see `.faults`) fails one record the way a real error of that record would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import ids
from .api import ApiResponse, Call, json_ok
from .errors import ApiError, SfError, bad_request, json_parser_error
from .faults import RECORD, injected_error
from .records import MultipleMatches
from .schema import ObjectDef

MAX_RECORDS = 200
MAX_RETRIEVE_IDS = 2000
ROLLED_BACK = SfError(
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
)

Result = dict[str, Any]


def _too_many(limit: int) -> ApiError:
    return bad_request(
        "EXCEEDED_ID_LIMIT", f"record limit reached. cannot submit more than {limit} records into this call"
    )


def _failure(record_id: str | None, *errors: SfError) -> Result:
    return {"id": record_id, "success": False, "errors": [e.as_collection_item() for e in errors]}


def _records_body(call: Call) -> tuple[bool, list[Any]]:
    body = call.request.json()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise json_parser_error("The request body must be an object with a records array")
    records = body["records"]
    if len(records) > MAX_RECORDS:
        raise _too_many(MAX_RECORDS)
    all_or_none = body.get("allOrNone", False)
    if not isinstance(all_or_none, bool):
        raise json_parser_error("allOrNone must be a boolean")
    return all_or_none, records


def _run_each(
    call: Call,
    items: list[Any],
    all_or_none: bool,
    operation: Callable[[Any], Result],
    external_ids: list[Any] | None = None,
) -> ApiResponse:
    """`external_ids[i]`: what a "record" fault rule's `externalId` selects record i by."""
    store = call.org.store
    start = store.savepoint()
    results: list[Result] = []
    signatures = (f"{call.request.method} /services/data/v{call.version}{call.request.path}",)
    for index, item in enumerate(items):
        savepoint = store.savepoint()
        try:
            external_id = external_ids[index] if external_ids is not None else None
            injection = call.org.faults.pick(signatures, RECORD, {"index": index, "externalId": external_id})
            injection.wait()
            if injection.failure is not None:
                raise injected_error(injection.failure)
            results.append(operation(item))
        except ApiError as error:
            store.rollback_to(savepoint)
            results.append(_failure(_item_id(item), *error.errors))
        except MultipleMatches as multiple:
            store.rollback_to(savepoint)
            results.append(
                _failure(
                    None,
                    SfError(
                        f"Multiple {multiple.object_name} records match the external id: "
                        + ", ".join(multiple.record_ids),
                        "DUPLICATE_EXTERNAL_ID",
                    ),
                )
            )
    if all_or_none and any(not r["success"] for r in results):
        store.rollback_to(start)
        results = [r if not r["success"] else {**_failure(None, ROLLED_BACK), **_created_flag(r)} for r in results]
    return json_ok(results)


def _created_flag(result: Result) -> Result:
    return {"created": False} if "created" in result else {}


def _item_id(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, dict) and isinstance(item.get("Id"), str):
        return ids.normalize(item["Id"]) or item["Id"]
    return None


def _typed(call: Call, record: Any) -> tuple[ObjectDef, dict[str, Any]]:
    if not isinstance(record, dict):
        raise json_parser_error("Each record must be a JSON object")
    attributes = record.get("attributes")
    type_name = attributes.get("type") if isinstance(attributes, dict) else None
    if not isinstance(type_name, str) or call.org.schema.object(type_name) is None:
        raise bad_request("INVALID_TYPE", f"sObject type '{type_name}' is not supported.")
    obj = call.org.schema.object(type_name)
    assert obj is not None
    return obj, {k: v for k, v in record.items() if k != "attributes"}


def _pop_id(fields: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    keys = [k for k in fields if k.lower() == "id"]
    raw = fields[keys[0]] if keys else None
    return raw, {k: v for k, v in fields.items() if k not in keys}


def create_many(call: Call) -> ApiResponse:
    all_or_none, items = _records_body(call)
    records = call.org.records

    def create_one(item: Any) -> Result:
        obj, fields = _typed(call, item)
        raw_id, fields = _pop_id(fields)
        if raw_id is not None:
            raise bad_request("INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
        return {"id": records.create(obj, fields), "success": True, "errors": []}

    return _run_each(call, items, all_or_none, create_one)


def update_many(call: Call) -> ApiResponse:
    all_or_none, items = _records_body(call)
    records = call.org.records

    def update_one(item: Any) -> Result:
        obj, fields = _typed(call, item)
        raw_id, fields = _pop_id(fields)
        if raw_id is None:
            raise bad_request("MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
        record_id = ids.normalize(raw_id)
        if record_id is None:
            raise bad_request("MALFORMED_ID", f"Record ID: id value of incorrect type: {raw_id}", ["Id"])
        if record_id[:3] != obj.key_prefix or records.store.get(obj.name, record_id) is None:
            raise bad_request("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["Id"])
        records.update(obj, record_id, fields)
        return {"id": record_id, "success": True, "errors": []}

    return _run_each(call, items, all_or_none, update_one, [_item_id(item) for item in items])


def upsert_many(call: Call) -> ApiResponse:
    all_or_none, items = _records_body(call)
    records = call.org.records
    obj = records.object(call.args["sobject"])
    field_def = records.external_id_field(obj, call.args["field"])
    keys = [_external_key(item, field_def.name) for item in items]
    # Two records of one request naming the same key would race for the same row.
    repeated = {key for key in keys if key is not None and keys.count(key) > 1}

    def upsert_one(item: Any) -> Result:
        item_obj, fields = _typed(call, item)
        if item_obj is not obj:
            raise bad_request("INVALID_TYPE", f"Record type {item_obj.name} does not match {obj.name}")
        raw = next((v for k, v in fields.items() if k.lower() == field_def.name.lower()), None)
        if raw is None or raw == "":
            raise bad_request("MISSING_ARGUMENT", f"{field_def.name} not specified", [field_def.name])
        if _external_key(item, field_def.name) in repeated:
            raise bad_request("DUPLICATE_EXTERNAL_ID", f"Duplicate external id specified: {raw}", [field_def.name])
        record_id, created = records.upsert(obj, field_def.name, str(raw), fields)
        return {"id": record_id, "success": True, "errors": [], "created": created}

    raw_keys = [_raw_external_key(item, field_def.name) for item in items]
    return _run_each(call, items, all_or_none, upsert_one, [str(v) if v is not None else None for v in raw_keys])


def _raw_external_key(item: Any, field_name: str) -> Any:
    if not isinstance(item, dict):
        return None
    return next((v for k, v in item.items() if k.lower() == field_name.lower()), None)


def _external_key(item: Any, field_name: str) -> Any:
    if not isinstance(item, dict):
        return None
    raw = next((v for k, v in item.items() if k.lower() == field_name.lower()), None)
    return index_key_text(raw)


def index_key_text(raw: Any) -> Any:
    return raw.casefold() if isinstance(raw, str) else raw


def delete_many(call: Call) -> ApiResponse:
    raw_ids = [i for i in call.request.args.get("ids", "").split(",") if i]
    if len(raw_ids) > MAX_RECORDS:
        raise _too_many(MAX_RECORDS)
    all_or_none = call.request.args.get("allOrNone", "false").lower() == "true"
    org = call.org

    def delete_one(raw: str) -> Result:
        record_id = ids.normalize(raw)
        if record_id is None:
            raise bad_request("MALFORMED_ID", f"malformed id {raw}")
        obj = org.schema.object_for_id(record_id)
        if obj is None:
            raise bad_request("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        if org.store.get(obj.name, record_id) is None:
            if org.store.get_deleted(obj.name, record_id) is not None:
                raise bad_request("ENTITY_IS_DELETED", "entity is deleted")
            raise bad_request("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        org.records.delete(obj, record_id)
        return {"id": record_id, "success": True, "errors": []}

    return _run_each(call, raw_ids, all_or_none, delete_one, list(raw_ids))


def retrieve_many(call: Call) -> ApiResponse:
    records = call.org.records
    obj = records.object(call.args["sobject"])
    if call.request.method == "POST":
        body = call.request.json()
        if not isinstance(body, dict):
            raise json_parser_error("The request body must be an object with ids and fields")
        raw_ids, field_names = body.get("ids") or [], body.get("fields") or []
        if not isinstance(raw_ids, list) or not isinstance(field_names, list):
            raise json_parser_error("ids and fields must be arrays")
        fields_param = ",".join(str(f) for f in field_names)
    else:
        raw_ids = [i for i in call.request.args.get("ids", "").split(",") if i]
        fields_param = call.request.args.get("fields", "")
    if not fields_param:
        raise bad_request("MISSING_ARGUMENT", "fields is required")
    if len(raw_ids) > MAX_RETRIEVE_IDS:
        raise _too_many(MAX_RETRIEVE_IDS)
    fields = records.fields_param(obj, fields_param)
    out: list[dict[str, Any] | None] = []
    for raw in raw_ids:
        record_id = ids.normalize(raw)
        if record_id is None:
            raise bad_request("MALFORMED_ID", f"malformed id {raw}")
        record = records.store.get(obj.name, record_id)
        out.append(records.render(obj, record, call.version, fields) if record is not None else None)
    return json_ok(out)
