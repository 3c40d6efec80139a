"""The agent's manual option during a chat (`chat.action_selected`), kept for the chat's end.

One option per chat: a newer choice replaces an older one until the chat ends; a choice after the
end is a 409 (the end already ran with what was chosen before). The values the agent typed are
checked here, where the agent can still be told: each object must be one the option writes, each
name an API name, each value a plain JSON value, and none of the fields the connector itself sets
(the record links and `Chat_Id__c`). Whether the org has such a field, only the org knows: a name
it does not know is refused at the chat's end like any other org refusal (DEAD, with its code).
"""

from __future__ import annotations

import re
from typing import Any

from connector.chat.chat_end import AGENT_OPTIONS, CHAT_ID_FIELD, KEY_PREFIXES
from connector.chat.end_events import ChatActionSelected
from connector.envelope import Outcome
from connector.errors import ConflictError, MappingError
from connector.services import Services
from connector.state.chat_choices import AgentChoice, ChoiceAfterEnd

# An API name as the configuration takes it: a custom field's name is 40 characters before its
# `__c`, and a managed package's adds its namespace prefix.
_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
# Set by the connector from the chat and the identification, never by the agent.
RESERVED_FIELDS = frozenset({"Id", CHAT_ID_FIELD, "ContactId", "AccountId", "WhoId", "WhatId"})
# Salesforce reads API names case-insensitively (`whoid` is WhoId): compared in lower case.
_RESERVED = frozenset(name.lower() for name in RESERVED_FIELDS)


def select_action(event: ChatActionSelected, services: Services) -> Outcome:
    data = event.data
    choice = AgentChoice(
        action=data.action,
        salesforce_id=data.salesforce_id,
        fields=_checked_fields(data.action, {str(name): values for name, values in data.fields.items()}),
        agent_id=data.agent.id if data.agent else None,
    )
    option = AGENT_OPTIONS[data.action]
    if data.salesforce_id and (option.parent is None or not data.salesforce_id.startswith(KEY_PREFIXES[option.parent])):
        raise MappingError(
            ["data", "salesforce_id"], f"{data.action} attaches to a {option.parent or 'no'} record, not this Id"
        )
    try:
        services.chat_choices.choose(data.chat_id, choice)
    except ChoiceAfterEnd as ended:
        raise ConflictError("the chat has ended: its end ran with the option chosen before") from ended
    return Outcome(ids={}, detail={"action": data.action})


def _checked_fields(action: str, fields: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    option = AGENT_OPTIONS[action]
    writes = {name for name in (option.parent, option.child) if name}
    for sobject, values in fields.items():
        if sobject not in writes:
            raise MappingError(["data", "fields", sobject], f"{action} writes {' and '.join(sorted(writes))} only")
        for name, value in values.items():
            if not _API_NAME.match(name):
                raise MappingError(["data", "fields", sobject, name], "not a Salesforce field API name")
            if name.lower() in _RESERVED:
                raise MappingError(["data", "fields", sobject, name], "set by the connector, not by the agent")
            if not (value is None or isinstance(value, str | int | float | bool)):
                raise MappingError(["data", "fields", sobject, name], "a field value is text, a number or a boolean")
    return {sobject: dict(values) for sobject, values in fields.items()}
