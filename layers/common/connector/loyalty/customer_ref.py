"""Who a loyalty action is about: the customer's key (external id or email) and parent record.

Its own module, apart from the commands' models (connector.loyalty.models): the Salesforce changes
relayed to the loyalty platform name a customer this way, and their function builds none of the
loyalty commands at its cold start.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from connector.errors import MappingError
from connector.value_types import Email, SalesforceId

# A customer's external id on the loyalty platform: one segment of its user path, of letters, digits
# and . _ : -, with one character at least that is not a dot ("." and ".." are dot segments). A
# pattern, so that the OpenAPI document states it all.
EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9._:\-]*[A-Za-z0-9_:\-][A-Za-z0-9._:\-]*$"
EXTERNAL_ID_MAX_LENGTH = 255
ExternalId = Annotated[str, Field(min_length=1, max_length=EXTERNAL_ID_MAX_LENGTH, pattern=EXTERNAL_ID_PATTERN)]


# An external id, or empty for none.
OptionalExternalId = Annotated[str, Field(max_length=EXTERNAL_ID_MAX_LENGTH, pattern=f"^$|{EXTERNAL_ID_PATTERN}")]


class CustomerRef(BaseModel):
    """The customer: their external id or email (the Search by External ID setting says which is the
    key), and optionally the Salesforce Id of the parent record (the audit Task goes on it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # One segment of the platform's user path, as connector.loyalty.profile.is_external_id checks it
    # (stated in the schema: a generated request valid by the document is never refused for it);
    # empty: no external id (an enrolment then takes the parent record's Id).
    external_id: OptionalExternalId | None = None
    email: Email | None = None
    salesforce_id: SalesforceId | None = None

    def key(self, search_by_external_id: bool) -> tuple[Literal["external_id", "email"], str]:
        """The key the platform is searched by; missing -> 422 at data.customer.<field>."""
        name: Literal["external_id", "email"] = "external_id" if search_by_external_id else "email"
        value = self.external_id if search_by_external_id else self.email
        if not value:
            setting = "on" if search_by_external_id else "off"
            raise MappingError(["data", "customer", name], f"required: Search by External ID is {setting}")
        return name, value
