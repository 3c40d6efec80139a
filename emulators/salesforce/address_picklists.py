"""State and country/territory picklists, an org setting that is off here by default.

With the setting on (https://help.salesforce.com/s/articleView?id=xcloud.state_country_and_territory_picklist_fields.htm),
each address gets `<prefix>StateCode` / `<prefix>CountryCode` picklists of ISO codes, and the text
fields `<prefix>State` / `<prefix>Country` take only the integration value, by default the full
ISO name ("United States", not "US"); anything else is a FIELD_INTEGRITY_EXCEPTION
(https://salesforce.stackexchange.com/ answers: "You will receive a FIELD_INTEGRITY_EXCEPTION if
you use a value other than the Integration Value configured for the country/state"). Codes and
integration values are kept in step as the field-syncing logic describes
(https://help.salesforce.com/apex/HTViewHelpDoc?id=xcloud.admin_state_country_picklists_field_syncing.htm):
writing one fills the other; a state that is not in the country is refused; on create a
mismatched pair takes the code's value, on update it is refused. With the setting off the Code
fields do not exist (INVALID_FIELD like any unknown column).

The built-in list is a subset of Salesforce's: common countries, and the states of the US and the
provinces and territories of Canada.
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import ApiError, bad_request
from .records import WriteRequest
from .schema import FieldDef, ObjectDef, Schema
from .standard_objects import picklist
from .store import Record

COUNTRIES: dict[str, str] = {
    "US": "United States",
    "CA": "Canada",
    "MX": "Mexico",
    "BR": "Brazil",
    "GB": "United Kingdom",
    "IE": "Ireland",
    "FR": "France",
    "DE": "Germany",
    "IT": "Italy",
    "ES": "Spain",
    "PT": "Portugal",
    "NL": "Netherlands",
    "BE": "Belgium",
    "LU": "Luxembourg",
    "CH": "Switzerland",
    "AT": "Austria",
    "DK": "Denmark",
    "SE": "Sweden",
    "NO": "Norway",
    "FI": "Finland",
    "PL": "Poland",
    "AU": "Australia",
    "NZ": "New Zealand",
    "JP": "Japan",
    "CN": "China",
    "IN": "India",
    "SG": "Singapore",
}
# fmt: off
STATES: dict[str, dict[str, str]] = {
    "US": {
        "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
        "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
        "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
        "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
        "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
        "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
        "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
        "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
        "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
        "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
        "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    },
    "CA": {
        "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
        "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories",
        "NU": "Nunavut", "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec",
        "SK": "Saskatchewan", "YT": "Yukon Territories",
    },
}
# fmt: on
_ALL_STATE_CODES = tuple(sorted({code for states in STATES.values() for code in states}))

# Addresses that get the picklists: (object, field prefix).
ADDRESSES = (("Contact", "Mailing"), ("Account", "Billing"), ("Account", "PersonMailing"))
# The person Contact's fields the Account's person address mirrors.
_PERSON_MIRROR = {"PersonMailingStateCode": "MailingStateCode", "PersonMailingCountryCode": "MailingCountryCode"}


def _country_problem(field: str) -> ApiError:
    return bad_request(
        "FIELD_INTEGRITY_EXCEPTION",
        "There's a problem with this country, even though it may appear correct. "
        "Please select a country/territory from the list of valid countries.",
        [field],
    )


def _state_problem(field: str) -> ApiError:
    return bad_request(
        "FIELD_INTEGRITY_EXCEPTION",
        "There's a problem with this state, even though it may appear correct. "
        "Please select a state from the list of valid states.",
        [field],
    )


class AddressPicklists:
    """The org setting (schema fields) and its write rules (a write hook)."""

    def __init__(self, schema: Schema, person_field_map: dict[str, str]) -> None:
        self._schema = schema
        self._person_field_map = person_field_map
        self.enabled = False

    def _addresses(self) -> list[tuple[ObjectDef, str]]:
        found = []
        for object_name, prefix in ADDRESSES:
            obj = self._schema.object(object_name)
            if obj is not None and obj.field(f"{prefix}Country") is not None:
                found.append((obj, prefix))
        return found

    def set_enabled(self, enabled: bool) -> None:
        if enabled == self.enabled:
            return
        for obj, prefix in self._addresses():
            for field_def in _code_fields(prefix):
                if enabled:
                    obj.add(field_def)
                else:
                    obj.remove(field_def.name)
        for account_name, contact_name in _PERSON_MIRROR.items():
            if enabled:
                self._person_field_map[account_name] = contact_name
            else:
                self._person_field_map.pop(account_name, None)
        self.enabled = enabled

    # -- WriteHooks --------------------------------------------------------------------------

    def before_write(self, request: WriteRequest, record: Record) -> None:
        if not self.enabled or request.internal:
            return
        for obj, prefix in self._addresses():
            if obj is request.obj:
                _settle_address(request, record, prefix)

    def after_write(self, request: WriteRequest, record: Record) -> None:
        return None

    def before_delete(self, obj: ObjectDef, record: Record, *, internal: bool) -> None:
        return None


def _code_fields(prefix: str) -> list[FieldDef]:
    label = prefix.removeprefix("Person")
    return [
        picklist(f"{prefix}StateCode", _ALL_STATE_CODES, label=f"{label} State/Province Code"),
        picklist(f"{prefix}CountryCode", tuple(COUNTRIES), label=f"{label} Country/Territory Code"),
    ]


def _settle_address(request: WriteRequest, record: Record, prefix: str) -> None:
    changes = request.changes
    country, country_code = f"{prefix}Country", f"{prefix}CountryCode"
    state, state_code = f"{prefix}State", f"{prefix}StateCode"
    touched = {country, country_code, state, state_code} & set(changes)
    if not touched:
        return
    _settle_pair(request, record, country_code, country, COUNTRIES, _country_problem)
    states = STATES.get(record.get(country_code) or "", {})
    _settle_pair(request, record, state_code, state, states, _state_problem)
    if record.get(state_code) is not None and record.get(country_code) is None:
        raise bad_request(
            "FIELD_INTEGRITY_EXCEPTION",
            f"A country/territory must be specified before specifying a state value for field: {state_code}",
            [state_code],
        )


def _settle_pair(
    request: WriteRequest,
    record: Record,
    code_field: str,
    name_field: str,
    values: dict[str, str],
    problem: Callable[[str], ApiError],
) -> None:
    """Keep a code and its integration value in step, refusing what the list does not have."""
    changes = request.changes
    if code_field in changes and changes[code_field] is not None:
        code = str(changes[code_field]).upper()
        if code not in values:
            raise problem(code_field)
        expected = values[code]
        given = changes.get(name_field)
        if given is not None and given != expected and not request.creating:
            raise problem(name_field)
        record[code_field], record[name_field] = code, expected
    elif code_field in changes:
        record[name_field] = None
    elif name_field in changes and changes[name_field] is not None:
        by_name = {name: code for code, name in values.items()}
        if changes[name_field] not in by_name:
            raise problem(name_field)
        record[code_field] = by_name[changes[name_field]]
    elif name_field in changes:
        record[code_field] = None
    elif record.get(code_field) is not None and record[code_field] not in values:
        # The other half of the address changed (a new country) and this value is not in it.
        raise problem(code_field)
