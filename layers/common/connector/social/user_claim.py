"""One event of a social user at a time: a conversation synced, a user match from the inbox, a
Contact linked from Salesforce. Each reads what the others write (the user's Opened conversations,
the user's match, the user's conversations to link), so each holds the claim `social_user#<user id>`
(DynamoDB item `claim#social_user#<user id>`, its lease bounding a killed invocation's hold); one that
does not get it is retried from the queue, as an entity busy, never dead-lettered for waiting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from connector.errors import EntityBusy
from connector.services import Services

USER_CLAIM = "social_user"


@contextmanager
def user_claim(services: Services, user_id: str, owner: str) -> Iterator[None]:
    """Hold the user's claim for the block. Not obtained: EntityBusy (retried later)."""
    if not services.claims.acquire(USER_CLAIM, user_id, owner):
        raise EntityBusy("another event of this social user is being synced; retried later")
    try:
        yield
    finally:
        services.claims.release(USER_CLAIM, user_id, owner)
