"""One in-memory org: schema, data, seeded user and record types, sessions, counters, faults.

A single re-entrant lock serialises API work on the org (the server is threaded); it is held
for a whole request, so a composite or collection request is atomic with respect to others.
"""

from __future__ import annotations

import copy
import os
import threading
from pathlib import Path
from typing import cast

from emulators.faults import Faults

from . import ids
from .address_picklists import AddressPicklists
from .auth import Sessions
from .bulk_jobs import BulkJobs
from .content import ContentRules
from .counters import Counters
from .duplicate_rules import INDEXED as DUPLICATE_RULE_INDEXES
from .duplicate_rules import DuplicateRuleMode, DuplicateRules
from .faults import SALESFORCE
from .limits import ApiAllocation
from .loader import load_schema
from .order_rules import OrderRules
from .person_accounts import BUSINESS_RECORD_TYPE, PERSON_RECORD_TYPE, PersonAccounts
from .query_cursors import QueryCursors
from .records import Records
from .request_log import RequestLog
from .store import Record, Store

CLIENT_ID_ENV = "SALESFORCE_EMULATOR_CLIENT_ID"
CLIENT_SECRET_ENV = "SALESFORCE_EMULATOR_CLIENT_SECRET"  # noqa: S105 - a variable name
DEFAULT_CLIENT_ID = "local-client"
# Local-development defaults, documented in DESIGN.md; real orgs never use them.
DEFAULT_CLIENT_SECRET = "local-secret"  # noqa: S105
INTEGRATION_USERNAME = "integration@connector.local"
# A new org: the standard Contact duplicate rule active (alert), state/country picklists and
# person accounts off.
DEFAULT_SETTINGS: dict[str, object] = {
    "duplicate_rule": "alert",
    "state_country_picklists": False,
    "person_accounts": False,
}


class Org:
    def __init__(self, schema_dir: Path | None = None) -> None:
        loaded = load_schema(schema_dir)
        self.schema = loaded.schema
        self.lock = threading.RLock()
        self.ids = ids.IdFactory()
        self.org_id = self.ids.new(ids.ORGANIZATION_PREFIX)
        self.store = Store(self.schema, DUPLICATE_RULE_INDEXES)
        self.records = Records(self.schema, self.store, self.ids)
        self.person_accounts = PersonAccounts(self.records, loaded.person_field_map)
        self.records.hooks.append(self.person_accounts)
        # Org settings and rules a real org has (see /_admin/settings).
        self.address_picklists = AddressPicklists(self.schema, loaded.person_field_map)
        self.duplicate_rules = DuplicateRules(self.store)
        self.records.hooks.extend(
            (self.address_picklists, OrderRules(), self.duplicate_rules, ContentRules(self.records))
        )
        self.sessions = Sessions(
            os.environ.get(CLIENT_ID_ENV, DEFAULT_CLIENT_ID),
            os.environ.get(CLIENT_SECRET_ENV, DEFAULT_CLIENT_SECRET),
            self.org_id,
        )
        self.counters = Counters()
        self.api_allocation = ApiAllocation()
        self.faults = Faults(SALESFORCE)
        self.requests = RequestLog()
        self.cursors = QueryCursors(self.ids)
        self.bulk = BulkJobs(self.records, self.ids, self.faults)
        self._seeded = self._seed()
        self._switch(DEFAULT_SETTINGS)

    @property
    def user_id(self) -> str:
        return self.records.user_id

    def _seed(self) -> list[tuple[str, Record]]:
        """The integration user and Account record types every org has; kept across resets
        with the same ids, so clients that cached them stay right."""
        user = self.schema.object("User")
        record_type = self.schema.object("RecordType")
        assert user is not None and record_type is not None
        with self.lock, self.store.transaction():
            user_id = self.records.create(
                user,
                {
                    "Username": INTEGRATION_USERNAME,
                    "FirstName": "Integration",
                    "LastName": "User",
                    "Email": INTEGRATION_USERNAME,
                    "Alias": "integ",
                },
                internal=True,
            )
            self.records.user_id = user_id
            seeded_user = self.store.get("User", user_id)
            assert seeded_user is not None
            self.store.replace("User", {**seeded_user, "CreatedById": user_id, "LastModifiedById": user_id})
            business = self.records.create(
                record_type,
                {
                    "Name": "Business Account",
                    "DeveloperName": BUSINESS_RECORD_TYPE,
                    "SobjectType": "Account",
                    "IsPersonType": False,
                },
                internal=True,
            )
            person = self.records.create(
                record_type,
                {
                    "Name": "Person Account",
                    "DeveloperName": PERSON_RECORD_TYPE,
                    "SobjectType": "Account",
                    "IsPersonType": True,
                },
                internal=True,
            )
            self.person_accounts.business_record_type_id = business
            # Kept aside: in the org only while person accounts are enabled (same id every time).
            self.person_accounts.person_record_type = self.store.get("RecordType", person)
            self.store.purge("RecordType", person)
        return [(obj.name, copy.deepcopy(row)) for obj in self.schema.objects for row in self.store.records(obj.name)]

    def reset(self) -> None:
        """Empty the org but keep its schema, seeded records and sessions."""
        with self.lock:
            self.store.clear()
            for object_name, row in self._seeded:
                self.store.insert(object_name, copy.deepcopy(row))
            self.records.reset_auto_numbers()
            self.cursors.clear()
            self.bulk.reset()
            self.counters.reset()
            self.api_allocation.reset()
            self.faults.clear()
            self.requests.clear()
            # A new org again: every setting back to its default, person accounts off included.
            self._switch(DEFAULT_SETTINGS)

    def settings(self) -> dict[str, object]:
        return {
            "duplicate_rule": self.duplicate_rules.mode,
            "state_country_picklists": self.address_picklists.enabled,
            "person_accounts": self.person_accounts.enabled,
        }

    def apply_settings(self, changes: dict[str, object]) -> dict[str, object]:
        """Switch org settings: `duplicate_rule` (off | alert | block), `state_country_picklists` (bool),
        `person_accounts` (bool; once on, it stays on, as in a real org: only a reset takes it away).
        Raises ValueError naming the setting at fault; nothing changes then."""
        unknown = sorted(set(changes) - set(DEFAULT_SETTINGS))
        if unknown:
            raise ValueError(f"unknown setting: {unknown[0]}")
        wanted = {**self.settings(), **changes}
        if wanted["duplicate_rule"] not in ("off", "alert", "block"):
            raise ValueError("duplicate_rule must be off, alert or block")
        for name in ("state_country_picklists", "person_accounts"):
            if not isinstance(wanted[name], bool):
                raise ValueError(f"{name} must be true or false")
        if self.person_accounts.enabled and not wanted["person_accounts"]:
            raise ValueError(
                "person_accounts cannot be disabled once enabled (as in a real org); "
                "POST /_admin/reset gives back an org without them"
            )
        with self.lock:
            self._switch(wanted)
        return self.settings()

    def _switch(self, settings: dict[str, object]) -> None:
        """Apply valid settings. The state/country Code fields of the person address follow person
        accounts, so the picklists are taken off while person accounts change, then put back."""
        picklists = bool(settings["state_country_picklists"])
        self.duplicate_rules.mode = cast(DuplicateRuleMode, settings["duplicate_rule"])
        if bool(settings["person_accounts"]) != self.person_accounts.enabled:
            self.address_picklists.set_enabled(False)
        self.person_accounts.set_enabled(bool(settings["person_accounts"]))
        self.address_picklists.set_enabled(picklists)
