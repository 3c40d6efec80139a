"""The live-chat section of the config document, with the chat integration guide's defaults.

Reference: ../shared/reference/live-chat-comm100-salesforce-guide.txt ("Object Identification
Rules", the five automatic options and three update rules, "Field Mapping between Comm100 Live Chat
and Salesforce" and its default table, routing rules with Salesforce fields, the chatbot's actions).

A chat field is named by a path into the canonical chat event (`visitor.email`, `prechat.phone`,
`custom_variables.account_number`, `chat.start_time`); `CHAT_FIELD_KINDS` says what kind of value
each fixed path holds, so a mapping can be checked against the org's schema at cold start.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from connector.config._base import ApiName, FieldPath, Strict, check_field_path

# What a chat field holds, for the cold-start check against the Salesforce field it fills:
# `text` (a short string), `long_text` (a transcript, a message), `email`, `url`, `int`, `datetime`.
ChatFieldKind = Literal["text", "long_text", "email", "url", "int", "datetime"]

# The guide's field categories: visitor, session, chat information, plus an offline message's own
# fields (its subject and content take the transcript's place).
CHAT_FIELD_KINDS: dict[str, ChatFieldKind] = {
    "visitor.name": "text",
    "visitor.email": "email",
    "visitor.visit_times": "int",
    "visitor.chat_times": "int",
    "session.ip": "text",
    "session.country": "text",
    "session.state": "text",
    "session.city": "text",
    "session.search_engine": "text",
    "session.search_keywords": "text",
    "session.browser": "text",
    "session.os": "text",
    "session.flash_version": "text",
    "session.screen_resolution": "text",
    "session.time_zone": "text",
    "session.language": "text",
    "session.referrer_url": "url",
    "session.current_page_url": "url",
    "session.landing_page_url": "url",
    "chat.requesting_page_url": "url",
    "chat.start_time": "datetime",
    "chat.end_time": "datetime",
    "chat.agent.id": "text",
    "chat.agent.name": "text",
    "chat.agent.email": "email",
    "chat.transcript": "long_text",
    "offline.subject": "text",
    "offline.content": "long_text",
}
# Custom variables and pre-chat fields are the installation's own: any name, a string value.
_OPEN_CATEGORIES = ("custom_variables.", "prechat.")
_VARIABLE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .\-]{0,79}$")


def chat_field_kind(path: str) -> ChatFieldKind:
    """The kind of value a chat field path names; ValueError for a path that names nothing."""
    if path in CHAT_FIELD_KINDS:
        return CHAT_FIELD_KINDS[path]
    for category in _OPEN_CATEGORIES:
        if path.startswith(category) and _VARIABLE_NAME.match(path[len(category) :]):
            return "text"
    raise ValueError(
        f"not a chat field: {path!r} (use one of {', '.join(sorted(CHAT_FIELD_KINDS))}, "
        "custom_variables.<name> or prechat.<name>)"
    )


def _check_chat_field(path: str) -> str:
    chat_field_kind(path)
    return path


ChatField = Annotated[str, AfterValidator(_check_chat_field)]

# The five automatic options of the guide, run when a chat ends or an offline message arrives.
ChatEndOption = Literal[
    "create_or_update_contact_attach_case",
    "create_or_update_contact_attach_task",
    "create_case",
    "create_lead_attach_task",
    "do_nothing",
]
# The three update rules for a visitor who already exists in Salesforce.
UpdateRule = Literal["do_not_update", "overwrite", "fill_blank_fields"]


class MatchCondition(Strict):
    """One identification condition: this chat field equals that Salesforce field."""

    chat_field: ChatField
    salesforce_field: ApiName


class IdentificationConfig(Strict):
    """Contact, then Lead, on the same conditions (all must hold); the Account on its own."""

    # "By default, Comm100 uses customer email as a mapping condition"; "up to three in total".
    contact_conditions: tuple[MatchCondition, ...] = Field(
        default=({"chat_field": "visitor.email", "salesforce_field": "Email"},), min_length=1, validate_default=True
    )
    account_conditions: tuple[MatchCondition, ...] = ()

    @field_validator("contact_conditions", "account_conditions")
    @classmethod
    def _at_most_three(cls, value: tuple[MatchCondition, ...]) -> tuple[MatchCondition, ...]:
        if len(value) > 3:
            raise ValueError(f"at most 3 identification conditions, {len(value)} given")
        return value


# The guide's default field-mapping table (Salesforce field <- chat field). Its second page gives
# the transcript to the Case's and the Task's description.
DEFAULT_CHAT_FIELD_MAPPING: dict[str, dict[str, str]] = {
    "Contact": {
        "LastName": "visitor.name",
        "Phone": "prechat.phone",
        "Email": "visitor.email",
        "Department": "prechat.department",
    },
    "Lead": {
        "LastName": "visitor.name",
        "Phone": "prechat.phone",
        "Email": "visitor.email",
        "Company": "prechat.company",
    },
    "Account": {},
    "Case": {
        "SuppliedName": "visitor.name",
        "SuppliedEmail": "visitor.email",
        "SuppliedCompany": "prechat.company",
        "SuppliedPhone": "prechat.phone",
        "Description": "chat.transcript",
    },
    "Task": {"Description": "chat.transcript"},
}
MappedObject = Literal["Contact", "Lead", "Account", "Case", "Task"]


class ChatFieldMapping(Strict):
    """For each object the guide maps, Salesforce field <- chat field."""

    Contact: dict[ApiName, ChatField] = Field(default_factory=lambda: dict(DEFAULT_CHAT_FIELD_MAPPING["Contact"]))
    Lead: dict[ApiName, ChatField] = Field(default_factory=lambda: dict(DEFAULT_CHAT_FIELD_MAPPING["Lead"]))
    Account: dict[ApiName, ChatField] = Field(default_factory=lambda: dict(DEFAULT_CHAT_FIELD_MAPPING["Account"]))
    Case: dict[ApiName, ChatField] = Field(default_factory=lambda: dict(DEFAULT_CHAT_FIELD_MAPPING["Case"]))
    Task: dict[ApiName, ChatField] = Field(default_factory=lambda: dict(DEFAULT_CHAT_FIELD_MAPPING["Task"]))

    def of(self, sobject: MappedObject) -> dict[str, str]:
        mapping: dict[str, str] = getattr(self, sobject)
        return mapping


RoutingOperator = Literal["equals", "not_equals", "contains", "starts_with", "in", "is_set", "is_not_set"]


class RoutingCondition(Strict):
    """`field` is `contact.<Field path>`, `account.<Field path>` (the visitor's Salesforce records,
    e.g. `account.Owner.Email`) or a chat field (`prechat.department`, `custom_variables.vip`)."""

    field: str = Field(min_length=3, max_length=200)
    operator: RoutingOperator = "equals"
    value: str | tuple[str, ...] | None = None

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        head, _, rest = value.partition(".")
        if head in ("contact", "account"):
            check_field_path(rest)
        else:
            chat_field_kind(value)
        return value

    @model_validator(mode="after")
    def _value_fits_operator(self) -> RoutingCondition:
        if self.operator in ("is_set", "is_not_set"):
            if self.value is not None:
                raise ValueError(f"{self.operator} takes no value")
        elif self.operator == "in":
            if not isinstance(self.value, tuple) or not self.value:
                raise ValueError("in takes a non-empty list of values")
        elif not isinstance(self.value, str):
            raise ValueError(f"{self.operator} takes one string value")
        return self


class RoutingRule(Strict):
    """All conditions hold -> this department and/or agent. `agent_from` names a field whose value
    is the agent's email (`account.Owner.Email`: the Account owner)."""

    name: str = Field(min_length=1, max_length=80)
    conditions: tuple[RoutingCondition, ...] = Field(min_length=1)
    department: str | None = Field(default=None, min_length=1, max_length=80)
    agent: str | None = Field(default=None, min_length=1, max_length=80)
    agent_from: str | None = None

    @field_validator("agent_from")
    @classmethod
    def _agent_from_is_a_salesforce_field(cls, value: str | None) -> str | None:
        if value is not None:
            head, _, rest = value.partition(".")
            if head not in ("contact", "account"):
                raise ValueError("agent_from names a contact.<field> or account.<field>")
            check_field_path(rest)
        return value

    @model_validator(mode="after")
    def _routes_somewhere(self) -> RoutingRule:
        if not (self.department or self.agent or self.agent_from):
            raise ValueError(f"rule {self.name!r} names no department, agent or agent_from")
        return self


class RoutingConfig(Strict):
    rules: tuple[RoutingRule, ...] = ()
    default_department: str = Field(default="General", min_length=1, max_length=80)
    # Routing sits in front of every chat: past this, the default department answers.
    budget_ms: int = Field(default=300, ge=20, le=5000)


# What the chatbot may read and create: objects and their fields. Find and SOQL are read-only.
DEFAULT_BOT_OBJECTS: dict[str, tuple[str, ...]] = {
    "Contact": ("Id", "FirstName", "LastName", "Email", "Phone", "AccountId", "Account.Name", "CreatedDate"),
    "Lead": ("Id", "FirstName", "LastName", "Email", "Phone", "Company", "Status", "LeadSource", "CreatedDate"),
    "Account": ("Id", "Name", "Phone", "CreatedDate"),
    "Case": (
        "Id",
        "CaseNumber",
        "Subject",
        "Status",
        "Priority",
        "Origin",
        "ContactId",
        "AccountId",
        "Description",
        "CreatedDate",
    ),
    "Task": ("Id", "Subject", "Status", "Priority", "WhoId", "WhatId", "Description", "CreatedDate"),
}


class BotConfig(Strict):
    # object -> the fields the bot may read, filter on or write (relationship paths for reads).
    objects: dict[ApiName, tuple[FieldPath, ...]] = Field(default_factory=lambda: dict(DEFAULT_BOT_OBJECTS))
    # The objects `bot.create_record` may create (each also in `objects`).
    createable: tuple[ApiName, ...] = ("Lead", "Contact", "Case", "Task")
    max_rows: int = Field(default=200, ge=1, le=200)

    @model_validator(mode="after")
    def _createable_are_listed(self) -> BotConfig:
        unknown = [name for name in self.createable if name not in self.objects]
        if unknown:
            raise ValueError(f"createable objects missing from objects: {', '.join(unknown)}")
        return self


class ChatConfig(Strict):
    """Live chat to Service Cloud."""

    # What happens when a chat ends or an offline message arrives (unless an agent chose otherwise).
    chat_end_option: ChatEndOption = "create_or_update_contact_attach_case"
    # What happens to a visitor who already exists as a Contact.
    update_rule: UpdateRule = "fill_blank_fields"
    identification: IdentificationConfig = Field(default_factory=dict, validate_default=True)
    field_mapping: ChatFieldMapping = Field(default_factory=dict, validate_default=True)
    routing: RoutingConfig = Field(default_factory=dict, validate_default=True)
    bot: BotConfig = Field(default_factory=dict, validate_default=True)
    # What a chat end writes besides the mapped fields. `{chat_id}` is replaced by the chat's id
    # (an offline message's subject, when it has one, is the subject instead).
    case_subject: str = Field(default="Live chat {chat_id}", min_length=1, max_length=200)
    case_origin: str = Field(default="Chat", min_length=1, max_length=40)
    task_subject: str = Field(default="Live chat {chat_id}", min_length=1, max_length=200)
    task_status: str = Field(default="Completed", min_length=1, max_length=40)
