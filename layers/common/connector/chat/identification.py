"""Who the visitor is in Salesforce: the guide's "Object Identification Rules".

A Contact is matched on up to three conditions (chat field = Contact field, all of them); if none
matches, a Lead on the same conditions; several matches -> the first by a stable order (oldest
CreatedDate, then Id), so the same visitor always lands on the same record. The Account is matched
on its own conditions, else it is the matched Contact's Account. Every look-up of one
identification goes in one API call (a composite of queries).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from connector.chat.models import field_value
from connector.config.chat import IdentificationConfig, MatchCondition
from connector.salesforce.client import Record, SalesforceClient
from connector.salesforce.soql import soql_quote

# "If multiple results are found for mapping, the first contact/lead listed will be displayed":
# listed in a stable order, so that the first is the same one every time.
STABLE_ORDER = "ORDER BY CreatedDate ASC, Id ASC LIMIT 1"


@dataclass(frozen=True)
class Identified:
    """The visitor's records (each with the fields asked for), or None where nothing matched."""

    contact: Record | None = None
    lead: Record | None = None
    account: Record | None = None

    @property
    def contact_id(self) -> str | None:
        return str(self.contact["Id"]) if self.contact else None

    @property
    def lead_id(self) -> str | None:
        return str(self.lead["Id"]) if self.lead else None

    @property
    def account_id(self) -> str | None:
        if self.account:
            return str(self.account["Id"])
        return str(self.contact["AccountId"]) if self.contact and self.contact.get("AccountId") else None


def soql_literal(value: Any) -> str:
    """A chat value as a SOQL literal: numbers and booleans as such, datetimes in UTC, text quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return soql_quote(str(value))


def where_clause(conditions: Sequence[MatchCondition], data: BaseModel) -> str | None:
    """`A = 'x' AND B = 'y'`, or None when the chat lacks a value a condition needs (no match)."""
    parts = []
    for condition in conditions:
        value = field_value(data, condition.chat_field)
        if value is None or value == "":
            return None
        parts.append(f"{condition.salesforce_field} = {soql_literal(value)}")
    return " AND ".join(parts)


def _select(fields: Iterable[str], *always: str) -> str:
    """The fields, each once: Salesforce reads API names in any case, and refuses a query that
    selects one field twice ("duplicate field selected"), `AccountId` and `accountid` included."""
    selected: dict[str, str] = {}
    for name in [*always, *fields]:
        selected.setdefault(name.lower(), name)
    return ", ".join(selected.values())


def identification_queries(
    config: IdentificationConfig,
    data: BaseModel,
    *,
    contact_fields: Sequence[str] = (),
    lead_fields: Sequence[str] = (),
    account_fields: Sequence[str] = (),
) -> dict[str, str]:
    """The queries that identify the visitor: `contact`, `lead` and `account` where they can match.

    The Contact query also reads its Account's fields (`Account.<field>`), so an Account found
    through the Contact costs no query of its own.
    """
    queries: dict[str, str] = {}
    person = where_clause(config.contact_conditions, data)
    if person is not None:
        contact_select = _select(
            [*contact_fields, *(f"Account.{f}" for f in account_fields if f.lower() != "id")], "Id", "AccountId"
        )
        queries["contact"] = f"SELECT {contact_select} FROM Contact WHERE {person} {STABLE_ORDER}"
        # A converted Lead is the Contact it became: attaching to it is refused by Salesforce.
        lead_select = _select(lead_fields, "Id")
        queries["lead"] = f"SELECT {lead_select} FROM Lead WHERE {person} AND IsConverted = false {STABLE_ORDER}"
    if config.account_conditions:
        company = where_clause(config.account_conditions, data)
        if company is not None:
            queries["account"] = f"SELECT {_select(account_fields, 'Id')} FROM Account WHERE {company} {STABLE_ORDER}"
    return queries


def read_identified(found: Mapping[str, list[Record]]) -> Identified:
    """The answer of `identification_queries`: Contact before Lead, the Account by its own
    conditions before the Contact's."""
    contact = next(iter(found.get("contact") or []), None)
    lead = None if contact else next(iter(found.get("lead") or []), None)
    account = next(iter(found.get("account") or []), None)
    if account is None and contact is not None and isinstance(contact.get("Account"), Mapping):
        account = {"Id": contact.get("AccountId"), **{k: v for k, v in contact["Account"].items() if k != "attributes"}}
    return Identified(contact=contact, lead=lead, account=account)


def identify(
    salesforce: SalesforceClient,
    config: IdentificationConfig,
    data: BaseModel,
    *,
    contact_fields: Sequence[str] = (),
    lead_fields: Sequence[str] = (),
    account_fields: Sequence[str] = (),
) -> Identified:
    """Identify the visitor in one API call (none when the chat holds no value to match on)."""
    queries = identification_queries(
        config, data, contact_fields=contact_fields, lead_fields=lead_fields, account_fields=account_fields
    )
    return read_identified(salesforce.query_many(queries)) if queries else Identified()


def record_field(record: Mapping[str, Any], name: str) -> Any:
    """A field of a record as the REST API renders it, named in any case: Salesforce reads API names
    case-insensitively (the configuration may say `phone`), and answers them as the org spells them
    (`Phone`)."""
    if name in record:
        return record[name]
    folded = name.lower()
    return next((value for key, value in record.items() if key.lower() == folded), None)
