"""The loyalty commands' shared parts: who acts (the agent), on whom (the customer's key), and the
answer every action gives.

Reference: ../shared/reference/loyalty-sessionm-service-cloud-use-case.md (the agent's tasks) and
loyalty-sessionm-customer-profile.md (offer states, point accounts, notes, the activity log).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from connector.envelope import Command, CompleteAnswer, UnstatedRule
from connector.loyalty.customer_ref import EXTERNAL_ID_PATTERN, CustomerRef
from connector.value_types import (
    CONTROL_CHARACTERS,
    NOT_BLANK,
    Email,
    Instant,
    WholeNumber,
    path_segment_safe,
)

# An id the platform gave (a user offer, an offer): one path segment.
PlatformKey = Annotated[
    str, Field(min_length=1, max_length=128, pattern=EXTERNAL_ID_PATTERN), AfterValidator(path_segment_safe)
]


def _tag_text(also_refused: str) -> str:
    allowed = f"[^{CONTROL_CHARACTERS}\\[\\]{also_refused}]"
    return f"^{allowed}*[^{CONTROL_CHARACTERS}\\[\\]{also_refused}\\s\\u0085]{allowed}*$"


class Agent(BaseModel):
    """The Service Cloud user who acts: the audit names them, and so do notes and point reasons."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # Written into notes and points reasons as `[agent: name (id)]` (the platform keeps no author):
    # no control character, bracket or parenthesis that could end that tag and forge another.
    # (and, as every required text, not only blanks: the character class once more without them)
    id: str = Field(min_length=1, max_length=64, pattern=_tag_text("()"))
    name: str = Field(min_length=1, max_length=120, pattern=_tag_text(""))
    email: Email


class ActionData(BaseModel):
    """What every loyalty action's data holds."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer: CustomerRef
    agent: Agent


# What a loyalty action may name is the deployment's: the customer's key per the Search by External
# ID setting, the configured point accounts, sources and reasons, the editable fields, the Parent
# Object (connector.config.loyalty). The document cannot know them: a 422 `mapping_error` in data.
CONFIGURED_VALUES = UnstatedRule(
    ("data",),
    "mapping_error",
    "a value the loyalty configuration does not allow (the key Search by External ID names, a point "
    "account, source or reason, an editable field, the Parent Object)",
)


class LoyaltyCommand(Command):
    """A loyalty action: the agent waits for it; idempotent on event_id."""

    unstated_rules = (*Command.unstated_rules, CONFIGURED_VALUES)

    source: Literal["loyalty"] = "loyalty"
    data: ActionData


# -- offers and rewards ------------------------------------------------------------------------
class OfferIssueData(ActionData):
    offer_id: PlatformKey


class OfferIssue(LoyaltyCommand):
    """A catalog offer issued to the customer (Available -> Issued)."""

    event_type: Literal["offer.issue"]
    data: OfferIssueData


class UserOfferData(ActionData):
    user_offer_id: PlatformKey


class OfferChange(LoyaltyCommand):
    """A change of one of the customer's offers: revoke (Issued), redeem (Issued, inside its window),
    unredeem (Redeemed, e.g. a cancelled transaction), reissue (Expired, as a new offer)."""

    event_type: Literal["offer.revoke", "offer.redeem", "offer.unredeem", "offer.reissue"]
    data: UserOfferData

    @property
    def action(self) -> str:
        return self.event_type.removeprefix("offer.")


# Across two fields, and against the clock: JSON Schema states neither.
END_NOT_AFTER_START = UnstatedRule(
    ("data", "redemption_end"), "end_not_after_start", "redemption_end must be after redemption_start"
)
END_NOT_AHEAD = UnstatedRule(("data", "redemption_end"), "end_not_ahead", "redemption_end must be in the future")


class OfferExtendData(UserOfferData):
    redemption_start: Instant
    redemption_end: Instant

    @field_validator("redemption_start", "redemption_end")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        # Year 1 or 9999 with an offset has no UTC form (an OverflowError, answered 503 before): 422.
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("out of range: no such UTC date/time") from None

    @field_validator("redemption_end")
    @classmethod
    def _end_after_start_and_ahead(cls, value: datetime, info: ValidationInfo) -> datetime:
        # Checked here, before any platform call: a 422 naming redemption_end.
        start = info.data.get("redemption_start")
        if start is not None and value <= start:
            raise END_NOT_AFTER_START.error()
        if value <= datetime.now(UTC):
            raise END_NOT_AHEAD.error()
        return value


class OfferExtend(LoyaltyCommand):
    """New redemption dates for an Issued or Expired offer."""

    event_type: Literal["offer.extend"]
    data: OfferExtendData
    unstated_rules = (*LoyaltyCommand.unstated_rules, END_NOT_AFTER_START, END_NOT_AHEAD)


class RewardPurchaseData(ActionData):
    offer_id: PlatformKey
    # Strict: JSON true or "2" is no quantity (lax mode would buy 1 or 2).
    quantity: WholeNumber = Field(default=1, ge=1, le=100)


class RewardPurchase(LoyaltyCommand):
    """A reward store item bought with the customer's points."""

    event_type: Literal["reward.purchase"]
    data: RewardPurchaseData


# -- points and notes --------------------------------------------------------------------------
class PointsAwardData(ActionData):
    # Strict: JSON true or "12" is no number of points (lax mode would award 1 or 12).
    points: WholeNumber = Field(ge=1, le=1_000_000)
    point_account: str = Field(min_length=1, max_length=80, pattern=NOT_BLANK)
    point_source: str = Field(min_length=1, max_length=80, pattern=NOT_BLANK)
    reason: str = Field(min_length=1, max_length=80, pattern=NOT_BLANK)


class PointsAward(LoyaltyCommand):
    """Points credited to a point account, from a configured source, for a configured reason."""

    event_type: Literal["points.award"]
    data: PointsAwardData


class NoteAddData(ActionData):
    reason: str = Field(min_length=1, max_length=80, pattern=NOT_BLANK)
    text: str = Field(min_length=1, max_length=2000, pattern=NOT_BLANK)


class NoteAdd(LoyaltyCommand):
    """A note on the customer's loyalty profile, with a configured reason."""

    event_type: Literal["note.add"]
    data: NoteAddData


# -- answers -----------------------------------------------------------------------------------
class LoyaltyActionAnswer(CompleteAnswer):
    """What every applied action answers; each action adds its result."""

    status: Literal["applied"] = "applied"
    action: str
    customer_id: str
    # "queued": the audit Task is on its way to Salesforce; "off": loyalty.audit_tasks is off.
    audit: Literal["queued", "off"]


class AgentAnswer(BaseModel):
    id: str
    name: str


class OfferAnswer(LoyaltyActionAnswer):
    user_offer: dict[str, Any]


class RewardAnswer(LoyaltyActionAnswer):
    order: dict[str, Any]
    available_points: int


class PointsAnswer(LoyaltyActionAnswer):
    points: int
    point_accounts: list[dict[str, Any]]
    available_points: int
    awarded_by: AgentAnswer


class NoteAnswer(LoyaltyActionAnswer):
    note: dict[str, Any]
    written_by: AgentAnswer


def agent_answer(agent: Agent) -> AgentAnswer:
    return AgentAnswer(id=agent.id, name=agent.name)


def utc_text(value: datetime) -> str:
    """A timestamp as the audit writes it: UTC, to the second, with a Z."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
