"""The standard objects and fields of a Service Cloud org, as describe reports them.

Only what the connector (and a client exercising it) can touch is modelled, but what is modelled
follows the real org: names, types, lengths, nillability, who may write it, defaults, picklist
values, reference targets and relationship names. Custom fields come from the SFDX source.

Picklists whose value set the connector depends on are restricted here on purpose (a real org
lets admins restrict them too): a value the org would not know is a bug worth catching in tests.
"""

from __future__ import annotations

import re
from typing import Any

from .schema import FieldDef, ObjectDef

INTEGRATION_USER = "User"

_LABEL_WORDS = re.compile(r"[A-Z][a-z]+|[A-Z]+(?![a-z])|\d+")


def _label(name: str) -> str:
    """Salesforce-style label from an API name: `AccountId` -> `Account ID`."""
    if name.endswith("Id") and len(name) > 2:
        return " ".join(_LABEL_WORDS.findall(name[:-2])) + " ID"
    return " ".join(_LABEL_WORDS.findall(name)) or name


def _field(name: str, type_: str, **kw: Any) -> FieldDef:
    kw.setdefault("label", _label(name))
    return FieldDef(name=name, type=type_, **kw)


def text(name: str, length: int, **kw: Any) -> FieldDef:
    return _field(name, "string", length=length, **kw)


def textarea(name: str, length: int = 32000, **kw: Any) -> FieldDef:
    return _field(name, "textarea", length=length, **kw)


def email(name: str, **kw: Any) -> FieldDef:
    return _field(name, "email", length=80, **kw)


def phone(name: str, **kw: Any) -> FieldDef:
    return _field(name, "phone", length=40, **kw)


def picklist(name: str, values: tuple[str, ...], *, restricted: bool = False, **kw: Any) -> FieldDef:
    return _field(name, "picklist", length=255, picklist_values=values, restricted_picklist=restricted, **kw)


def checkbox(name: str, default: bool = False, **kw: Any) -> FieldDef:
    return _field(name, "boolean", nillable=False, default=default, **kw)


def date(name: str, **kw: Any) -> FieldDef:
    return _field(name, "date", **kw)


def datetime_(name: str, **kw: Any) -> FieldDef:
    return _field(name, "datetime", **kw)


def lookup(name: str, to: tuple[str, ...], relationship: str, children: str | None, **kw: Any) -> FieldDef:
    return _field(
        name,
        "reference",
        length=18,
        reference_to=to,
        relationship_name=relationship,
        child_relationship_name=children,
        **kw,
    )


def read_only(field_def: FieldDef) -> FieldDef:
    return field_def.with_changes(createable=False, updateable=False)


def name_field(name: str, label: str, length: int, **kw: Any) -> FieldDef:
    """A record's name: required, shown as its name, and usable to look records up."""
    return text(name, length, label=label, nillable=False, name_field=True, id_lookup=True, **kw)


def auto_number(name: str, label: str, length: int = 30) -> FieldDef:
    """A name the org numbers itself (clients cannot write it)."""
    return name_field(name, label, length, createable=False, updateable=False, auto_number=True)


def system_fields(*, owned: bool) -> list[FieldDef]:
    """Fields every record carries; the org writes them (OwnerId may also be set by a client)."""
    sys = {"createable": False, "updateable": False, "system": True}
    fields = [
        _field("Id", "id", label="Record ID", length=18, nillable=False, id_lookup=True, **sys),
        checkbox("IsDeleted", label="Deleted", **sys),
        datetime_("CreatedDate", nillable=False, **sys),
        lookup("CreatedById", ("User",), "CreatedBy", None, nillable=False, **sys),
        datetime_("LastModifiedDate", nillable=False, **sys),
        lookup("LastModifiedById", ("User",), "LastModifiedBy", None, nillable=False, **sys),
        datetime_("SystemModstamp", label="System Modstamp", nillable=False, **sys),
    ]
    if owned:
        fields.append(lookup("OwnerId", ("User",), "Owner", None, nillable=False, defaulted_on_create=True))
    return fields


SALUTATIONS = ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.", "Mx.")
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")


def _object(name: str, prefix: str, fields: list[FieldDef], *, owned: bool = True, **kw: Any) -> ObjectDef:
    obj = ObjectDef(
        name=name,
        label=kw.pop("label", _label(name)),
        label_plural=kw.pop("plural", name + "s"),
        key_prefix=prefix,
        **kw,
    )
    for field_def in system_fields(owned=owned) + fields:
        obj.add(field_def)
    return obj


def _account() -> ObjectDef:
    return _object(
        "Account",
        "001",
        [
            text("Name", 255, label="Account Name", nillable=False, name_field=True),
            picklist(
                "Type",
                (
                    "Prospect",
                    "Customer - Direct",
                    "Customer - Channel",
                    "Channel Partner / Reseller",
                    "Installation Partner",
                    "Technology Partner",
                    "Other",
                ),
                label="Account Type",
            ),
            text("AccountNumber", 40),
            phone("Phone", label="Account Phone"),
            _field("Website", "url", length=255),
            textarea("Description", label="Account Description"),
            textarea("BillingStreet", 255),
            text("BillingCity", 40),
            text("BillingState", 80),
            text("BillingPostalCode", 20, label="Billing Zip/Postal Code"),
            text("BillingCountry", 80),
            lookup("ParentId", ("Account",), "Parent", "ChildAccounts"),
            lookup(
                "RecordTypeId",
                ("RecordType",),
                "RecordType",
                None,
                label="Account Record Type",
                defaulted_on_create=True,
            ),
            read_only(checkbox("IsPersonAccount", label="Is Person Account")),
            read_only(lookup("PersonContactId", ("Contact",), "PersonContact", None)),
        ],
    )


def _contact() -> ObjectDef:
    return _object(
        "Contact",
        "003",
        [
            picklist("Salutation", SALUTATIONS),
            text("FirstName", 40),
            text("LastName", 80, nillable=False),
            read_only(text("Name", 121, label="Full Name", nillable=False, name_field=True)),
            email("Email", id_lookup=True),
            phone("Phone", label="Business Phone"),
            phone("HomePhone"),
            phone("MobilePhone"),
            text("Title", 128),
            text("Department", 80),
            date("Birthdate"),
            textarea("MailingStreet", 255),
            text("MailingCity", 40),
            text("MailingState", 80),
            text("MailingPostalCode", 20, label="Mailing Zip/Postal Code"),
            text("MailingCountry", 80),
            lookup("AccountId", ("Account",), "Account", "Contacts", label="Account ID"),
            textarea("Description", label="Contact Description"),
            picklist("LeadSource", LEAD_SOURCES),
            checkbox("HasOptedOutOfEmail", label="Email Opt Out"),
            read_only(checkbox("IsPersonAccount", label="Is Person Account")),
        ],
        plural="Contacts",
    )


def _lead() -> ObjectDef:
    return _object(
        "Lead",
        "00Q",
        [
            picklist("Salutation", SALUTATIONS),
            text("FirstName", 40),
            text("LastName", 80, nillable=False),
            read_only(text("Name", 121, label="Full Name", nillable=False, name_field=True)),
            text("Company", 255, nillable=False),
            email("Email", id_lookup=True),
            phone("Phone"),
            phone("MobilePhone"),
            text("Title", 128),
            picklist(
                "Status",
                ("Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"),
                nillable=False,
                default="Open - Not Contacted",
                label="Lead Status",
            ),
            picklist("LeadSource", LEAD_SOURCES),
            textarea("Description"),
            textarea("Street", 255),
            text("City", 40),
            text("State", 80),
            text("PostalCode", 20, label="Zip/Postal Code"),
            text("Country", 80),
            checkbox("HasOptedOutOfEmail", label="Email Opt Out"),
            read_only(checkbox("IsConverted", label="Converted")),
            read_only(lookup("ConvertedContactId", ("Contact",), "ConvertedContact", None)),
            read_only(lookup("ConvertedAccountId", ("Account",), "ConvertedAccount", None)),
        ],
    )


def _case() -> ObjectDef:
    case = _object(
        "Case",
        "500",
        [
            auto_number("CaseNumber", "Case Number"),
            lookup("ContactId", ("Contact",), "Contact", "Cases", label="Contact ID"),
            lookup("AccountId", ("Account",), "Account", "Cases", label="Account ID"),
            picklist(
                "Status", ("New", "Working", "Escalated", "Closed"), restricted=True, default="New", nillable=False
            ),
            picklist("Origin", ("Phone", "Email", "Web", "Chat"), restricted=True, label="Case Origin"),
            picklist("Priority", ("High", "Medium", "Low"), restricted=True, default="Medium"),
            picklist("Type", ("Question", "Problem", "Feature Request"), label="Case Type"),
            picklist(
                "Reason",
                (
                    "Installation",
                    "Equipment Complexity",
                    "Performance",
                    "Breakdown",
                    "Equipment Design",
                    "Feedback",
                    "Other",
                ),
                label="Case Reason",
            ),
            text("Subject", 255),
            textarea("Description"),
            text("SuppliedName", 80, label="Web Name"),
            email("SuppliedEmail", label="Web Email"),
            text("SuppliedPhone", 40, label="Web Phone"),
            text("SuppliedCompany", 80, label="Web Company"),
            read_only(checkbox("IsClosed", label="Closed")),
            read_only(datetime_("ClosedDate", label="Closed Date")),
            checkbox("IsEscalated", label="Escalated"),
            lookup("ParentId", ("Case",), "Parent", "Cases", label="Parent Case ID"),
        ],
        plural="Cases",
    )
    case.auto_number_formats["CaseNumber"] = "{00000000}"
    return case


def _task(activity_targets: tuple[str, ...]) -> ObjectDef:
    return _object(
        "Task",
        "00T",
        [
            lookup("WhoId", ("Contact", "Lead"), "Who", "Tasks", label="Name ID"),
            lookup("WhatId", activity_targets, "What", "Tasks", label="Related To ID"),
            _field(
                "Subject",
                "combobox",
                length=255,
                picklist_values=("Call", "Email", "Send Letter", "Send Quote", "Other"),
            ),
            textarea("Description"),
            picklist(
                "Status",
                ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"),
                restricted=True,
                default="Not Started",
                nillable=False,
            ),
            picklist("Priority", ("High", "Normal", "Low"), restricted=True, default="Normal", nillable=False),
            date("ActivityDate", label="Due Date Only"),
            picklist("Type", ("Call", "Email", "Meeting", "Other")),
            read_only(checkbox("IsClosed", label="Closed")),
        ],
    )


def _event(activity_targets: tuple[str, ...]) -> ObjectDef:
    """A calendar event, minimal and strict: what the social 360° view reads (an Event's who, what,
    subject, times and description); no recurrence, invitees or reminders."""
    return _object(
        "Event",
        "00U",
        [
            lookup("WhoId", ("Contact", "Lead"), "Who", "Events", label="Name ID"),
            lookup("WhatId", activity_targets, "What", "Events", label="Related To ID"),
            _field(
                "Subject",
                "combobox",
                length=255,
                picklist_values=("Call", "Email", "Meeting", "Send Letter/Quote", "Other"),
            ),
            textarea("Description"),
            datetime_("StartDateTime", label="Start"),
            datetime_("EndDateTime", label="End"),
            datetime_("ActivityDateTime", label="Due Date Time"),
        ],
    )


def _order() -> ObjectDef:
    order = _object(
        "Order",
        "801",
        [
            auto_number("OrderNumber", "Order Number"),
            lookup("AccountId", ("Account",), "Account", "Orders", label="Account ID", nillable=False),
            date("EffectiveDate", label="Order Start Date", nillable=False),
            picklist("Status", ("Draft", "Activated"), restricted=True, nillable=False),
            # The status category of Status, set by the org (see order_rules).
            read_only(picklist("StatusCode", ("Draft", "Activated"), label="Status Category")),
            text("Name", 80, label="Order Name"),
            textarea("Description"),
            text("PoNumber", 80, label="PO Number"),
            lookup("BillToContactId", ("Contact",), "BillToContact", "Orders1", label="Bill To Contact ID"),
            read_only(_field("TotalAmount", "currency", precision=18, scale=2, label="Order Amount", calculated=True)),
        ],
    )
    order.auto_number_formats["OrderNumber"] = "{00000000}"
    return order


def _user() -> ObjectDef:
    return _object(
        "User",
        "005",
        [
            text("Username", 80, nillable=False, unique=True, id_lookup=True),
            text("FirstName", 40),
            text("LastName", 80, nillable=False),
            read_only(text("Name", 121, label="Full Name", nillable=False, name_field=True)),
            email("Email", nillable=False),
            text("Alias", 8, nillable=False),
            checkbox("IsActive", default=True, label="Active"),
        ],
        owned=False,
        createable=False,
        deletable=False,
    )


def _record_type() -> ObjectDef:
    return _object(
        "RecordType",
        "012",
        [
            text("Name", 80, label="Record Type Name", nillable=False, name_field=True),
            text("DeveloperName", 80, label="Record Type Name", nillable=False),
            text("SobjectType", 40, nillable=False),
            text("Description", 255),
            text("NamespacePrefix", 15),
            checkbox("IsActive", default=True, label="Active"),
            checkbox("IsPersonType", label="Is Person Type"),
        ],
        owned=False,
        createable=False,
        updateable=False,
        deletable=False,
        label="Record Type",
        plural="Record Types",
    )


def standard_objects(activity_targets: tuple[str, ...]) -> list[ObjectDef]:
    """Fresh definitions (the loader mutates them when it adds custom fields).

    `activity_targets` are the objects a Task's WhatId may point at: the standard ones plus custom
    objects that enable activities.
    """
    return [
        _account(),
        _contact(),
        _lead(),
        _case(),
        _task(activity_targets),
        _event(activity_targets),
        _order(),
        _user(),
        _record_type(),
    ]


STANDARD_ACTIVITY_TARGETS = ("Account", "Case", "Order")
