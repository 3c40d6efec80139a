"""A small, typed client for the Salesforce REST API (OAuth 2.0, sObjects, SOQL, composite)."""

from connector.salesforce.client import RecordResult, SalesforceClient, UpsertResult
from connector.salesforce.errors import PermanentSalesforceError, SalesforceError, TransientSalesforceError
from connector.salesforce.soql import soql_like, soql_quote

__all__ = [
    "PermanentSalesforceError",
    "RecordResult",
    "SalesforceClient",
    "SalesforceError",
    "TransientSalesforceError",
    "UpsertResult",
    "soql_like",
    "soql_quote",
]
