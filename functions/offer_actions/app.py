"""offer_actions: what an agent in Service Cloud does to a customer's loyalty profile, applied on the
loyalty platform while the agent waits (offers, rewards, points, notes, the customer's profile,
enrolment, sync and merge), each with an audit Task in Salesforce written from this trigger's queue;
and the profile and activity reads."""

from connector.loyalty.activity import PAGE_SIZE_ABOVE_SETTING, ActivityPage, PageNumber, PageSize, customer_activity
from connector.loyalty.audit import ActionAudited, write_audit_task
from connector.loyalty.customers import (
    CustomerEnroll,
    CustomerMerge,
    CustomerSync,
    CustomerUpdate,
    EnrollAnswer,
    LoyaltyProfile,
    MergeAnswer,
    ParentRecordUpdate,
    SyncAnswer,
    UpdateAnswer,
    apply_queued_record_update,
    enroll_customer,
    merge_customers,
    read_profile,
    sync_customer,
    update_customer,
)
from connector.loyalty.models import (
    NoteAdd,
    NoteAnswer,
    OfferAnswer,
    OfferChange,
    OfferExtend,
    OfferIssue,
    PointsAnswer,
    PointsAward,
    RewardAnswer,
    RewardPurchase,
)
from connector.loyalty.notes import add_note
from connector.loyalty.offers import change_offer, extend_offer, issue_offer, purchase_reward
from connector.loyalty.points import award_points
from connector.loyalty.profile import KEY_OF_THE_OTHER_KIND, LoyaltyKey
from connector.loyalty.schema_check import check_loyalty_schema
from connector.pipeline import CommandHandler, EventHandler, Trigger
from connector.value_types import SalesforceId

ACTIONS = (
    "An agent's action on a customer's loyalty profile, applied on the loyalty platform before the answer "
    "(`status: applied`, the customer's platform id and the action's result; `audit: queued`: a completed Task "
    "follows on the customer's Salesforce record). The customer is found by `data.customer.external_id` or "
    "`email` per loyalty.search_by_external_id: unknown, or an unknown offer, is a 404; an action the offer's "
    "state forbids, a short balance or an empty stock a 409 naming the state, nothing changed; the loyalty "
    "platform unavailable a 503 with Retry-After, nothing applied. Idempotent on event_id."
)

trigger = Trigger("offer_actions")
# A field mapping the org cannot take refuses every request (503, named in the log), before any action.
trigger.on_cold_start(check_loyalty_schema)
trigger.commands(
    "/v1/loyalty/actions",
    CommandHandler(OfferIssue, issue_offer, OfferAnswer),
    CommandHandler(OfferChange, change_offer, OfferAnswer),
    CommandHandler(OfferExtend, extend_offer, OfferAnswer),
    CommandHandler(RewardPurchase, purchase_reward, RewardAnswer),
    CommandHandler(PointsAward, award_points, PointsAnswer),
    CommandHandler(NoteAdd, add_note, NoteAnswer),
    CommandHandler(CustomerEnroll, enroll_customer, EnrollAnswer),
    CommandHandler(CustomerUpdate, update_customer, UpdateAnswer),
    CommandHandler(CustomerSync, sync_customer, SyncAnswer),
    CommandHandler(CustomerMerge, merge_customers, MergeAnswer),
    description=ACTIONS,
)
# The customer's profile; ?salesforce_id= names the parent record (Auto Sync from loyalty).
trigger.read(
    "/v1/loyalty/customers/<key>",
    read_profile,
    LoyaltyProfile,
    query=("salesforce_id",),
    parameters={"key": LoyaltyKey, "salesforce_id": SalesforceId},
    unstated=(KEY_OF_THE_OTHER_KIND,),
)
# The activity timeline, newest first (?page=N&page_size=M, M <= loyalty.activity_max_page_size).
trigger.read(
    "/v1/loyalty/customers/<key>/activity",
    customer_activity,
    ActivityPage,
    query=("page", "page_size"),
    parameters={"key": LoyaltyKey, "page": PageNumber, "page_size": PageSize},
    unstated=(KEY_OF_THE_OTHER_KIND, PAGE_SIZE_ABOVE_SETTING),
)
# The agent's component and flows call these from Salesforce, signed by its Named Credential (SigV4).
trigger.iam_twins("/v1/loyalty/actions", "/v1/loyalty/customers/<key>", "/v1/loyalty/customers/<key>/activity")
# The audit Tasks: queued by every action, written from the queue (never postable).
trigger.internal(EventHandler(ActionAudited, write_audit_task))
# A parent record's update queued by a customer action while Salesforce was down (never postable).
trigger.internal(EventHandler(ParentRecordUpdate, apply_queued_record_update))
handler = trigger.handler
