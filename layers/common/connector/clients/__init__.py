"""HTTP clients of the platforms around Salesforce (storefront, loyalty, social inbox), one pattern."""

from connector.clients.base import ApiCallCounter, PlatformClient

__all__ = ["ApiCallCounter", "PlatformClient"]
