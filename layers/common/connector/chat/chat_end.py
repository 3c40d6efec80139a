"""Chat end and offline message -> the configured option (or the agent's choice) in Salesforce.

The guide's five automatic options, and the agent's seven manual ones, come down to one shape: a
parent (a Contact, a Lead, or none) and a child (a Case or a Task) that carries the chat as its
description and its id in `Chat_Id__c` (an upsert key: a redelivered end never makes a second one).

Salesforce calls per chat end (goal: two):
1. identification, one composite of queries: the Contact (or Lead) on the configured conditions,
   with the mapped fields the update rule needs, the Account on its own conditions, the record the
   agent named, and the Case/Task an earlier run of this chat already wrote (its parent is reused:
   a retry after a lost answer never creates a second Contact or Lead, even for a visitor with no
   email to match on). "Create a Case" needs none of it: no call, unless its transcript is cut (then
   only the earlier Case is looked for, so that a second run never attaches a second file).
2. the writes, one composite (allOrNone): create the parent or PATCH the fields that change, upsert
   the child by `Chat_Id__c` referencing `@{parent.id}`, and, when the transcript is over the
   32,000 characters of a description, a ContentVersion of the whole text first published on the
   child (base64 in JSON is accepted inside a composite; only Blob *Get* is not:
   https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html).
"Do nothing" calls nothing and answers `ignored`. A Contact insert the org's duplicate rule flags
follows `salesforce.duplicate_rule_policy` (`crm.duplicates`): one more call only then.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from connector.chat.end_events import ChatEnded, ChatEndedData, OfflineMessageReceived
from connector.chat.identification import identification_queries, read_identified
from connector.chat.mapping import apply_update_rule, mapped_values, person_defaults, record_field, text_lengths
from connector.chat.models import OfflineMessageData
from connector.chat.transcripts import Description, fit_description
from connector.config.chat import ChatConfig, ChatEndOption
from connector.crm.duplicates import past_duplicate_rule
from connector.envelope import Outcome
from connector.errors import IneligibleEvent
from connector.salesforce.client import Record
from connector.salesforce.plan import WritePlan, resolved
from connector.salesforce.soql import soql_quote
from connector.services import Services
from connector.state.chat_choices import AgentChoice

CHAT_ID_FIELD = "Chat_Id__c"
CHAT_ID_LENGTH = 80
# Key prefixes of standard objects, the same in every org.
KEY_PREFIXES = {"Contact": "003", "Lead": "00Q"}

Parent = Literal["Contact", "Lead"]
Child = Literal["Case", "Task"]


@dataclass(frozen=True)
class Option:
    """What an option writes: the parent it creates or updates (None: none) and the child."""

    parent: Parent | None
    child: Child


AUTOMATIC_OPTIONS: dict[ChatEndOption, Option | None] = {
    "create_or_update_contact_attach_case": Option("Contact", "Case"),
    "create_or_update_contact_attach_task": Option("Contact", "Task"),
    "create_case": Option(None, "Case"),
    "create_lead_attach_task": Option("Lead", "Task"),
    "do_nothing": None,
}
# The agent's manual options. An `attach_*` option goes to the record the agent named (its
# salesforce_id), else to the one identification finds at the chat's end; when there is none, the
# record is created as a `create_*` option would (the chat is never lost).
AGENT_OPTIONS: dict[str, Option] = {
    "create_lead_attach_task": Option("Lead", "Task"),
    "create_case": Option(None, "Case"),
    "create_contact_attach_case": Option("Contact", "Case"),
    "create_contact_attach_task": Option("Contact", "Task"),
    "attach_case_to_contact": Option("Contact", "Case"),
    "attach_task_to_contact": Option("Contact", "Task"),
    "attach_task_to_lead": Option("Lead", "Task"),
}


def end_chat(event: ChatEnded, services: Services) -> Outcome:
    """A chat ended: mark it ended (no agent choice is taken after this) and run its option."""
    data = event.data
    chat = services.chat_choices.end(data.chat_id, data.chat.end_time.isoformat())
    return _run(data, data.chat_id, chat.choice, services)


def receive_offline_message(event: OfflineMessageReceived, services: Services) -> Outcome:
    """An offline message: the configured option, its subject and content as the description."""
    return _run(event.data, offline_key(event.data.message_id), None, services)


def offline_key(message_id: str) -> str:
    """An offline message's `Chat_Id__c`: `offline:<message id>` (hashed when that would not fit)."""
    key = f"offline:{message_id}"
    if len(key) <= CHAT_ID_LENGTH:
        return key
    return "offline:" + hashlib.sha256(message_id.encode()).hexdigest()[:40]


def _run(data: ChatEndedData | OfflineMessageData, key: str, choice: AgentChoice | None, services: Services) -> Outcome:
    config = services.settings.config.chat
    if choice is not None:
        option: Option | None = AGENT_OPTIONS[choice.action]
        chosen = {"option": choice.action, "chosen_by": "agent"}
    else:
        option = AUTOMATIC_OPTIONS[config.chat_end_option]
        chosen = {"option": config.chat_end_option, "chosen_by": "configuration"}
    if option is None:
        raise IneligibleEvent("chat_end_option is do_nothing: nothing is written to Salesforce")
    found = _identify(data, key, option, choice, config, services)
    written = past_duplicate_rule(
        services.settings.config.salesforce.duplicate_rule_policy,
        lambda: _write(data, key, option, choice, found, config, services),
        # The org's duplicate rule named the Contact this visitor is: the chat goes to it.
        lambda matched: (
            _write(data, key, option, choice, found.attached_to(matched), config, services)
            if option.parent == "Contact"
            else None
        ),
    )
    return Outcome(ids=written.ids, detail={**chosen, **written.detail})


@dataclass(frozen=True)
class Found:
    """What identification found for one option: the parent record (with the mapped fields, or
    only its Id when no update applies), whether it came from an earlier run, and the Account."""

    parent: Record | None = None
    account_id: str | None = None
    earlier_child: bool = False
    # The visitor's Account with its mapped fields (chat.field_mapping.Account), for the update rule.
    account: Record | None = None

    def attached_to(self, record_id: str) -> Found:
        return Found({"Id": record_id}, self.account_id, self.earlier_child, self.account)


def _identify(
    data: ChatEndedData | OfflineMessageData,
    key: str,
    option: Option,
    choice: AgentChoice | None,
    config: ChatConfig,
    services: Services,
) -> Found:
    """One API call (none for an option without a parent, unless it attaches a file)."""
    if option.parent is None:
        if not _transcript_is_cut(data, option, config):
            return Found()
        # A file is not an upsert: whether an earlier run of this chat already attached it is asked.
        written = services.salesforce.query_many({"earlier": _earlier_child_query(option, key)})
        return Found(earlier_child=bool(written.get("earlier")))
    parent = option.parent
    mapped = list(config.field_mapping.of(parent))
    account_mapped = list(config.field_mapping.of("Account")) if parent == "Contact" else []
    queries = identification_queries(
        config.identification,
        data,
        contact_fields=mapped if parent == "Contact" else (),
        lead_fields=mapped if parent == "Lead" else (),
        account_fields=account_mapped,
    )
    # Only the object this option writes is looked for (a Contact does not stop a Lead option).
    queries.pop("lead" if parent == "Contact" else "contact", None)
    if parent == "Lead":
        queries.pop("account", None)
    select = ", ".join(dict.fromkeys(["Id", *mapped]))
    named = choice.salesforce_id if choice and choice.salesforce_id else None
    if named and named.startswith(KEY_PREFIXES[parent]):
        # A converted Lead is read as no Lead (as the identification does): Salesforce refuses to
        # update it, and the chat would dead-letter; the option falls back to the identified record.
        converted = " AND IsConverted = false" if parent == "Lead" else ""
        queries["named"] = f"SELECT {select} FROM {parent} WHERE Id = {soql_quote(named)}{converted} LIMIT 1"
    parent_field = _parent_field(option)
    queries["earlier"] = _earlier_child_query(option, key)
    results = services.salesforce.query_many(queries)
    first = {name: next(iter(rows or []), None) for name, rows in results.items()}
    account_id = _account_id(first)
    earlier = first.get("earlier")
    earlier_parent = str(earlier.get(parent_field) or "") if earlier else ""
    if not earlier_parent.startswith(KEY_PREFIXES[parent]):
        earlier_parent = ""
    record = first.get("named") or first.get(parent.lower())
    if earlier_parent and (record is None or record.get("Id") != earlier_parent):
        # An earlier run of this chat wrote to that record: it stays the chat's, not updated again.
        record = {"Id": earlier_parent}
    account = read_identified(results).account if account_mapped and account_id else None
    return Found(record, account_id, earlier_child=earlier is not None, account=account)


def _parent_field(option: Option) -> str:
    return "ContactId" if option.child == "Case" else "WhoId"


def _earlier_child_query(option: Option, key: str) -> str:
    """The Case or Task an earlier run of this chat wrote, with its parent."""
    return (
        f"SELECT Id, {_parent_field(option)} FROM {option.child} WHERE {CHAT_ID_FIELD} = {soql_quote(key)} "
        "ORDER BY CreatedDate ASC, Id ASC LIMIT 1"
    )


def _transcript_is_cut(data: ChatEndedData | OfflineMessageData, option: Option, config: ChatConfig) -> bool:
    """Whether the child's description is cut, so that the whole text goes with it as a file."""
    values = mapped_values(option.child, config.field_mapping.of(option.child), data)
    return "Description" in values and fit_description(str(values["Description"])).cut


def _lengths(services: Services, sobject: str) -> dict[str, int]:
    """The object's text lengths as the cold-start check described them (no API call of its own)."""
    return text_lengths(services.org_schema.known(sobject))


def _account_id(first: dict[str, Record | None]) -> str | None:
    account, contact = first.get("account"), first.get("contact")
    if account:
        return str(account["Id"])
    return str(contact["AccountId"]) if contact and contact.get("AccountId") else None


@dataclass(frozen=True)
class _Written:
    ids: dict[str, str]
    detail: dict[str, Any]


def _write(
    data: ChatEndedData | OfflineMessageData,
    key: str,
    option: Option,
    choice: AgentChoice | None,
    found: Found,
    config: ChatConfig,
    services: Services,
) -> _Written:
    """One API call: the parent (created, or the fields that change), the child, the file."""
    plan = WritePlan(services.salesforce)
    typed = choice.fields if choice else {}
    parent_ref: str | None = None
    created = False
    if option.parent is not None:
        parent = option.parent
        values = mapped_values(parent, config.field_mapping.of(parent), data, _lengths(services, parent))
        agent_values = dict(typed.get(parent, {}))
        if found.parent is not None:
            parent_ref = str(found.parent["Id"])
            changes = apply_update_rule(config.update_rule, found.parent, values) if len(found.parent) > 1 else {}
            changes.update({k: v for k, v in agent_values.items() if record_field(found.parent, k) != v})
            if changes:
                plan.update("parent", parent, parent_ref, changes)
        else:
            body = person_defaults(parent, {**values, **agent_values}, data)
            if parent == "Contact" and found.account_id and "AccountId" not in body:
                body["AccountId"] = found.account_id
            parent_ref = plan.create("parent", parent, body)
            created = True
        if parent == "Contact" and found.account is not None and found.account.get("Id"):
            # The visitor's Account, found by its own conditions or as the Contact's: its mapped
            # fields follow the Contact's update rule, in the same call.
            mapping = config.field_mapping.of("Account")
            account_values = mapped_values("Account", mapping, data, _lengths(services, "Account"))
            account_changes = apply_update_rule(config.update_rule, found.account, account_values)
            if account_changes:
                plan.update("account", "Account", str(found.account["Id"]), account_changes)

    child_values = mapped_values(
        option.child, config.field_mapping.of(option.child), data, _lengths(services, option.child)
    )
    description = fit_description(str(child_values["Description"])) if "Description" in child_values else None
    if description is not None:
        child_values["Description"] = description.text
    body = {**_child_fields(data, key, option, config), **child_values}
    if option.child == "Case":
        body.update(ContactId=parent_ref if option.parent == "Contact" else None, AccountId=found.account_id)
    else:
        body["WhoId"] = parent_ref
    body.update(typed.get(option.child, {}))
    plan.upsert("child", option.child, CHAT_ID_FIELD, key, {k: v for k, v in body.items() if v is not None})
    # The file went with the child's first write (allOrNone): an earlier run already attached it.
    attach_file = description is not None and description.cut and not found.earlier_child
    if attach_file:
        assert description is not None and description.full_text is not None
        plan.create("file", "ContentVersion", _transcript_file(key, description))

    results = plan.run()
    ids = {f"{option.child.lower()}_id": str(results["child"]["id"])}
    if option.parent is not None and parent_ref is not None:
        ids[f"{option.parent.lower()}_id"] = resolved(parent_ref, results)
    if attach_file:
        ids["file_id"] = str(results["file"]["id"])
    detail = {"parent_created": created, "transcript_cut": bool(description and description.cut)}
    return _Written(ids, detail)


def _child_fields(
    data: ChatEndedData | OfflineMessageData, key: str, option: Option, config: ChatConfig
) -> dict[str, Any]:
    """What the child carries besides its mapped fields: subject, origin or status, due date."""
    if isinstance(data, OfflineMessageData):
        subject = data.subject or f"Offline message {data.message_id}"
        day: date | None = None
    else:
        template = config.case_subject if option.child == "Case" else config.task_subject
        subject = template.replace("{chat_id}", data.chat_id)
        day = data.chat.end_time.date()
    subject = subject[:255]
    if option.child == "Case":
        return {"Subject": subject, "Origin": config.case_origin}
    return {"Subject": subject, "Status": config.task_status, "ActivityDate": day.isoformat() if day else None}


def _transcript_file(key: str, description: Description) -> dict[str, Any]:
    assert description.full_text is not None
    offline = key.startswith("offline:")
    return {
        "Title": f"{'Offline message' if offline else 'Chat'} {key.removeprefix('offline:')} transcript"[:255],
        "PathOnClient": f"offline-{key[8:]}-message.txt" if offline else f"chat-{key}-transcript.txt",
        "VersionData": base64.b64encode(description.full_text.encode("utf-8")).decode("ascii"),
        "FirstPublishLocationId": "@{child.id}",
    }
