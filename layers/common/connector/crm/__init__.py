"""The Salesforce-side domain every platform shares: who a customer is in Salesforce (Contacts and
Accounts by Id, external id or email, created once), the identity map that remembers it, and what
Salesforce's refusals mean. Platform packages build on it; it knows none of them."""

from connector.crm.context import CrmServices
from connector.crm.healing import heals_identity_map, heals_identity_map_in_batch
from connector.crm.identity import Identity, IdentityKind, IdentityMap
from connector.crm.policy import CALLER_DATA_CODES, RECORD_GONE_CODES, record_is_gone, refused_caller_data

__all__ = [
    "CALLER_DATA_CODES",
    "RECORD_GONE_CODES",
    "CrmServices",
    "Identity",
    "IdentityKind",
    "IdentityMap",
    "heals_identity_map",
    "heals_identity_map_in_batch",
    "record_is_gone",
    "refused_caller_data",
]
