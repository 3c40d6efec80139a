"""The org's daily API usage, as Salesforce reports it on every REST answer.

`Sforce-Limit-Info: api-usage=<used>/<allocation>` comes with each REST API response
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm);
the allocation is for a rolling 24 hours, and once it is used up every call is refused with
REQUEST_LIMIT_EXCEEDED until usage over the preceding 24 hours drops below it
(https://help.salesforce.com/s/articleView?id=xcloud.setup_system_overview_api.htm&type=5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_API_USAGE = re.compile(r"(?:^|[;,\s])api-usage=(\d+)/(\d+)")


@dataclass(frozen=True)
class ApiUsage:
    """One reading of the org's usage: calls used in the last 24 hours, of its allocation."""

    used: int
    allocation: int
    observed_at: float  # epoch seconds

    @property
    def share(self) -> float:
        return self.used / self.allocation if self.allocation > 0 else 1.0


def parse_limit_info(header: str | None, observed_at: float) -> ApiUsage | None:
    """The `api-usage` part of a Sforce-Limit-Info header (it may also carry `per-app-api-usage`
    and `api-bursts`), or None when absent or malformed."""
    match = _API_USAGE.search(header or "")
    if match is None:
        return None
    return ApiUsage(int(match.group(1)), int(match.group(2)), observed_at)
