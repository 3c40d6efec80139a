"""Social conversations -> `Social_Conversation__c`, and user matches -> their conversations linked.

Eligibility (../shared/reference/social-alcmeon-salesforce-overview.md, "What is an Eligible Social
Media Conversation?"): a conversation is pushed when it is routed to a team, or when an agent
replies and the user is matched to a Contact (the event names it, or the match kept in
`services.social_links`). Anything else is ignored: nothing is written.

A user never has two Opened conversations: opening one closes the user's others in the same write,
and a user's conversations and matches are synced one at a time (connector.social.user_claim; one
that does not get the user's claim is retried from the queue, as an entity busy).
The first push for a user also creates the user's earlier conversations, Closed.

Salesforce calls per conversation event (goal: two):
1. one query: the user's conversations in Salesforce (whether this is the user's first push, and
   which are Opened, with their last message time);
2. one composite (allOrNone): the earlier conversations of a first push (upserts by
   Conversation_Id__c), the others closed, the conversation itself upserted. When that would not fit
   in one composite (25 subrequests), the earlier ones go first in one sObject collection upsert.
A user match: the same query (all the user's conversations, and their Cases in Case mode), then one
collection update.

With `social.case_per_conversation`, the first call also reads the conversation's Case (by
Case.Social_Conversation_Id__c, in the same composite of queries) and the second upserts it: created
with the conversation (linked to it by `@{conversation.id}` and to the user's record; Origin from
`social.case_origins`, else `social.case_origin`: Case Origin is a restricted picklist), linked when
the user is matched, re-opened when its conversation is Opened again with a message. Only the
conversation the event is about gets a Case: the earlier ones of a first push are history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connector.config.social import SocialConfig
from connector.envelope import Outcome
from connector.errors import IneligibleEvent, MappingError
from connector.salesforce.client import Record
from connector.salesforce.plan import WritePlan
from connector.salesforce.soql import soql_quote
from connector.services import Services
from connector.social.models import ConversationChanged, ConversationData, PreviousConversation, UserMatched
from connector.social.salesforce_events import ENGAGEMENT, answered_engagement, open_engagements_query
from connector.social.user_claim import user_claim
from connector.state.social_links import LinkedObject, UserLink

SOBJECT = "Social_Conversation__c"
# A Case per conversation (social.case_per_conversation): upserted by the conversation's id.
CASE_KEY_FIELD = "Social_Conversation_Id__c"
KEY_FIELD = "Conversation_Id__c"
OPENED, CLOSED = "Opened", "Closed"
# A composite holds at most 25 subrequests.
COMPOSITE_LIMIT = 25
# An sObject collection call holds at most 200 records.
COLLECTION_LIMIT = 200
# The key prefixes of Account and Contact ids, the same in every org.
ACCOUNT_PREFIX, CONTACT_PREFIX = "001", "003"
# Text lengths of the object's fields (salesforce/force-app/.../Social_Conversation__c/fields).
CHANNEL_LENGTH, TEAM_LENGTH, HANDLE_LENGTH, MESSAGE_LENGTH = 40, 80, 255, 32768


def _linked_object(config: SocialConfig, record_id: str) -> LinkedObject:
    """What the user's record is: a Person Account (an Account id, in person-account mode), else a
    Contact (in person-account mode too, an org's business Contacts stay Contacts)."""
    if config.customer_parent == "person_account" and record_id.startswith(ACCOUNT_PREFIX):
        return "Account"
    return "Contact"


def link_field(config: SocialConfig, record_id: str) -> str:
    """Where a conversation names its user's record: Contact__c, or Person_Account__c."""
    return "Person_Account__c" if _linked_object(config, record_id) == "Account" else "Contact__c"


def _case_parent_field(config: SocialConfig, record_id: str) -> str:
    return "AccountId" if _linked_object(config, record_id) == "Account" else "ContactId"


def _user_conversations_query(user_id: str) -> str:
    return (
        f"SELECT Id, {KEY_FIELD}, Status__c, Last_Message_At__c FROM {SOBJECT} "
        f"WHERE Social_User_Id__c = {soql_quote(user_id)} ORDER BY CreatedDate ASC LIMIT 2000"
    )


def _at(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00").replace("+0000", "+00:00"))
    except ValueError:
        return None


def sync_conversation(event: ConversationChanged, services: Services) -> Outcome:
    data = event.data
    match = _matched_record(event, services)
    matched = match[0] if match else None
    eligible = bool(data.team) if event.event_type == "conversation.routed" else matched is not None
    # A conversation pushed before is kept up to date by every later event of it (its sync state
    # holds its Salesforce id; no Salesforce call to know it).
    if not eligible and not _pushed_before(event, services):
        if event.event_type == "conversation.routed":
            raise IneligibleEvent("the conversation is routed to no team: it is not pushed to Salesforce")
        raise IneligibleEvent("an agent replied but the user is matched to no Contact: it is not pushed to Salesforce")

    # One conversation of a user at a time: what one reads (the user's Opened conversations) the
    # other would otherwise write past, leaving the user two Opened. The pipeline holds the claim of
    # this conversation; this one is the user's. Not obtained: retried from the queue, as "entity busy".
    with user_claim(services, data.user.id, event.event_id):
        # Read again under the claim: a user match (which holds it while it links the user's
        # conversations) kept meanwhile would otherwise be missed by this conversation and by the match.
        return _push_conversation(event, services, _matched_record(event, services))


def _push_conversation(
    event: ConversationChanged, services: Services, match: tuple[str, LinkedObject] | None
) -> Outcome:
    data = event.data
    config = services.settings.config.social
    matched = match[0] if match else None
    queries = {"conversations": _user_conversations_query(data.user.id)}
    if config.case_per_conversation:
        queries["case"] = (
            f"SELECT Id, Status, IsClosed FROM Case WHERE {CASE_KEY_FIELD} = {soql_quote(data.conversation_id)} LIMIT 1"
        )
    if data.user.handle and data.channel:
        # A customer who answers an engagement message starts a conversation: that recipient's
        # Engagements switch to conversation mode, one way, in the same calls.
        queries["engagements"] = open_engagements_query(data.channel, data.user.handle)
    found = services.salesforce.query_many(queries)
    existing = found.get("conversations") or []
    first_push = not existing
    this_time = data.last_message.time if data.last_message else event.occurred_at
    others_opened = [r for r in existing if r.get("Status__c") == OPENED and r.get(KEY_FIELD) != data.conversation_id]
    # An older event of another conversation never closes a newer conversation of the user.
    newer_open = any((_at(r.get("Last_Message_At__c")) or this_time) > this_time for r in others_opened)
    status = OPENED if data.status != "closed" and not newer_open else CLOSED

    links = {_LOOKUP[match[1]]: match[0]} if match else {}
    earlier = [
        {
            KEY_FIELD: p.conversation_id,
            "Status__c": CLOSED,
            "Social_User_Id__c": data.user.id,
            **_optional(
                Social_Handle__c=_cut(data.user.handle, HANDLE_LENGTH), Channel__c=_cut(p.channel, CHANNEL_LENGTH)
            ),
            **links,
        }
        for p in _once_each(data.previous_conversations if first_push else [])
        if p.conversation_id != data.conversation_id
    ]
    to_close = [str(r["Id"]) for r in others_opened] if status == OPENED else []

    engagements = found.get("engagements") or []
    # The composite's other subrequests: the closings, the conversation, its Case (at most one).
    others = len(to_close) + 1 + (1 if config.case_per_conversation else 0)
    # A recipient's open Engagements past what the composite holds are switched after it, in
    # collection calls (a composite of more than 25 subrequests is refused whole: LIMIT_EXCEEDED).
    engagements_apart = others + len(engagements) > COMPOSITE_LIMIT
    plan = WritePlan(services.salesforce)
    if len(earlier) + others + (0 if engagements_apart else len(engagements)) > COMPOSITE_LIMIT:
        for start in range(0, len(earlier), COLLECTION_LIMIT):
            chunk = earlier[start : start + COLLECTION_LIMIT]
            results = services.salesforce.upsert_many(SOBJECT, KEY_FIELD, chunk, all_or_none=True)
            failed = next((r for r in results if not r.success), None)
            if failed is not None:
                raise failed.error()
    else:
        for i, record in enumerate(earlier):
            body = {k: v for k, v in record.items() if k != KEY_FIELD}
            plan.upsert(f"earlier{i}", SOBJECT, KEY_FIELD, str(record[KEY_FIELD]), body)
    for i, record_id in enumerate(to_close):
        plan.update(f"close{i}", SOBJECT, record_id, {"Status__c": CLOSED})
    plan.upsert("conversation", SOBJECT, KEY_FIELD, data.conversation_id, _conversation_fields(data, status, links))
    for i, engagement in enumerate([] if engagements_apart else engagements):
        plan.update(f"engagement{i}", ENGAGEMENT, str(engagement["Id"]), answered_engagement("@{conversation.id}"))
    case = next(iter(found.get("case") or []), None)
    case_written = False
    if config.case_per_conversation:
        parent = {_CASE_PARENT[match[1]]: match[0]} if match else {}
        case_written = _plan_case(plan, data, status, parent, case, config)
    results_by_ref = plan.run()
    conversation_record = str(results_by_ref["conversation"]["id"])
    if engagements_apart:
        switched = [{"Id": str(e["Id"]), **answered_engagement(conversation_record)} for e in engagements]
        for start in range(0, len(switched), COLLECTION_LIMIT):
            results = services.salesforce.update_many(
                ENGAGEMENT, switched[start : start + COLLECTION_LIMIT], all_or_none=True
            )
            failed = next((r for r in results if not r.success), None)
            if failed is not None:
                raise failed.error()
    _keep_match(event, services)
    ids = {"conversation_id": conversation_record}
    if case_written:
        ids["case_id"] = str(results_by_ref["case"]["id"])
    elif case is not None:
        ids["case_id"] = str(case["Id"])
    return Outcome(
        ids=ids,
        detail={
            "conversation_status": status,
            "linked": bool(matched),
            "earlier_created": len(earlier),
            "closed": len(to_close),
        },
    )


def _once_each(previous: list[PreviousConversation]) -> list[PreviousConversation]:
    """Each earlier conversation once (the first listed): Salesforce refuses a whole collection call
    that names one external id twice (DUPLICATE_EXTERNAL_ID), which dead-lettered the event."""
    first: dict[str, PreviousConversation] = {}
    for p in previous:
        first.setdefault(p.conversation_id, p)
    return list(first.values())


def _pushed_before(event: ConversationChanged, services: Services) -> bool:
    state = services.sync_state.get(event.entity())
    return bool(state is not None and state.salesforce_ids.get("conversation_id"))


_LOOKUP: dict[LinkedObject, str] = {"Contact": "Contact__c", "Account": "Person_Account__c"}
_CASE_PARENT: dict[LinkedObject, str] = {"Contact": "ContactId", "Account": "AccountId"}


def _matched_record(event: ConversationChanged, services: Services) -> tuple[str, LinkedObject] | None:
    """The user's Contact (or Person Account): the one the event names, else the match kept, with
    the object it was kept as (a Person Account linked from Salesforce stays one, whatever the mode)."""
    data = event.data
    if data.salesforce_contact_id:
        return data.salesforce_contact_id, _linked_object(services.settings.config.social, data.salesforce_contact_id)
    link = services.social_links.get(data.user.id)
    return (link.salesforce_id, link.sobject) if link else None


def _keep_match(event: ConversationChanged, services: Services) -> None:
    """The Contact an event names is the user's match from now on (kept once Salesforce took it:
    an id Salesforce refuses never links the user's later conversations)."""
    data = event.data
    if data.salesforce_contact_id:
        kind = _linked_object(services.settings.config.social, data.salesforce_contact_id)
        services.social_links.link(UserLink(data.user.id, kind, data.salesforce_contact_id, event.version))


def _conversation_fields(data: ConversationData, status: str, links: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Status__c": status,
        "Social_User_Id__c": data.user.id,
        **_optional(
            Social_Handle__c=_cut(data.user.handle, HANDLE_LENGTH),
            Channel__c=_cut(data.channel, CHANNEL_LENGTH),
            Team__c=_cut(data.team, TEAM_LENGTH),
        ),
        **links,
    }
    if data.last_message is not None:
        body["Last_Message_At__c"] = data.last_message.time.isoformat().replace("+00:00", "Z")
        if data.last_message.text is not None:
            body["Last_Message__c"] = data.last_message.text[:MESSAGE_LENGTH]
    return body


def _plan_case(
    plan: WritePlan,
    data: ConversationData,
    status: str,
    parent: dict[str, str],
    case: Record | None,
    config: SocialConfig,
) -> bool:
    """The conversation's Case: created with it (linked to it and to the user's record), kept linked
    when the user is matched later, re-opened when a message arrives in its closed conversation.
    False when there is nothing to write to it."""
    if case is None:
        origin = config.case_origins.get(data.channel or "", config.case_origin)
        text = data.last_message.text if data.last_message else None
        body = {
            "Subject": f"{(data.channel or 'social').capitalize()} conversation {data.conversation_id}"[:255],
            "Social_Conversation__c": "@{conversation.id}",
            **_optional(Origin=origin, Description=text[:32000] if text else None, **parent),
        }
        plan.upsert("case", "Case", CASE_KEY_FIELD, data.conversation_id, body)
        return True
    changes: dict[str, Any] = dict(parent)
    if case.get("IsClosed") and status == OPENED and data.last_message is not None:
        changes["Status"] = config.case_reopen_status
    if not changes:
        return False
    plan.upsert("case", "Case", CASE_KEY_FIELD, data.conversation_id, changes)
    return True


def _cut(value: str | None, length: int) -> str | None:
    return value[:length] if value else None


def _optional(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def match_user(event: UserMatched, services: Services) -> Outcome:
    """Keep the match (every later conversation is linked on arrival) and link the user's
    conversations already in Salesforce."""
    data = event.data
    config = services.settings.config.social
    # Kept before any Salesforce write checks it: an id of another object (a Lead, a Case, an Account
    # in Contact mode) would be linked to every later conversation of the user, each then refused.
    allowed = (CONTACT_PREFIX, ACCOUNT_PREFIX) if config.customer_parent == "person_account" else (CONTACT_PREFIX,)
    if not data.salesforce_contact_id.startswith(allowed):
        raise MappingError(["data", "salesforce_contact_id"], "the user is matched to a Contact (or Person Account)")
    # Under the user's claim: a conversation of the user synced meanwhile reads the match after it is
    # kept, or is in Salesforce before the match's query reads the user's conversations.
    with user_claim(services, data.user.id, event.event_id):
        return _link_user(event, services)


def _link_user(event: UserMatched, services: Services) -> Outcome:
    data = event.data
    config = services.settings.config.social
    link = UserLink(
        data.user.id, _linked_object(config, data.salesforce_contact_id), data.salesforce_contact_id, event.version
    )
    if not services.social_links.link(link):
        kept = services.social_links.get(data.user.id)
        if kept is None or kept.salesforce_id != data.salesforce_contact_id:
            raise IneligibleEvent("a newer match of this user is kept: this older one changes nothing")
        # An older match that agrees with the kept one (the same record, matched from both sides):
        # nothing to change, and it says so rather than being ignored.
        return Outcome(ids={"salesforce_id": data.salesforce_contact_id}, detail={"unchanged": True, "linked": 0})
    field = link_field(config, data.salesforce_contact_id)
    queries = {"conversations": _user_conversations_query(data.user.id)}
    if config.case_per_conversation:
        queries["cases"] = (
            "SELECT Id FROM Case WHERE Social_Conversation__r.Social_User_Id__c = "
            f"{soql_quote(data.user.id)} LIMIT 2000"
        )
    found = services.salesforce.query_many(queries)
    records: list[Record] = [
        {"Id": r["Id"], field: data.salesforce_contact_id} for r in found.get("conversations") or []
    ]
    # The conversations' Cases follow them, in the same collection call (its records name their type).
    case_field = _case_parent_field(config, data.salesforce_contact_id)
    records += [
        {"attributes": {"type": "Case"}, "Id": r["Id"], case_field: data.salesforce_contact_id}
        for r in found.get("cases") or []
    ]
    for start in range(0, len(records), COLLECTION_LIMIT):
        chunk = records[start : start + COLLECTION_LIMIT]
        results = services.salesforce.update_many(SOBJECT, chunk, all_or_none=True)
        failed = next((r for r in results if not r.success), None)
        if failed is not None:
            raise failed.error()
    return Outcome(ids={"salesforce_id": data.salesforce_contact_id}, detail={"linked": len(records)})
