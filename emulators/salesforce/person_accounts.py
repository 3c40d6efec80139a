"""Person accounts: an Account that is also a person, backed by a hidden Contact.

An org setting, off by default as in a real org (Salesforce enables it on request, and it cannot
be disabled again: https://help.salesforce.com/s/articleView?id=sf.account_person_enable.htm).
Off, the org has none of it: Account has no person fields (FirstName, PersonEmail..., `X__pc`),
no `IsPersonAccount`/`PersonContactId`, Contact no `IsPersonAccount` (INVALID_FIELD like any
unknown column), and there is no person record type (RecordType.IsPersonType exists, false for
every row). `POST /_admin/settings {"person_accounts": true}` enables it at run time; disabling is
refused like in a real org, and `/_admin/reset` gives back an org without person accounts.

Rules, as in an org with person accounts enabled:
- the Account's record type decides: a record type with IsPersonType makes a person account;
  without RecordTypeId an Account is a business account (the org's default record type);
- a person account takes FirstName/LastName (LastName required) and never Name, which becomes
  the read-only "FirstName LastName"; a business account may not use person fields;
- the org creates the person Contact (IsPersonAccount true, AccountId = the account) and keeps
  it in step with every Account write; clients may not write or delete it directly, nor attach
  other contacts to a person account;
- deleting the account deletes its person Contact (Contact.AccountId cascades).
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError, bad_request
from .person_schema import SHARED_FIELDS
from .records import Records, WriteRequest, compound_name, required_fields_missing
from .schema import FieldDef, ObjectDef
from .store import Record
from .values import to_json

PERSON_RECORD_TYPE = "PersonAccount"
BUSINESS_RECORD_TYPE = "Business_Account"
# Standard fields that exist only in an org with person accounts (besides Account's person fields).
PERSON_ONLY_FIELDS = {"Account": ("IsPersonAccount", "PersonContactId"), "Contact": ("IsPersonAccount",)}


class PersonAccounts:
    def __init__(self, records: Records, person_field_map: dict[str, str]) -> None:
        self._records = records
        self._field_map = person_field_map
        self.business_record_type_id = ""
        # The person record type the org seeded; in the store only while the setting is on.
        self.person_record_type: Record | None = None
        # The schema as loaded has the person fields; `set_enabled` takes them away and back.
        self.enabled = True
        self._schema_fields = self._person_schema_fields()

    # -- the org setting ---------------------------------------------------------------------

    def _person_schema_fields(self) -> list[tuple[ObjectDef, FieldDef]]:
        found: list[tuple[ObjectDef, FieldDef]] = []
        for obj in (self._records.schema.object("Account"), self._records.schema.object("Contact")):
            assert obj is not None
            only = PERSON_ONLY_FIELDS[obj.name]
            found.extend((obj, f) for f in obj.fields if f.person_field or f.name in only)
        return found

    def set_enabled(self, enabled: bool) -> None:
        """Give the org person accounts (schema and record type) or take them away. Records that
        exist when they are enabled get the new fields' defaults (IsPersonAccount false)."""
        if enabled != self.enabled:
            for obj, field_def in self._schema_fields:
                if enabled:
                    obj.add(field_def)
                else:
                    obj.remove(field_def.name)
            self.enabled = enabled
            if enabled:
                self._fill_defaults()
        record_type = self.person_record_type
        if record_type is None:
            return
        stored = self._records.store.get("RecordType", record_type["Id"])
        if enabled and stored is None:
            self._records.store.insert("RecordType", dict(record_type))
        elif not enabled and stored is not None:
            self._records.store.purge("RecordType", record_type["Id"])

    def _fill_defaults(self) -> None:
        store = self._records.store
        for obj, field_def in self._schema_fields:
            if field_def.default is None:
                continue
            for row in store.records(obj.name):
                if field_def.name not in row:
                    store.replace(obj.name, {**row, field_def.name: field_def.default})

    # -- WriteHooks --------------------------------------------------------------------------

    def before_write(self, request: WriteRequest, record: Record) -> None:
        if request.obj.name == "Account":
            self._check_account(request, record)
        elif request.obj.name == "Contact" and not request.internal:
            self._check_contact(request)

    def after_write(self, request: WriteRequest, record: Record) -> None:
        if request.obj.name == "Account" and record.get("IsPersonAccount"):
            self._sync_person_contact(request, record)

    def before_delete(self, obj: ObjectDef, record: Record, *, internal: bool) -> None:
        if obj.name == "Contact" and record.get("IsPersonAccount") and not internal:
            raise _person_operation("Delete the person account instead of its contact")

    # -- rules -------------------------------------------------------------------------------

    def _check_account(self, request: WriteRequest, record: Record) -> None:
        changes = request.changes
        if record.get("RecordTypeId") is None:
            record["RecordTypeId"] = self.business_record_type_id
        is_person = self._is_person_record_type(record["RecordTypeId"])
        if request.existing is not None and bool(request.existing.get("IsPersonAccount")) != is_person:
            raise bad_request(
                "FIELD_INTEGRITY_EXCEPTION",
                "Record Type ID: cannot change an account between business and person record types",
                ["RecordTypeId"],
            )
        if is_person:
            if "Name" in changes:
                raise _bad_field_names(["Name"])
            if record.get("LastName") is None:
                raise required_fields_missing(["LastName"])
            record["Name"] = compound_name(record)
        else:
            misused = [n for n, v in changes.items() if n in self._field_map and v not in (None, False)]
            if misused:
                raise _bad_field_names(misused)
        if self.enabled:
            record["IsPersonAccount"] = is_person

    def _check_contact(self, request: WriteRequest) -> None:
        if request.existing is not None and request.existing.get("IsPersonAccount"):
            raise _person_operation("Update the person account instead of its contact")
        account_id = request.changes.get("AccountId")
        account = self._records.store.get("Account", account_id) if account_id else None
        if account is not None and account.get("IsPersonAccount"):
            raise bad_request("FIELD_INTEGRITY_EXCEPTION", "Cannot reference person account", ["AccountId"])

    def _is_person_record_type(self, record_type_id: Any) -> bool:
        record_type = self._records.store.get("RecordType", record_type_id) if record_type_id else None
        if record_type is None or record_type.get("SobjectType") != "Account" or not record_type.get("IsActive"):
            raise bad_request(
                "INVALID_CROSS_REFERENCE_KEY",
                f"Record Type ID: this ID value isn't valid for the user: {record_type_id}",
                ["RecordTypeId"],
            )
        return bool(record_type.get("IsPersonType"))

    def _sync_person_contact(self, request: WriteRequest, account: Record) -> None:
        contact = self._records.schema.object("Contact")
        assert contact is not None
        # Values go through the Contact's own validation, so they travel in JSON form.
        body: dict[str, Any] = {
            contact_field: to_json(account.get(account_field))
            for account_field, contact_field in {**self._field_map, **SHARED_FIELDS}.items()
        }
        body["AccountId"] = account["Id"]
        if request.existing is None or not account.get("PersonContactId"):
            body["IsPersonAccount"] = True
            contact_id = self._records.create(contact, body, internal=True)
            self._records.store.replace("Account", {**account, "PersonContactId": contact_id})
        else:
            self._records.update(contact, account["PersonContactId"], body, internal=True)


def _bad_field_names(names: list[str]) -> ApiError:
    return bad_request(
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        f"Account: bad field names on insert/update call: {', '.join(names)}",
        names,
    )


def _person_operation(message: str) -> ApiError:
    return bad_request("INVALID_PERSON_ACCOUNT_OPERATION", message)
