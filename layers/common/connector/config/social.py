"""The social-inbox section of the config document.

Reference: ../shared/reference/social-alcmeon-salesforce-overview.md (a Conversation per eligible
conversation, linked to the user's Contact, or Person Account when enabled; many teams add a Case
per Conversation).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from connector.config._base import Strict


class SocialFeedConfig(Strict):
    # Where the poll of the inbox's actions feed starts on a new deployment (no position kept yet):
    # "now", the first notification or poll sets the position at the feed's head and the past is not
    # synced (the head is found in a few requests, README "The social inbox's actions feed");
    # "beginning", from the first action the inbox has (all its history, at 10 actions a request).
    start: Literal["beginning", "now"] = "now"
    # The inbox's rate limit for the connector's API application (15 requests a minute by default;
    # the inbox's admins may raise it). The doorbell and the poll share it, from every container:
    # the poll stops at two thirds of a minute's requests, the doorbell may use them all.
    inbox_requests_per_minute: int = Field(default=15, ge=3, le=100_000)


class SocialConfig(Strict):
    # What a matched user is in Salesforce: a Contact (Conversation.Contact__c) or a Person Account
    # (Conversation.Person_Account__c; the org must have person accounts enabled).
    customer_parent: Literal["contact", "person_account"] = "contact"
    # A Case per Conversation, linked to it (Case.Social_Conversation__c) and to the user's Contact
    # (off by default); re-opened (`case_reopen_status`) when its closed conversation gets a message.
    case_per_conversation: bool = False
    # The Case's Origin: Case Origin is a restricted picklist (Phone, Email, Web, Chat out of the box),
    # so a channel is an Origin only when mapped here (after adding the value to the org's picklist);
    # an unmapped channel takes `case_origin`.
    case_origins: dict[str, str] = Field(default_factory=dict)
    case_origin: str | None = "Web"
    case_reopen_status: str = "New"
    feed: SocialFeedConfig = Field(default_factory=dict, validate_default=True)
