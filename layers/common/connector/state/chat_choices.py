"""What the agent chose for a chat, and whether the chat has ended: one item per chat.

The agent picks one manual option during a chat; it is applied at the chat's end instead of the
configured automatic option. A newer choice replaces an older one until the chat ends (the
pipeline's version check already drops an older choice delivered late); once the chat has ended no
choice is taken any more (`ChoiceAfterEnd`, answered 409). Each operation is one DynamoDB call: a
choice is a conditional write, and a chat's end marks the item and reads the choice in the same
UpdateItem (ReturnValues ALL_NEW).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from connector.state._dynamo import from_item, to_item

CHAT_SK = "CHAT"
# Kept for a while after the chat, for support; reaped by DynamoDB TTL in AWS.
KEEP_SECONDS = 30 * 24 * 3600


class ChoiceAfterEnd(Exception):
    """The chat has already ended: its end ran with what was chosen before."""


@dataclass(frozen=True)
class AgentChoice:
    """A manual option, with the record it attaches to and the values the agent typed, per object."""

    action: str
    salesforce_id: str | None = None
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    agent_id: str | None = None


@dataclass(frozen=True)
class ChatChoice:
    """A chat's item: the agent's choice (None: the configured option runs) and when it ended."""

    chat_id: str
    choice: AgentChoice | None
    ended_at: str | None


class ChatChoiceStore:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._ddb = client

    def _key(self, chat_id: str) -> dict[str, Any]:
        return to_item({"pk": f"chat#{chat_id}", "sk": CHAT_SK})

    def choose(self, chat_id: str, choice: AgentChoice) -> None:
        """Keep `choice` for the chat's end, replacing an earlier one; ChoiceAfterEnd once it ended."""
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key=self._key(chat_id),
                UpdateExpression="SET choice = :choice, expires_at = :expires",
                ConditionExpression="attribute_not_exists(ended_at)",
                ExpressionAttributeValues=to_item(
                    {
                        ":choice": {
                            "action": choice.action,
                            "salesforce_id": choice.salesforce_id,
                            # As JSON: DynamoDB takes no float, and the values are the agent's, any type.
                            "fields": json.dumps(choice.fields),
                            "agent_id": choice.agent_id,
                        },
                        ":expires": int(time.time()) + KEEP_SECONDS,
                    }
                ),
            )
        except self._ddb.exceptions.ConditionalCheckFailedException as exc:
            raise ChoiceAfterEnd(chat_id) from exc

    def end(self, chat_id: str, ended_at: str) -> ChatChoice:
        """Mark the chat ended (the first end's time stays) and read what the agent chose."""
        resp = self._ddb.update_item(
            TableName=self._table,
            Key=self._key(chat_id),
            UpdateExpression="SET ended_at = if_not_exists(ended_at, :ended), expires_at = :expires",
            ExpressionAttributeValues=to_item({":ended": ended_at, ":expires": int(time.time()) + KEEP_SECONDS}),
            ReturnValues="ALL_NEW",
        )
        item = from_item(resp.get("Attributes", {}))
        raw = item.get("choice")
        choice = None
        if isinstance(raw, dict) and raw.get("action"):
            choice = AgentChoice(
                action=str(raw["action"]),
                salesforce_id=raw.get("salesforce_id"),
                fields=json.loads(raw.get("fields") or "{}"),
                agent_id=raw.get("agent_id"),
            )
        return ChatChoice(chat_id, choice, item.get("ended_at"))
