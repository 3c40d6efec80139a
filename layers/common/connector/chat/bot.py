"""The chatbot's Salesforce actions (the guide's "Chatbot" section): create a record, find a record
by a field value, find records by SOQL.

Everything the bot names is checked against `chat.bot` in the configuration: the objects and
fields it may read, filter on or write (relationship paths such as `Account.Name` listed one by
one), the objects it may create, the most rows a query may answer. Find and SOQL only read.

Answers: a found record as `{"found": true, "object", "record": {<field as asked>: value}}`
(relationship values flattened: `"Account.Name": "Acme"`), the records of a query likewise; nothing
found is a 404 naming the object (`type: not_found`) for both find and SOQL, so a bot flow has one
not-found branch. A refused query or field is a 422 saying why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from connector.chat.identification import STABLE_ORDER, soql_literal
from connector.chat.soql_guard import RefusedQuery, checked_query
from connector.config._base import API_NAME_SCHEMA, ApiName, FieldPath
from connector.config.chat import BotConfig
from connector.envelope import Command, CompleteAnswer, UnstatedRule
from connector.errors import MappingError, NotFoundError
from connector.salesforce.client import Record
from connector.salesforce.errors import SalesforceError
from connector.services import Services
from connector.value_types import NOT_BLANK, ExternalKey

# A value the bot filters on or writes: what a bot variable holds.
BotValue = str | int | float | bool | None
_VARIABLE_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,79}$"
VariableName = Annotated[str, StringConstraints(pattern=_VARIABLE_NAME)]

# Salesforce refusing what the bot sent (a query it cannot run, a record it will not create): the
# bot's author has to fix it, so it is a 422 naming the code, never a retry.
QUERY_REFUSALS = frozenset(
    {"MALFORMED_QUERY", "INVALID_FIELD", "INVALID_TYPE", "INVALID_QUERY_FILTER_OPERATOR", "INVALID_QUERY_LOCATOR"}
)
WRITE_REFUSALS = frozenset(
    {
        "REQUIRED_FIELD_MISSING",
        "INVALID_FIELD",
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        "INVALID_EMAIL_ADDRESS",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "STRING_TOO_LONG",
        "NUMBER_OUTSIDE_VALID_RANGE",
        "MALFORMED_ID",
        "INVALID_CROSS_REFERENCE_KEY",
        "FIELD_INTEGRITY_EXCEPTION",
        "DUPLICATE_VALUE",
        "DUPLICATES_DETECTED",
        "JSON_PARSER_ERROR",
    }
)


class _Data(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    # The chat the bot acts in (absent when the bot runs on another channel).
    chat_id: ExternalKey | None = None


class FindRecordData(_Data):
    object: ApiName
    field: FieldPath
    value: BotValue
    return_fields: list[FieldPath] = Field(min_length=1, max_length=100)


class QueryData(_Data):
    # A SELECT, possibly a template: `{name}` or `:name` stands for `variables[name]` (escaped).
    soql: str = Field(min_length=1, max_length=20_000, pattern=NOT_BLANK)
    # pydantic publishes no rule for a dict's keys: stated here.
    variables: dict[VariableName, str] = Field(
        default_factory=dict, max_length=50, json_schema_extra={"propertyNames": {"pattern": _VARIABLE_NAME}}
    )


class CreateRecordData(_Data):
    object: ApiName
    # Its names are API names (pydantic publishes no rule for a dict's keys: stated here).
    fields: dict[ApiName, BotValue] = Field(
        min_length=1, max_length=200, json_schema_extra={"propertyNames": API_NAME_SCHEMA}
    )


# What the bot may name is the configuration's (chat.bot: objects, fields, rows), and what it writes
# the org's to take or refuse: the document cannot know either.
BOT_ALLOW_LIST = UnstatedRule(
    ("data",),
    "mapping_error",
    "an object, field or query that the configuration's chat.bot does not allow, or that Salesforce refuses",
)


class _BotCommand(Command):
    unstated_rules = (*Command.unstated_rules, BOT_ALLOW_LIST)


class BotFindRecord(_BotCommand):
    """The bot's "Find a record": the first record (oldest, then lowest Id) whose field equals the value."""

    event_type: Literal["bot.find_record"]
    data: FindRecordData


class BotQuery(_BotCommand):
    """The bot's "Find a record by SOQL": a read-only query from the allow-list, LIMIT enforced."""

    event_type: Literal["bot.query"]
    data: QueryData


class BotCreateRecord(_BotCommand):
    """The bot's "Create a record": one record of an object the configuration lets the bot create."""

    event_type: Literal["bot.create_record"]
    data: CreateRecordData


class FoundRecord(CompleteAnswer):
    """The record found: the fields asked for, keyed as asked. Nothing found answers 404 `not_found`."""

    status: Literal["found"] = "found"
    found: Literal[True] = True
    object: str
    record: dict[str, Any]


class FoundRecords(CompleteAnswer):
    """The query's records (at most its LIMIT), each with the selected fields keyed as written.
    No record answers 404 `not_found`, as `bot.find_record` does."""

    status: Literal["found"] = "found"
    found: Literal[True] = True
    object: str
    total_size: int
    records: list[dict[str, Any]]


class CreatedRecord(CompleteAnswer):
    status: Literal["created"] = "created"
    object: str
    id: str


# -- the allow-list ---------------------------------------------------------------------------------
def _allowed_object(bot: BotConfig, name: str, loc: Sequence[str | int]) -> tuple[str, dict[str, str]]:
    """The configured spelling of an object the bot may use, and its fields (lower case -> spelling)."""
    canonical = next((o for o in bot.objects if o.lower() == name.lower()), None)
    if canonical is None:
        raise MappingError(loc, f"the bot may not use the object {name}")
    return canonical, {f.lower(): f for f in bot.objects[canonical]}


def _allowed_field(fields: Mapping[str, str], sobject: str, name: str, loc: Sequence[str | int]) -> str:
    if name.lower() not in fields:
        raise MappingError(loc, f"the bot may not use the field {name} of {sobject}")
    return fields[name.lower()]


def flatten(record: Record, paths: Sequence[str]) -> dict[str, Any]:
    """The values of `paths` in a record as the REST API renders it (relationships nested, any case)."""
    out: dict[str, Any] = {}
    for path in paths:
        node: Any = record
        for part in path.split("."):
            if not isinstance(node, Mapping):
                node = None
                break
            node = next((v for k, v in node.items() if k.lower() == part.lower()), None)
        out[path] = node
    return out


def _refused(exc: SalesforceError, codes: frozenset[str], loc: Sequence[str | int], what: str) -> MappingError | None:
    if exc.error_code not in codes:
        return None
    fields = sorted({f for d in exc.details for f in d.fields})
    suffix = f" ({', '.join(fields)})" if fields else ""
    return MappingError([*loc, *fields[:1]], f"Salesforce refused the {what}: {exc.error_code}{suffix}")


# -- the actions ------------------------------------------------------------------------------------
def find_record(command: BotFindRecord, services: Services) -> FoundRecord:
    data = command.data
    bot = services.settings.config.chat.bot
    sobject, fields = _allowed_object(bot, data.object, ["data", "object"])
    field = _allowed_field(fields, sobject, data.field, ["data", "field"])
    selected = {
        _allowed_field(fields, sobject, name, ["data", "return_fields", i]).lower(): name
        for i, name in enumerate(data.return_fields)
    }
    select = ", ".join(fields[key] for key in selected)
    if data.value is None or data.value == "":
        raise NotFoundError(["data", "value"], f"no {sobject} matches: the value is empty")
    soql = f"SELECT {select} FROM {sobject} WHERE {field} = {soql_literal(data.value)} {STABLE_ORDER}"
    try:
        records = services.salesforce.query(soql)
    except SalesforceError as exc:
        raise _refused(exc, QUERY_REFUSALS, ["data", "field"], "look-up") or exc from exc
    if not records:
        raise NotFoundError(["data", "value"], f"no {sobject} has that {field}")
    return FoundRecord(object=sobject, record=flatten(records[0], list(dict.fromkeys(data.return_fields))))


def run_query(command: BotQuery, services: Services) -> FoundRecords:
    data = command.data
    bot = services.settings.config.chat.bot
    try:
        query = checked_query(data.soql, data.variables, bot.objects, bot.max_rows)
    except RefusedQuery as refused:
        raise MappingError(["data", "soql"], str(refused)) from refused
    try:
        records = services.salesforce.query(query.soql)
    except SalesforceError as exc:
        raise _refused(exc, QUERY_REFUSALS, ["data", "soql"], "query") or exc from exc
    if not records:
        raise NotFoundError(["data", "soql"], f"no {query.sobject} record matches the query")
    rows = [flatten(record, query.fields) for record in records[: query.limit]]
    return FoundRecords(object=query.sobject, total_size=len(rows), records=rows)


def create_record(command: BotCreateRecord, services: Services) -> CreatedRecord:
    data = command.data
    bot = services.settings.config.chat.bot
    sobject, fields = _allowed_object(bot, data.object, ["data", "object"])
    if sobject not in bot.createable:
        raise MappingError(["data", "object"], f"the bot may not create {sobject} records")
    values = {
        _allowed_field(fields, sobject, name, ["data", "fields", name]): value for name, value in data.fields.items()
    }
    try:
        record_id = services.salesforce.create(sobject, values)
    except SalesforceError as exc:
        raise _refused(exc, WRITE_REFUSALS, ["data", "fields"], "record") or exc from exc
    return CreatedRecord(object=sobject, id=record_id)
