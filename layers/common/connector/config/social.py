"""The social-inbox section of the config document.

Reference: ../shared/reference/social-alcmeon-salesforce-overview.md (a Conversation per eligible
conversation, linked to the user's Contact, or Person Account when enabled; many teams add a Case
per Conversation).
"""

from __future__ import annotations

from typing import Literal

from connector.config._base import Strict


class SocialConfig(Strict):
    # What a matched user is in Salesforce: a Contact (Conversation.Contact__c) or a Person Account
    # (Conversation.Person_Account__c; the org must have person accounts enabled).
    customer_parent: Literal["contact", "person_account"] = "contact"
    # A Case per Conversation, linked to it and to the user's Contact (off by default).
    case_per_conversation: bool = False
