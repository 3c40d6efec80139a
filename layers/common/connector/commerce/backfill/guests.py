"""The Contacts an orders backfill links its orders to when the identity map does not know them:
found in Salesforce a hundred at a time, and the new guests created in one Bulk API insert job per
chunk, rather than one live `order.created` workflow (an OCAPI read, a look-up and a composite
write) per guest order.

The identity rules are the live workflow's (connector.commerce.orders): a registered customer's
Contact by customer number first, else the oldest Contact with the order's email, else a new
Guest Contact under the site's customer list's Account, one per email, made under the email's
create-once claim (a live event creating the same guest meanwhile waits, then finds it). A
duplicate rule that refuses a guest names no match in a Bulk result: those few orders go through
the live workflow, which links the look-alike as it does for a live event.

The guest job is checkpointed on the chunk before it gets any data, and waited for in the step (a
job of a few dozen Contacts takes seconds): a step that dies meanwhile finds it on the chunk when
its message comes back, reads its results (or aborts it while still Open) rather than making the
guests twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from connector.commerce.backfill.batch import BulkIngest, csv_rows, refusal_text
from connector.commerce.contacts import CUSTOMER_NO_FIELD
from connector.crm import Identity, IdentityKind
from connector.crm.contacts import CONTACT_MATCH_FIELDS
from connector.errors import EntityBusy, TransientError
from connector.salesforce.soql import soql_quote
from connector.services import Services
from connector.state.backfill_runs import BackfillRunStore, Chunk

# Values per `IN (...)` look-up: 100 emails of up to 80 characters stay far below SOQL's 100,000
# characters a statement (https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_soslsoql.htm).
LOOKUP_BATCH = 100
# How long a step waits for its guest job before its message comes back (the job stays checkpointed):
# under the claims' 60 s lease (connector.state.claims), which keep a live event from making the
# same guest meanwhile.
GUEST_JOB_WAIT_SECONDS = 45
FINAL_JOB_STATES = frozenset({"JobComplete", "Failed", "Aborted"})
# A duplicate rule's refusal: the live workflow links the look-alike (connector.crm.duplicates).
DUPLICATES = "DUPLICATES_DETECTED"


def find_contacts(
    services: Services, emails: Sequence[str], customer_nos: Sequence[str]
) -> tuple[dict[str, Identity], dict[str, Identity]]:
    """(by email, by customer number): the Contacts Salesforce holds for keys the identity map does
    not know, a few queries a page (each remembered in the identity map, as the live look-ups do)."""
    by_email: dict[str, Identity] = {}
    for batch in _batches(sorted(set(emails))):
        soql = (
            f"SELECT {CONTACT_MATCH_FIELDS}, Email FROM Contact WHERE Email IN ({', '.join(map(soql_quote, batch))}) "
            "ORDER BY CreatedDate ASC"
        )
        for row in services.salesforce.query(soql):
            email = str(row.get("Email") or "").strip().lower()
            if email and email not in by_email:  # the oldest, as contact_by_email picks it
                by_email[email] = _identity(row)
    by_number: dict[str, Identity] = {}
    for batch in _batches(sorted(set(customer_nos))):
        soql = (
            f"SELECT {CONTACT_MATCH_FIELDS}, {CUSTOMER_NO_FIELD} FROM Contact "
            f"WHERE {CUSTOMER_NO_FIELD} IN ({', '.join(map(soql_quote, batch))})"
        )
        for row in services.salesforce.query(soql):
            by_number[str(row[CUSTOMER_NO_FIELD])] = _identity(row)
    services.identities.put_many(IdentityKind.CONTACT_EMAIL, by_email)
    services.identities.put_many(IdentityKind.CONTACT, by_number)
    return by_email, by_number


def _identity(row: dict[str, Any]) -> Identity:
    return Identity(
        str(row["Id"]),
        account_id=str(row.get("AccountId") or "") or None,
        customer_type=str(row.get("Customer_Type__c") or "") or None,
    )


def _batches(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), LOOKUP_BATCH):
        yield values[start : start + LOOKUP_BATCH]


@contextmanager
def claimed(services: Services, order_keys: Sequence[str], emails: Sequence[str], owner: str) -> Iterator[None]:
    """Hold the orders' entity claims and the emails' create-once claims, the ones a live
    `order.created` holds, while their guests are made: a live event of one of them meanwhile would
    make a second Contact. One not obtained: EntityBusy (the chunk's message comes back later)."""
    from connector.envelope import EntityRef

    with ExitStack() as held:
        wanted = [("entity", EntityRef("commerce", "order", key).pk) for key in order_keys]
        wanted += [("contact-email", email) for email in emails]
        for kind, key in wanted:
            if not services.claims.acquire(kind, key, owner):
                raise EntityBusy("a live event is syncing one of the chunk's guests; the chunk is retried later")
            held.callback(services.claims.release, kind, key, owner)
        yield


@dataclass
class GuestOutcome:
    created: dict[str, Identity] = field(default_factory=dict)  # email -> its new guest Contact
    refused: dict[str, str] = field(default_factory=dict)  # email -> Salesforce's refusal (code, fields)
    look_alike: set[str] = field(default_factory=set)  # refused by a duplicate rule


class GuestContacts:
    """The guest Contacts of one orders chunk, in one Bulk API insert job checkpointed on the chunk."""

    def __init__(self, bulk: BulkIngest, store: BackfillRunStore, chunk: Chunk) -> None:
        self._bulk = bulk
        self._store = store
        self._chunk = chunk

    def create(self, services: Services, rows: dict[str, dict[str, Any]], account_id: str) -> GuestOutcome:
        """Create a Contact per email (`rows`: email -> its Contact fields) under `account_id`;
        each created one is remembered in the identity map by its email (a Guest)."""
        outcome = GuestOutcome()
        chunk = self._store.chunk(self._chunk.run_id, self._chunk.part, self._chunk.index) or self._chunk
        if chunk.guest_job is not None:
            # An earlier delivery's job: its guests, made or not, before any new job.
            job = self._bulk.job(chunk.guest_job)
            if job.state == "Open":
                self._bulk.abort(chunk.guest_job)  # its upload may have happened: never processed
            else:
                self._settle(services, chunk.guest_job, account_id, outcome)
            self._store.clear_guest_job(chunk, chunk.guest_job)
        left = {email: row for email, row in rows.items() if email not in outcome.created | outcome.refused}
        left = {email: row for email, row in left.items() if email not in outcome.look_alike}
        if left:
            job = self._bulk.create_insert_job("Contact")
            if not self._store.checkpoint_guest_job(chunk, job.id):
                self._bulk.abort(job.id)
                raise EntityBusy("another delivery of the chunk is making its guests; retried later")
            self._bulk.upload(job.id, csv_rows([{**row, "AccountId": account_id} for row in left.values()]))
            self._bulk.close(job.id)
            self._settle(services, job.id, account_id, outcome)
            self._store.clear_guest_job(chunk, job.id)
        missing = [email for email in rows if email not in outcome.created | outcome.refused]
        if [email for email in missing if email not in outcome.look_alike]:
            # Not processed (the job failed as a whole): the chunk comes back and makes them then.
            raise TransientError("the guest Contacts' Bulk job left some unprocessed; the chunk is retried later")
        return outcome

    def _settle(self, services: Services, job_id: str, account_id: str, outcome: GuestOutcome) -> None:
        """Wait for the job, then its guests: remembered by email, or their refusal kept."""
        deadline = time.monotonic() + GUEST_JOB_WAIT_SECONDS
        pause = 0.5
        while (job := self._bulk.job(job_id)).state not in FINAL_JOB_STATES:
            if time.monotonic() > deadline:
                raise TransientError("the guest Contacts' Bulk job is still running; the chunk is retried later")
            time.sleep(pause)
            pause = min(pause * 2, 10.0)
        results = self._bulk.results(job.id)
        created: dict[str, Identity] = {}
        for row in results.successful:
            email = row["Email"].strip().lower()
            created[email] = Identity(row["sf__Id"], account_id=account_id or None, customer_type="Guest")
        services.identities.put_many(IdentityKind.CONTACT_EMAIL, created)
        outcome.created.update(created)
        for row in results.failed:
            email = row["Email"].strip().lower()
            if row.get("sf__Error", "").startswith(DUPLICATES):
                outcome.look_alike.add(email)
            else:
                outcome.refused[email] = refusal_text(row)
