"""What the Salesforce-side domain works with: the REST client, the identity map and the claims."""

from __future__ import annotations

from typing import Protocol

from connector.crm.identity import IdentityMap
from connector.salesforce.client import SalesforceClient
from connector.state.claims import ClaimStore


class CrmServices(Protocol):
    """Satisfied by the composition root's `Services`; tests may pass anything that has these."""

    @property
    def salesforce(self) -> SalesforceClient: ...

    @property
    def identities(self) -> IdentityMap: ...

    @property
    def claims(self) -> ClaimStore: ...
