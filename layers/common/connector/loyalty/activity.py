"""The customer's loyalty activity timeline (the profile's activity log): newest first, paged."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from connector.config.loyalty import LoyaltyConfig
from connector.envelope import UnstatedRule
from connector.errors import MappingError, NotFoundError
from connector.loyalty.profile import customer_ref_of_key
from connector.services import Services


class ActivityPage(BaseModel):
    customer_id: str
    page: int
    page_size: int
    total: int
    pages: int
    activities: list[dict[str, Any]]


# The platform's largest page number: a larger one is refused there, so it is refused here, by name.
MAX_PAGE = 1_000_000
# The query parameters as the OpenAPI document states them: the largest page size any configuration
# allows; the deployment's own (loyalty.activity_max_page_size) is a 422 the document names.
_MOST_PAGE_SIZE = next(
    rule.le for rule in LoyaltyConfig.model_fields["activity_max_page_size"].metadata if hasattr(rule, "le")
)
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Field(ge=1, le=_MOST_PAGE_SIZE)]
PAGE_SIZE_ABOVE_SETTING = UnstatedRule(
    ("page_size",), "mapping_error", "page_size is above the configuration's loyalty.activity_max_page_size"
)


def _positive(name: str, raw: str | None, default: int, most: int) -> int:
    if raw is None or raw == "":
        return default
    # ASCII digits only, and few of them: str.isdigit() takes "²" (int() refuses it) and 5,000
    # digits are past int()'s limit; both were a 500.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        raise MappingError([name], "must be a positive integer")
    if int(raw) > most:
        raise MappingError([name], f"must be at most {most}")
    return int(raw)


def customer_activity(
    services: Services, key: str, page: str | None = None, page_size: str | None = None
) -> ActivityPage:
    """`key` is the external id or the email, per the Search by External ID setting."""
    config = services.settings.config.loyalty
    number = _positive("page", page, 1, MAX_PAGE)
    size = _positive("page_size", page_size, min(10, config.activity_max_page_size), config.activity_max_page_size)
    # The profile's reading of the key: percent-decoded (an email's @ often arrives as %40), and an
    # external id of the platform's characters only (else a 422, not a look-up bound to miss).
    ref = customer_ref_of_key(key, config.search_by_external_id)
    found = services.loyalty.find_user(ref)
    if found is None:
        raise NotFoundError(["key"], "the loyalty platform has no such customer")
    body = services.loyalty.activity(str(found["id"]), number, size)
    total = int(body["total"])
    return ActivityPage(
        customer_id=str(found["id"]),
        page=number,
        page_size=size,
        total=total,
        pages=-(-total // size),
        activities=list(body["activities"]),
    )
