"""The 360° view of a matched social user: the Contact's (or Person Account's) recent Tasks and
Events, newest first, a page at a time (../shared/reference/social-alcmeon-salesforce-overview.md,
"View a 360° History of Customer Interactions": the user must be matched).

One Salesforce call: both queries in one composite, each the first `page * page_size + 1` rows in
its own order; merged newest first, the page cut from the merge. A Task is dated by when it was
logged (CreatedDate; its ActivityDate is a due date, often blank), an Event by its StartDateTime.
With a Person Account, the activities related to the Account (WhatId) are read.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from connector.envelope import UnstatedRule
from connector.errors import MappingError, NotFoundError
from connector.salesforce.client import Record
from connector.salesforce.soql import soql_quote
from connector.services import Services
from connector.value_types import ExternalKey

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 20, 50
# A user id as the inbox's events carry it (and as its match is kept): anything else is no user.
_USER_ID = TypeAdapter(ExternalKey)
# A query's first page holds 2000 rows: a page beyond them is not served.
MAX_ROWS = 2000
# The query parameters as the OpenAPI document states them; the page's largest number depends on the
# page size (a rule across two parameters): a 422 the document names.
PageNumber = Annotated[int, Field(ge=1, le=MAX_ROWS)]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]
PAGE_BEYOND_ROWS = UnstatedRule(("query", "page"), "mapping_error", f"page x page_size is at most {MAX_ROWS} rows")


class ActivityItem(BaseModel):
    type: Literal["Task", "Event"]
    id: str
    at: str
    subject: str | None = None
    description: str | None = None
    status: str | None = None
    start: str | None = None
    end: str | None = None


class UserActivity(BaseModel):
    user_id: str
    salesforce_id: str
    page: int
    page_size: int
    items: list[ActivityItem]
    has_more: bool


def _number(name: str, value: str | None, default: int, maximum: int) -> int:
    if value is None or value == "":
        return default
    # ASCII digits only, and few of them: `isdigit` also holds for "²" (which int() refuses) and
    # int() refuses over 4300 digits; either would be a 500 for the caller's own input.
    if not (value.isascii() and value.isdigit() and len(value) <= 6) or not 1 <= int(value) <= maximum:
        raise MappingError(["query", name], f"an integer from 1 to {maximum}")
    return int(value)


def user_activity(
    services: Services, user_id: str, page: str | None = None, page_size: str | None = None
) -> UserActivity:
    size = _number("page_size", page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    number = _number("page", page, 1, MAX_ROWS // size)
    try:
        _USER_ID.validate_python(user_id)
    except ValidationError:
        # Never looked up: a DynamoDB key past 2048 bytes is refused (a 500 for the caller's input).
        raise MappingError(["path", "user_id"], "a social user id: at most 80 letters, digits, '.', '_', '-'") from None
    link = services.social_links.get(user_id)
    if link is None:
        raise NotFoundError(["path", "user_id"], "this social user is matched to no Salesforce record")
    field = "WhatId" if link.sobject == "Account" else "WhoId"
    record = soql_quote(link.salesforce_id)
    rows = number * size + 1
    found = services.salesforce.query_many(
        {
            "tasks": (
                f"SELECT Id, Subject, Description, Status, CreatedDate FROM Task WHERE {field} = {record} "
                f"ORDER BY CreatedDate DESC LIMIT {rows}"
            ),
            "events": (
                "SELECT Id, Subject, Description, StartDateTime, EndDateTime, ActivityDateTime FROM Event "
                f"WHERE {field} = {record} ORDER BY StartDateTime DESC LIMIT {rows}"
            ),
        }
    )
    items = [_task(r) for r in found.get("tasks") or []] + [_event(r) for r in found.get("events") or []]
    items.sort(key=lambda item: (_instant(item.at), item.id), reverse=True)
    start = (number - 1) * size
    return UserActivity(
        user_id=user_id,
        salesforce_id=link.salesforce_id,
        page=number,
        page_size=size,
        items=items[start : start + size],
        has_more=len(items) > start + size,
    )


def _instant(value: str) -> str:
    """A sortable UTC form of a Salesforce datetime (`2026-11-23T10:00:00.000+0000` or `...Z`)."""
    return value.replace("+0000", "Z").replace("+00:00", "Z").replace(".000Z", "Z")


def _text(record: Record, name: str) -> str | None:
    value = record.get(name)
    return str(value) if value is not None else None


def _task(record: Record) -> ActivityItem:
    return ActivityItem(
        type="Task",
        id=str(record["Id"]),
        at=str(record.get("CreatedDate") or ""),
        subject=_text(record, "Subject"),
        description=_text(record, "Description"),
        status=_text(record, "Status"),
    )


def _event(record: Record) -> ActivityItem:
    return ActivityItem(
        type="Event",
        id=str(record["Id"]),
        at=str(record.get("StartDateTime") or record.get("ActivityDateTime") or ""),
        subject=_text(record, "Subject"),
        description=_text(record, "Description"),
        start=_text(record, "StartDateTime"),
        end=_text(record, "EndDateTime"),
    )
