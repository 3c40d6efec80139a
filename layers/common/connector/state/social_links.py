"""Which Salesforce record a social-inbox user is matched to: one item per user.

Written when the user is matched (from the inbox, `user.matched`, or from Salesforce, a Contact set
on a Conversation); read when a conversation of that user arrives, so that it is linked on arrival
without a Salesforce look-up. The record is a Contact, or a Person Account when configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from connector.state._dynamo import from_item, to_item

LINK_SK = "SOCIAL_USER"
LinkedObject = Literal["Contact", "Account"]


@dataclass(frozen=True)
class UserLink:
    user_id: str
    sobject: LinkedObject
    salesforce_id: str
    # The version (occurred_at) of the match: an older match never replaces a newer one.
    version: str


class SocialLinkStore:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._ddb = client

    def _key(self, user_id: str) -> dict[str, Any]:
        return to_item({"pk": f"social_user#{user_id}", "sk": LINK_SK})

    def get(self, user_id: str) -> UserLink | None:
        """The user's match, read consistently (a match written just before is seen)."""
        resp = self._ddb.get_item(TableName=self._table, Key=self._key(user_id), ConsistentRead=True)
        item = resp.get("Item")
        if not item:
            return None
        doc = from_item(item)
        return UserLink(user_id, doc["sobject"], doc["salesforce_id"], doc["version"])

    def link(self, link: UserLink) -> bool:
        """Keep the match unless a newer one is kept already; True when this one is now the match."""
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item=to_item(
                    {
                        "pk": f"social_user#{link.user_id}",
                        "sk": LINK_SK,
                        "sobject": link.sobject,
                        "salesforce_id": link.salesforce_id,
                        "version": link.version,
                    }
                ),
                ConditionExpression="attribute_not_exists(pk) OR version <= :v",
                ExpressionAttributeValues=to_item({":v": link.version}),
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True
