"""Person accounts: an Account that is also a person, backed by a hidden Contact.

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
from .schema import ObjectDef
from .store import Record
from .values import to_json

PERSON_RECORD_TYPE = "PersonAccount"
BUSINESS_RECORD_TYPE = "Business_Account"


class PersonAccounts:
    def __init__(self, records: Records, person_field_map: dict[str, str]) -> None:
        self._records = records
        self._field_map = person_field_map
        self.business_record_type_id = ""

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
