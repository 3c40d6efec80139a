"""The chat configuration checked against the org's schema at cold start.

Each chat function checks what it uses: `check_chat_end_schema` (chat_end: the field mapping, the
identification, and the records it writes: `Chat_Id__c` on Case and Task, transcript files) and
`check_routing_schema` (conversation_routing: the identification, the routing rules, the chatbot's
allow-list), so that a Case mapping that does not fit never stops routing.

Every Salesforce name the chat section holds is looked up in the describes of the objects it names:
the field mapping (the field exists, may be written, and its type can hold the chat value), the
identification conditions (the field exists on each object matched, may be filtered on, and can be
compared with the chat value), the routing rules' `contact.`/`account.` paths and the chatbot's
allow-list (through their relationships). Every problem is collected and reported at once, in one
ConfigurationError naming each configuration path and API name (never a value): a mapping that does
not fit the org is refused before the first event, not answered with a failure per event.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from connector.config.chat import (
    ChatConfig,
    ChatFieldKind,
    MappedObject,
    MatchCondition,
    chat_field_kind,
)
from connector.crm.schema import FieldDescribe, OrgSchema, type_label
from connector.errors import ConfigurationError
from connector.services import Services

MAPPED_OBJECTS: tuple[MappedObject, ...] = ("Contact", "Lead", "Account", "Case", "Task")
# Records the update rules may change after creating them (Cases and Tasks are only created).
UPDATED_OBJECTS = frozenset({"Contact", "Lead", "Account"})
# A Long Text Area is a textarea longer than 255 characters (https://help.salesforce.com/s/articleView?id=sf.custom_field_types.htm):
# a shorter one, like a string, would cut a transcript short.
LONG_TEXT_AREA_MIN_LENGTH = 256

# Which describe field types can hold each kind of chat value, in one place:
# - text: any short string: text, text areas, phones, comboboxes, and picklists that accept values
#   they do not list (a restricted picklist refuses them: checked apart). Not email or url fields:
#   Salesforce validates their format, and free text would be refused.
# - long_text (a transcript, an offline message): only a Long Text Area (length checked apart).
# - email / url: their own type, or a text field (the value as it stands).
# - int: a number field, or a text field (its decimal digits).
# - datetime: a date/time field, or a text field (RFC 3339). Not a date field: a date/time is not a date.
# Booleans, references, ids, dates, multi-select picklists and addresses hold no chat value.
_TEXT_TYPES = frozenset({"string", "textarea"})
HOLDING_TYPES: Mapping[ChatFieldKind, frozenset[str]] = {
    "text": _TEXT_TYPES | {"phone", "combobox", "picklist"},
    "long_text": frozenset({"textarea"}),
    "email": _TEXT_TYPES | {"email"},
    "url": _TEXT_TYPES | {"url"},
    "int": _TEXT_TYPES | {"int", "double", "currency", "percent"},
    "datetime": _TEXT_TYPES | {"datetime"},
}
# Which field types a chat value can be compared with in a SOQL WHERE clause (identification): a
# number with numbers, a date/time with date/times, every string kind with string types.
_STRING_TYPES = frozenset({"string", "textarea", "email", "phone", "url", "picklist", "combobox"})
COMPARABLE_TYPES: Mapping[ChatFieldKind, frozenset[str]] = {
    "text": _STRING_TYPES,
    "long_text": _STRING_TYPES,
    "email": _STRING_TYPES,
    "url": _STRING_TYPES,
    "int": frozenset({"int", "double", "currency", "percent"}),
    "datetime": frozenset({"datetime"}),
}
_KIND_LABELS: Mapping[ChatFieldKind, str] = {
    "text": "text",
    "long_text": "long text",
    "email": "an email address",
    "url": "a URL",
    "int": "an integer",
    "datetime": "a date/time",
}
_NOUNS = {"chat.transcript": "a transcript", "offline.content": "an offline message"}


def check_chat_end_schema(services: Services) -> None:
    """chat_end's cold-start check: ConfigurationError naming every problem."""
    _refuse(chat_end_problems(services.settings.config.chat, services.org_schema))


def check_routing_schema(services: Services) -> None:
    """conversation_routing's cold-start check: ConfigurationError naming every problem."""
    _refuse(routing_problems(services.settings.config.chat, services.org_schema))


def _refuse(problems: list[str]) -> None:
    if problems:
        raise ConfigurationError("the chat configuration does not fit the Salesforce org", problems)


def chat_end_problems(config: ChatConfig, schema: OrgSchema) -> list[str]:
    """What chat end needs that the org lacks, as `<config path>: <what is wrong>`."""
    schema.load([*MAPPED_OBJECTS, TRANSCRIPT_FILE])
    return [
        *_mapping_problems(config, schema),
        *_identification_problems(config, schema),
        *_chat_record_problems(schema),
    ]


def routing_problems(config: ChatConfig, schema: OrgSchema) -> list[str]:
    """What routing and the chatbot need that the org lacks."""
    schema.load(["Contact", "Lead", "Account", *config.bot.objects])
    return [
        *_identification_problems(config, schema),
        *_routing_problems(config, schema),
        *_bot_problems(config, schema),
    ]


def chat_schema_problems(config: ChatConfig, schema: OrgSchema) -> list[str]:
    """Every way the chat configuration does not fit the org (both functions' checks)."""
    return list(dict.fromkeys([*chat_end_problems(config, schema), *routing_problems(config, schema)]))


# -- the records chat end writes --------------------------------------------------------------------
# The chat id is the Case's and the Task's external id (SFDX source under salesforce/; DESIGN §4):
# without it every chat end would be refused with INVALID_FIELD, and a redelivery would duplicate.
CHAT_ID_FIELD = "Chat_Id__c"
# A transcript over the description's cap is attached whole as a file (a ContentVersion).
TRANSCRIPT_FILE = "ContentVersion"


def _chat_record_problems(schema: OrgSchema) -> Iterator[str]:
    for sobject in ("Case", "Task"):
        described = schema.sobject(sobject)
        if described is None:
            continue  # named by the mapping check
        field = described.field(CHAT_ID_FIELD)
        where = f"{sobject}.{CHAT_ID_FIELD}"
        if field is None:
            yield f"{where}: {sobject} has no field {CHAT_ID_FIELD} (deploy the connector's SFDX source, salesforce/)"
        elif not field.get("externalId"):
            yield f"{where}: {sobject}.{CHAT_ID_FIELD} is not an External ID, a chat end could not be upserted by it"
    files = schema.sobject(TRANSCRIPT_FILE)
    if files is None or not files.createable:
        yield f"{TRANSCRIPT_FILE}: files cannot be created, a transcript over 32,000 characters could not be attached"


# -- field mapping ---------------------------------------------------------------------------------
def holding_problem(field: FieldDescribe, kind: ChatFieldKind) -> str | None:
    """Why this field cannot hold a chat value of this kind, or None when it can."""
    field_type = str(field.get("type"))
    length = int(field.get("length") or 0)
    fits = field_type in HOLDING_TYPES[kind]
    if kind == "long_text" and length < LONG_TEXT_AREA_MIN_LENGTH:
        fits = False
    if kind == "text" and field_type == "picklist" and field.get("restrictedPicklist"):
        fits = False
    return None if fits else f"{field['name']} is {type_label(field)}"


def _mapping_problems(config: ChatConfig, schema: OrgSchema) -> Iterator[str]:
    updated = config.update_rule != "do_not_update"
    for sobject in MAPPED_OBJECTS:
        mapping = config.field_mapping.of(sobject)
        if not mapping:
            continue
        described = schema.sobject(sobject)
        if described is None:
            yield f"chat.field_mapping.{sobject}: the org has no object {sobject}"
            continue
        for name, chat_path in mapping.items():
            where = f"chat.field_mapping.{sobject}.{name}"
            field = described.field(name)
            if field is None:
                yield f"{where}: {sobject} has no field {name}"
                continue
            if not field.get("createable"):
                yield f"{where}: {sobject}.{name} cannot be written (not createable)"
                continue
            if updated and sobject in UPDATED_OBJECTS and not field.get("updateable"):
                yield f"{where}: {sobject}.{name} cannot be updated, as the update rule {config.update_rule} does"
            kind = chat_field_kind(chat_path)
            problem = holding_problem(field, kind)
            if problem is not None:
                noun = _NOUNS.get(chat_path, chat_path)
                yield f"{where} <- {chat_path}: {problem}, cannot hold {noun} ({_KIND_LABELS[kind]})"


# -- identification --------------------------------------------------------------------------------
def _identification_problems(config: ChatConfig, schema: OrgSchema) -> Iterator[str]:
    ident = config.identification
    groups: tuple[tuple[str, tuple[MatchCondition, ...], tuple[str, ...]], ...] = (
        # Leads are matched on the Contact's conditions.
        ("contact_conditions", ident.contact_conditions, ("Contact", "Lead")),
        ("account_conditions", ident.account_conditions, ("Account",)),
    )
    for group, conditions, sobjects in groups:
        for index, condition in enumerate(conditions):
            where = f"chat.identification.{group}[{index}].salesforce_field"
            for sobject in sobjects:
                problem = _condition_problem(schema, sobject, condition)
                if problem is not None:
                    yield f"{where}: {problem}"


def _condition_problem(schema: OrgSchema, sobject: str, condition: MatchCondition) -> str | None:
    described = schema.sobject(sobject)
    name = condition.salesforce_field
    if described is None:
        return f"the org has no object {sobject}"
    field = described.field(name)
    if field is None:
        return f"{sobject} has no field {name}"
    if not field.get("filterable"):
        return f"{sobject}.{name} ({type_label(field)}) cannot be filtered on"
    kind = chat_field_kind(condition.chat_field)
    if str(field.get("type")) not in COMPARABLE_TYPES[kind]:
        compared = f"{condition.chat_field} ({_KIND_LABELS[kind]})"
        return f"{sobject}.{name} is {type_label(field)}, cannot be compared with {compared}"
    return None


# -- routing rules and the chatbot's allow-list ---------------------------------------------------
@dataclass(frozen=True)
class _Path:
    where: str
    sobject: str
    path: str


def _routing_paths(config: ChatConfig) -> Iterator[_Path]:
    for index, rule in enumerate(config.routing.rules):
        named = [(f"conditions[{i}].field", c.field) for i, c in enumerate(rule.conditions)]
        if rule.agent_from is not None:
            named.append(("agent_from", rule.agent_from))
        for where, value in named:
            head, _, rest = value.partition(".")
            if head in ("contact", "account"):
                yield _Path(f"chat.routing.rules[{index}].{where} {value}", head.title(), rest)


def _routing_problems(config: ChatConfig, schema: OrgSchema) -> Iterator[str]:
    paths = list(_routing_paths(config))
    for path, resolved in zip(paths, schema.resolve([(p.sobject, p.path) for p in paths]), strict=True):
        if resolved.problem is not None:
            yield f"{path.where}: {resolved.problem}"


def _bot_problems(config: ChatConfig, schema: OrgSchema) -> Iterator[str]:
    bot = config.bot
    paths: list[_Path] = []
    for sobject, fields in bot.objects.items():
        if schema.sobject(sobject) is None:
            yield f"chat.bot.objects.{sobject}: the org has no object {sobject}"
            continue
        paths.extend(_Path(f"chat.bot.objects.{sobject}.{path}", sobject, path) for path in fields)
    for path, resolved in zip(paths, schema.resolve([(p.sobject, p.path) for p in paths]), strict=True):
        if resolved.problem is not None:
            yield f"{path.where}: {resolved.problem}"
    for sobject in bot.createable:
        described = schema.sobject(sobject)
        if described is not None and not described.createable:
            yield f"chat.bot.createable.{sobject}: {sobject} records cannot be created (not createable)"
