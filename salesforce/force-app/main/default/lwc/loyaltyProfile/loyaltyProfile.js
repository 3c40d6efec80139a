/*
 * The customer's loyalty profile on a Contact or Account page, as the loyalty reference's Customer
 * Loyalty Profile shows it (../shared/reference/loyalty-sessionm-service-cloud-use-case.md and
 * loyalty-sessionm-customer-profile.md): demographics and member status with edit, tier, lifetime
 * value, point accounts, offers by state with the actions each state allows, reward purchase, points
 * awarded with a reason, notes, the activity timeline with paging, and enrolment when the platform
 * does not know the customer. Every action goes through LoyaltyProfileController to the connector
 * and answers in place: the platform's own message when it refuses.
 */
import { LightningElement, api } from "lwc";
import getProfile from "@salesforce/apex/LoyaltyProfileController.getProfile";
import getActivity from "@salesforce/apex/LoyaltyProfileController.getActivity";
import applyAction from "@salesforce/apex/LoyaltyProfileController.applyAction";
import enroll from "@salesforce/apex/LoyaltyProfileController.enroll";
import syncFromLoyalty from "@salesforce/apex/LoyaltyProfileController.syncFromLoyalty";

// The actions each offer state allows. Reference, "Offer information": Available -> Issue; Issued ->
// Mark as Redeemed, Revoke and Exclude, Change Redemption Dates; Redeemed -> return to Issued
// (unredeem); Expired -> reissue ("Extend an Offer": an expired offer is reissued, or its dates
// changed). Revoked offers allow nothing. The connector's loyalty platform enforces the same
// transitions (a 409 naming the state): this table only keeps the agent from asking for them.
export const OFFER_ACTIONS = {
    available: ["issue"],
    issued: ["redeem", "revoke", "extend"],
    redeemed: ["unredeem"],
    expired: ["extend", "reissue"],
    revoked: []
};
const ACTION_LABELS = {
    issue: "Issue",
    redeem: "Redeem",
    revoke: "Revoke",
    extend: "Edit Duration",
    unredeem: "Un-redeem",
    reissue: "Reissue"
};
const STATE_LABELS = {
    issued: "Issued",
    available: "Available",
    redeemed: "Redeemed",
    expired: "Expired",
    revoked: "Revoked"
};
// The profile fields an agent may edit (the connector's default loyalty.editable_fields); the
// connector refuses any its configuration does not allow, by name.
const EDITABLE = ["first_name", "last_name", "gender", "dob", "locale", "phone", "address", "city", "state", "zip", "country"];
const ADDRESS_FIELDS = ["address", "city", "state", "zip", "country"];
// The connector's bounds (PointsAwardData, NoteAddData, RewardPurchaseData).
const MAX_POINTS = 1000000;
const MAX_NOTE = 2000;
const MAX_QUANTITY = 100;

function errorText(error) {
    if (error && error.body && error.body.message) return error.body.message;
    if (error && error.message) return error.message;
    return "The loyalty platform could not be reached";
}

function listOf(text) {
    return (text || "")
        .split(",")
        .map((value) => value.trim())
        .filter((value) => value.length > 0)
        .map((value) => ({ label: value, value }));
}

// A whole number in [low, high], from what an input holds (a string): "12.5", "1e3", "" are not.
function wholeNumber(raw, low, high) {
    const text = String(raw === undefined || raw === null ? "" : raw).trim();
    if (!/^[0-9]+$/.test(text)) return null;
    const value = Number(text);
    return value >= low && value <= high ? value : null;
}

export default class LoyaltyProfile extends LightningElement {
    @api recordId;
    @api searchByExternalId;
    @api pointSources = "Customer Service";
    @api pointReasons = "Late delivery,Goodwill,Service recovery,Other";
    @api noteReasons = "Duplicate User,Other,Complaint,Follow-up";
    @api activityPageSize = 5;

    loading = true;
    profile;
    notFound;
    loadError;
    busy = false;
    // {section, kind: "success" | "error", text}: the answer of the last action, shown where it was asked.
    feedback;
    editing = false;
    draft = {};
    extending;
    award = {};
    awardErrors = {};
    note = {};
    noteError;
    reward = { quantity: "1" };
    rewardError;
    activity;
    activityPage = 1;
    activityError;

    connectedCallback() {
        this.load();
    }

    async load() {
        this.loading = true;
        this.loadError = undefined;
        try {
            const answer = JSON.parse(await getProfile({ recordId: this.recordId, searchByExternalId: this.byExternalId }));
            this.profile = answer.found ? answer.profile : undefined;
            this.notFound = answer.found ? undefined : { key: answer.key, ...answer.customer };
            if (answer.found) await this.loadActivity(1);
        } catch (error) {
            this.loadError = errorText(error);
        } finally {
            this.loading = false;
        }
    }

    async loadActivity(page) {
        try {
            this.activity = JSON.parse(
                await getActivity({
                    recordId: this.recordId,
                    searchByExternalId: this.byExternalId,
                    page,
                    pageSize: Number(this.activityPageSize) || 5
                })
            );
            this.activityPage = page;
            this.activityError = undefined;
        } catch (error) {
            this.activityError = errorText(error);
        }
    }

    // App Builder gives the property as set; unset means the connector's default (on).
    get byExternalId() {
        return this.searchByExternalId !== false && this.searchByExternalId !== "false";
    }

    // -- what the template shows ---------------------------------------------------------------
    // The profile stays on screen while it is read again after an action (the spinner over it).
    get ready() {
        return !!this.profile;
    }

    get fullName() {
        return [this.profile.first_name, this.profile.last_name].filter(Boolean).join(" ");
    }

    get addressLine() {
        const address = this.profile.address || {};
        return ADDRESS_FIELDS.map((field) => address[field]).filter(Boolean).join(", ");
    }

    get tierLabel() {
        return this.profile.tier || "No tier";
    }

    get memberStatus() {
        return this.profile.member_status || "Unknown";
    }

    get pointAccounts() {
        return this.profile.point_accounts || [];
    }

    get offerGroups() {
        const offers = this.profile.offers || {};
        return Object.keys(STATE_LABELS).map((state) => {
            const items = (offers[state] || []).map((offer) => ({
                ...offer,
                key: `${state}-${offer.id}`,
                actions: OFFER_ACTIONS[state].map((action) => ({
                    name: action,
                    label: ACTION_LABELS[action],
                    key: `${state}-${offer.id}-${action}`
                }))
            }));
            return { state, label: `${STATE_LABELS[state]} (${items.length})`, offers: items, empty: items.length === 0 };
        });
    }

    get pointAccountOptions() {
        return this.pointAccounts.map((account) => ({ label: account.name, value: account.name }));
    }

    get pointSourceOptions() {
        return listOf(this.pointSources);
    }

    get pointReasonOptions() {
        return listOf(this.pointReasons);
    }

    get noteReasonOptions() {
        return listOf(this.noteReasons);
    }

    get activities() {
        return (this.activity && this.activity.activities) || [];
    }

    get activityTitle() {
        return `Activity Timeline (${this.activity ? this.activity.total : 0})`;
    }

    get activityRange() {
        if (!this.activity || this.activity.total === 0) return "0 of 0";
        const first = (this.activity.page - 1) * this.activity.page_size + 1;
        const last = Math.min(first + this.activities.length - 1, this.activity.total);
        return `${first}-${last} of ${this.activity.total}`;
    }

    get noPreviousPage() {
        return this.activityPage <= 1;
    }

    get noNextPage() {
        return !this.activity || this.activityPage >= this.activity.pages;
    }

    get profileFeedback() {
        return this.feedbackOf("profile");
    }

    get offersFeedback() {
        return this.feedbackOf("offers");
    }

    get rewardFeedback() {
        return this.feedbackOf("reward");
    }

    get pointsFeedback() {
        return this.feedbackOf("points");
    }

    get notesFeedback() {
        return this.feedbackOf("notes");
    }

    get enrolFeedback() {
        return this.feedbackOf("enrol");
    }

    feedbackOf(section) {
        if (!this.feedback || this.feedback.section !== section) return undefined;
        const error = this.feedback.kind === "error";
        return {
            text: this.feedback.text,
            className: error ? "feedback slds-text-color_error" : "feedback slds-text-color_success",
            role: error ? "alert" : "status"
        };
    }

    // -- actions -------------------------------------------------------------------------------
    // One action at a time: the answer is shown in `section`, then the profile is read again.
    async act(section, eventType, payload, success) {
        this.busy = true;
        this.feedback = undefined;
        try {
            await applyAction({
                recordId: this.recordId,
                searchByExternalId: this.byExternalId,
                eventType,
                payload: JSON.stringify(payload)
            });
            await this.load();
            this.feedback = { section, kind: "success", text: success };
            return true;
        } catch (error) {
            this.feedback = { section, kind: "error", text: errorText(error) };
            return false;
        } finally {
            this.busy = false;
        }
    }

    handleOfferAction(event) {
        const { action, offerId, offerName } = event.currentTarget.dataset;
        if (action === "extend") {
            const offer = this.findUserOffer(offerId);
            this.extending = {
                id: offerId,
                name: offerName,
                start: offer && offer.redemption_start,
                end: offer && offer.redemption_end,
                error: undefined
            };
            return undefined;
        }
        if (action === "issue") {
            return this.act("offers", "offer.issue", { offer_id: offerId }, `${offerName}: issued`);
        }
        return this.act("offers", `offer.${action}`, { user_offer_id: offerId }, `${offerName}: ${ACTION_LABELS[action].toLowerCase()} done`);
    }

    findUserOffer(id) {
        const offers = this.profile.offers || {};
        return [...(offers.issued || []), ...(offers.expired || [])].find((offer) => offer.id === id);
    }

    handleExtendChange(event) {
        this.extending = { ...this.extending, [event.target.name]: event.target.value };
    }

    handleExtendCancel() {
        this.extending = undefined;
    }

    async handleExtendSave() {
        const { id, name, start, end } = this.extending;
        // The connector refuses these too (422 at data.redemption_end); said here before any call.
        if (!start || !end) {
            this.extending = { ...this.extending, error: "Both redemption dates are required" };
            return;
        }
        if (new Date(end) <= new Date(start)) {
            this.extending = { ...this.extending, error: "The redemption end must be after its start" };
            return;
        }
        const done = await this.act(
            "offers",
            "offer.extend",
            { user_offer_id: id, redemption_start: new Date(start).toISOString(), redemption_end: new Date(end).toISOString() },
            `${name}: redemption dates changed`
        );
        if (done) this.extending = undefined;
    }

    // -- reward store ----------------------------------------------------------------------------
    handleRewardChange(event) {
        this.reward = { ...this.reward, [event.target.name]: event.target.value };
    }

    async handleRewardPurchase() {
        const offerId = (this.reward.offerId || "").trim();
        const quantity = wholeNumber(this.reward.quantity, 1, MAX_QUANTITY);
        if (!offerId) {
            this.rewardError = "Name the reward to purchase";
            return;
        }
        if (quantity === null) {
            this.rewardError = `The quantity is a whole number from 1 to ${MAX_QUANTITY}`;
            return;
        }
        this.rewardError = undefined;
        const done = await this.act("reward", "reward.purchase", { offer_id: offerId, quantity }, `Reward ${offerId} purchased`);
        if (done) this.reward = { quantity: "1" };
    }

    // -- points ------------------------------------------------------------------------------------
    handleAwardChange(event) {
        this.award = { ...this.award, [event.target.name]: event.target.value };
    }

    async handleAward() {
        const errors = {};
        const points = wholeNumber(this.award.points, 1, MAX_POINTS);
        if (points === null) errors.points = `Points are a whole number from 1 to ${MAX_POINTS.toLocaleString("en-US")}`;
        if (!this.award.point_account) errors.point_account = "Choose a point account";
        if (!this.award.point_source) errors.point_source = "Choose a point source";
        if (!this.award.reason) errors.reason = "Choose a reason";
        this.awardErrors = errors;
        if (Object.keys(errors).length > 0) return;
        const done = await this.act(
            "points",
            "points.award",
            { points, point_account: this.award.point_account, point_source: this.award.point_source, reason: this.award.reason },
            `${points} points awarded`
        );
        if (done) this.award = {};
    }

    // -- notes -----------------------------------------------------------------------------------
    handleNoteChange(event) {
        this.note = { ...this.note, [event.target.name]: event.target.value };
    }

    async handleNoteSubmit() {
        const text = (this.note.text || "").trim();
        if (!this.note.reason) {
            this.noteError = "Choose a reason";
            return;
        }
        if (!text || text.length > MAX_NOTE) {
            this.noteError = `A note is 1 to ${MAX_NOTE} characters`;
            return;
        }
        this.noteError = undefined;
        const done = await this.act("notes", "note.add", { reason: this.note.reason, text }, "Note added");
        if (done) this.note = {};
    }

    // -- demographics ------------------------------------------------------------------------------
    handleEdit() {
        const address = this.profile.address || {};
        this.draft = Object.fromEntries(
            EDITABLE.map((field) => [field, ADDRESS_FIELDS.includes(field) ? address[field] : this.profile[field]])
        );
        this.draft.opted_in = !!this.profile.opted_in;
        this.editing = true;
    }

    handleDraftChange(event) {
        const { name, type, checked, value } = event.target;
        this.draft = { ...this.draft, [name]: type === "checkbox" ? checked : value };
    }

    handleEditCancel() {
        this.editing = false;
    }

    async handleEditSave() {
        const address = this.profile.address || {};
        const changes = {};
        for (const field of [...EDITABLE, "opted_in"]) {
            const before = ADDRESS_FIELDS.includes(field) ? address[field] : this.profile[field];
            const after = this.draft[field] === "" ? null : this.draft[field];
            if ((before === undefined ? null : before) !== (after === undefined ? null : after)) changes[field] = after;
        }
        if (Object.keys(changes).length === 0) {
            this.editing = false;
            return;
        }
        const done = await this.act("profile", "customer.update", { changes }, "Profile saved");
        if (done) this.editing = false;
    }

    // The reference's "Sync from SM": the platform's values into this record's mapped fields.
    async handleSyncFromLoyalty() {
        this.busy = true;
        this.feedback = undefined;
        try {
            const answer = JSON.parse(await syncFromLoyalty({ recordId: this.recordId }));
            const record = answer.salesforce_record || {};
            const fields = record.fields || [];
            this.feedback = {
                section: "profile",
                kind: "success",
                text: fields.length > 0 ? `Record updated from loyalty: ${fields.join(", ")}` : "The record already matches the loyalty profile"
            };
        } catch (error) {
            this.feedback = { section: "profile", kind: "error", text: errorText(error) };
        } finally {
            this.busy = false;
        }
    }

    // -- enrolment and the timeline ------------------------------------------------------------------
    async handleEnroll() {
        this.busy = true;
        this.feedback = undefined;
        try {
            await enroll({ recordId: this.recordId });
            await this.load();
            this.feedback = { section: "profile", kind: "success", text: "Enrolled in the loyalty program" };
        } catch (error) {
            this.feedback = { section: "enrol", kind: "error", text: errorText(error) };
        } finally {
            this.busy = false;
        }
    }

    handlePreviousPage() {
        return this.loadActivity(this.activityPage - 1);
    }

    handleNextPage() {
        return this.loadActivity(this.activityPage + 1);
    }
}
