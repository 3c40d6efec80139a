"""Compares Salesforce with the soak's expected end state, entity by entity.

For each entity: the records Salesforce holds under its key, which version of the entity they show
(the marker its events carry), and the entity's sync state. The outcomes:

    ok            one record, showing the newest version (or, for an opt-out, none)
    lost          no record, and the sync state does not say DEAD
    duplicated    more than one record for one entity
    stale         the record shows an older version, and the newest was not given up on
    dead_written  the sync state says DEAD, yet Salesforce holds that very version
    dead          given up on (DEAD) and not in Salesforce as sent: each is explained by its error
    left_guest    an order of a registered customer still `Customer_Type__c = Guest`
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.soak_events import Entity

OUTCOMES = ("lost", "duplicated", "stale", "dead_written", "dead", "left_guest")
SOURCE = {
    "customer": "commerce",
    "optin": "commerce",
    "order": "commerce",
    "case": "commerce",
    "chat": "chat",
    "offline_message": "chat",
    "conversation": "social",
}


@dataclass
class Finding:
    outcome: str
    kind: str
    event_id: str  # the entity's newest event: names it without personal data
    detail: str

    def line(self) -> str:
        return f"{self.outcome:<12} {self.kind:<15} {self.event_id}  {self.detail}"


@dataclass
class Verdict:
    entities: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    unsettled: int = 0  # sync states still RECEIVED or QUEUED after the drain

    def add(self, finding: Finding) -> None:
        self.counts[finding.outcome] += 1
        self.findings.append(finding)


class Records:
    """Salesforce's records of the types the soak writes, indexed by the keys the verifier needs."""

    def __init__(self, by_type: Mapping[str, list[dict[str, Any]]]) -> None:
        self._index: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        keys = {
            "Contact": ("Commerce_Customer_No__c", "Email"),
            "Order": ("Commerce_Order_No__c",),
            "Case": ("Commerce_Event_Id__c", "Chat_Id__c"),
            "Task": ("Chat_Id__c",),
            "Social_Conversation__c": ("Conversation_Id__c",),
        }
        for sobject, fields in keys.items():
            for record in by_type.get(sobject, []):
                for name in fields:
                    value = record.get(name)
                    if isinstance(value, str) and value:
                        key = value.lower() if name == "Email" else value
                        self._index.setdefault((sobject, name, key), []).append(record)

    def find(self, sobject: str, field_name: str, value: str) -> list[dict[str, Any]]:
        key = value.lower() if field_name == "Email" else value
        return list(self._index.get((sobject, field_name, key), []))


def _records_of(entity: Entity, records: Records) -> list[dict[str, Any]]:
    match entity.kind:
        case "customer":
            return records.find("Contact", "Commerce_Customer_No__c", entity.key)
        case "optin":
            return records.find("Contact", "Email", entity.key)
        case "order":
            return records.find("Order", "Commerce_Order_No__c", entity.key)
        case "case":
            return records.find("Case", "Commerce_Event_Id__c", entity.key)
        case "chat":
            return records.find("Case", "Chat_Id__c", entity.key) + records.find("Task", "Chat_Id__c", entity.key)
        case "offline_message":
            key = f"offline:{entity.key}"
            return records.find("Case", "Chat_Id__c", key) + records.find("Task", "Chat_Id__c", key)
        case "conversation":
            return records.find("Social_Conversation__c", "Conversation_Id__c", entity.key)
    raise ValueError(f"no records for entity kind {entity.kind}")


def _shown_version(entity: Entity, record: Mapping[str, Any]) -> int | None:
    """Which of the entity's versions the record shows (None: none of them, or it cannot tell)."""

    def marker(body: Mapping[str, Any]) -> Any:
        data = body["data"]
        match entity.kind:
            case "customer":
                return data["customer"]["last_name"], record.get("LastName")
            case "optin":
                return data["opted_in"], record.get("Email_Opt_In__c")
            case "order":
                return data["order"]["status"], record.get("Commerce_Order_Status__c")
            case "conversation":
                return data["last_message"]["text"], record.get("Last_Message__c")
        return None, None  # one version only: any record is it

    shown = [index for index, body in enumerate(entity.versions) if (pair := marker(body))[0] == pair[1]]
    if len(entity.versions) == 1:
        return 0
    # Opt-in flags repeat across versions: the newest matching one is the best reading.
    return shown[-1] if shown else None


def _error_code(state: Mapping[str, Any] | None) -> str:
    error = str((state or {}).get("last_error") or "no error recorded")
    return error[:120]


def verify(
    entities: Iterable[Entity],
    records: Records,
    states: Mapping[str, Mapping[str, Any]],
    contacts_registered: set[str] | None = None,
) -> Verdict:
    """`states`: the sync states by event_id of the version they hold (one per entity)."""
    verdict = Verdict()
    for entity in entities:
        verdict.entities += 1
        newest = entity.newest["event_id"]
        state = next((states[b["event_id"]] for b in reversed(entity.versions) if b["event_id"] in states), None)
        status = (state or {}).get("status")
        if status in ("RECEIVED", "QUEUED"):
            verdict.unsettled += 1
        newest_dead = status == "DEAD" and (state or {}).get("event_id") == newest
        found = _records_of(entity, records)
        if len(found) > 1:
            verdict.add(Finding("duplicated", entity.kind, newest, f"{len(found)} records"))
            continue
        if not found:
            if entity.kind == "optin" and entity.newest["data"]["opted_in"] is False:
                continue  # an opt-out of an unknown email writes nothing
            if status == "DEAD":
                verdict.add(Finding("dead", entity.kind, newest, _error_code(state)))
            else:
                verdict.add(Finding("lost", entity.kind, newest, f"sync state {status or 'none'}"))
            continue
        shown = _shown_version(entity, found[0])
        last = len(entity.versions) - 1
        if shown == last and newest_dead:
            verdict.add(Finding("dead_written", entity.kind, newest, _error_code(state)))
        elif shown != last and newest_dead:
            verdict.add(Finding("dead", entity.kind, newest, f"older version stands; {_error_code(state)}"))
        elif shown != last:
            detail = f"shows version {shown} of {last}; sync state {status} at {(state or {}).get('event_id')}"
            verdict.add(Finding("stale", entity.kind, newest, detail))
        if (
            entity.kind == "order"
            and entity.customer_no
            and entity.customer_no in (contacts_registered or set())
            and found[0].get("Customer_Type__c") == "Guest"
        ):
            verdict.add(Finding("left_guest", entity.kind, newest, "Customer_Type__c Guest"))
    return verdict
