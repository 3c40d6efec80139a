/*
 * The loyalty profile component, rendered by jsdom with its Apex calls mocked. The profile and
 * activity answers are recorded from the connector over the loyalty emulator (data/*.json: the
 * integration tests' customer with one offer in each state, after a points award and a note), so
 * the component is tested against what the connector really answers.
 */
import { createElement } from "lwc";
import LoyaltyProfile, { OFFER_ACTIONS } from "c/loyaltyProfile";
import getProfile from "@salesforce/apex/LoyaltyProfileController.getProfile";
import getActivity from "@salesforce/apex/LoyaltyProfileController.getActivity";
import applyAction from "@salesforce/apex/LoyaltyProfileController.applyAction";
import enroll from "@salesforce/apex/LoyaltyProfileController.enroll";
import syncFromLoyalty from "@salesforce/apex/LoyaltyProfileController.syncFromLoyalty";

const PROFILE = require("./data/profile.json");
const ACTIVITY_PAGE_1 = require("./data/activity-page1.json");
const ACTIVITY_PAGE_2 = require("./data/activity-page2.json");
const REDEEM_REVOKED = require("./data/redeem-revoked-409.json");
const NOT_FOUND = require("./data/profile-404.json");

jest.mock("@salesforce/apex/LoyaltyProfileController.getProfile", () => ({ default: jest.fn() }), { virtual: true });
jest.mock("@salesforce/apex/LoyaltyProfileController.getActivity", () => ({ default: jest.fn() }), { virtual: true });
jest.mock("@salesforce/apex/LoyaltyProfileController.applyAction", () => ({ default: jest.fn() }), { virtual: true });
jest.mock("@salesforce/apex/LoyaltyProfileController.enroll", () => ({ default: jest.fn() }), { virtual: true });
jest.mock("@salesforce/apex/LoyaltyProfileController.syncFromLoyalty", () => ({ default: jest.fn() }), { virtual: true });

const RECORD_ID = "003000000000002AAA";

// What LoyaltyProfileController answers: JSON text; a refusal is an AuraHandledException, which
// reaches the component as {body: {message}} with the platform's message (ConnectorException).
function found(profile = PROFILE) {
    return JSON.stringify({ found: true, key: "ACC_EXT_1", profile });
}
function refusal(recorded) {
    const text = recorded.body.errors.map((error) => `${error.loc.join(".")}: ${error.msg}`).join("; ");
    return { body: { message: text }, status: 500 };
}

// Every pending promise (Apex answers, the re-read after an action) settles, then the DOM re-renders.
function flush() {
    return new Promise((resolve) => setTimeout(resolve, 0));
}

async function render(properties = {}) {
    const element = createElement("c-loyalty-profile", { is: LoyaltyProfile });
    Object.assign(element, { recordId: RECORD_ID, ...properties });
    document.body.appendChild(element);
    await flush();
    return element;
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

function change(input, name, value) {
    input.name = name;
    input.value = value;
    input.dispatchEvent(new CustomEvent("change"));
}

function offerButtons(element, state) {
    const group = $(element, `.offer-group[data-state="${state}"]`);
    return [...group.querySelectorAll(".offer")].map((offer) => ({
        id: offer.dataset.offerId,
        actions: [...offer.querySelectorAll(".offer-action")].map((button) => button.dataset.action)
    }));
}

beforeEach(() => {
    getProfile.mockResolvedValue(found());
    getActivity.mockResolvedValue(JSON.stringify(ACTIVITY_PAGE_1));
    applyAction.mockResolvedValue(JSON.stringify({ status: "applied" }));
});

afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    jest.clearAllMocks();
});

describe("the profile", () => {
    it("renders the recorded profile answer: demographics, status, tier, lifetime value, point accounts", async () => {
        // given the connector's recorded profile of ACC_EXT_1
        // when the component loads on the Contact page
        const element = await render();
        // then it shows the customer as the platform knows them
        expect(getProfile).toHaveBeenCalledWith({ recordId: RECORD_ID, searchByExternalId: true });
        expect($(element, ".full-name").textContent).toBe("Sabina Rossi");
        expect($(element, ".email").textContent).toBe("sabina@example.com");
        expect($(element, ".external-id").textContent).toBe("ACC_EXT_1");
        expect($(element, ".member-status").textContent).toBe("good");
        expect($(element, ".tier").textContent).toBe("No tier");
        expect($(element, ".lifetime-value").textContent).toBe("1450");
        expect($(element, ".available-points").textContent).toBe("1450");
        expect($(element, ".opted-in").checked).toBe(false);
        expect($(element, ".suspended").checked).toBe(false);
        const accounts = $$(element, ".point-account").map((row) => row.textContent);
        expect(accounts).toEqual(["Point Account14501450"]);
    });

    it("groups the offers by state, each with its count", async () => {
        // given the recorded profile (two issued, two available, one of each other state)
        const element = await render();
        // then one group per state, as the reference's offer tabs
        const labels = $$(element, ".offer-group h3").map((h) => h.textContent);
        expect(labels).toEqual(["Issued (2)", "Available (2)", "Redeemed (1)", "Expired (1)", "Revoked (1)"]);
        expect(offerButtons(element, "issued").map((offer) => offer.id)).toEqual(["uo-issued", "uo-later"]);
    });

    it("shows the address and tier when the platform has them", async () => {
        // given a profile with a tier and an address
        const profile = { ...PROFILE, tier: "Gold", address: { address: "1 Main St", city: "Lyon", state: null, zip: "69001", country: "FR" } };
        getProfile.mockResolvedValue(found(profile));
        const element = await render();
        // then both are shown
        expect($(element, ".tier").textContent).toBe("Gold");
        expect($(element, ".address").textContent).toBe("1 Main St, Lyon, 69001, FR");
    });

    it("searches by email when the page says Search by External ID is off", async () => {
        // given the page's setting off
        await render({ searchByExternalId: false });
        // then the controller is asked to search by email
        expect(getProfile).toHaveBeenCalledWith({ recordId: RECORD_ID, searchByExternalId: false });
    });

    it("shows the platform's message when the profile cannot be read", async () => {
        // given the connector unavailable
        getProfile.mockRejectedValue({ body: { message: "the loyalty platform is unavailable, retry later" } });
        const element = await render();
        // then the message, and no profile
        expect($(element, ".load-error").textContent).toBe("the loyalty platform is unavailable, retry later");
        expect($(element, ".demographics")).toBeNull();
    });
});

describe("offers", () => {
    // The reference's offer tabs ("Offer information"; "Revoke or Redeem", "Extend an Offer"): Available
    // -> Issue; Issued -> Redeem, Revoke, Edit Duration; Redeemed -> back to Issued; Expired -> Edit
    // Duration, Reissue; Revoked -> nothing. Stated here, not read from the component.
    const ALLOWED = {
        available: ["issue"],
        issued: ["redeem", "revoke", "extend"],
        redeemed: ["unredeem"],
        expired: ["extend", "reissue"],
        revoked: []
    };

    it.each(Object.entries(ALLOWED))("an offer %s shows exactly the actions %p", async (state, allowed) => {
        // given the recorded profile, with offers in every state
        const element = await render();
        // then every offer of the state offers exactly its state's actions
        const offers = offerButtons(element, state);
        expect(offers.length).toBeGreaterThan(0);
        for (const offer of offers) expect(offer.actions).toEqual(allowed);
    });

    it("labels the actions as the reference's menus do", async () => {
        // given the recorded profile
        const element = await render();
        // then the issued offer's menu reads Redeem, Revoke, Edit Duration
        const labels = [...$(element, '.offer[data-offer-id="uo-issued"]').querySelectorAll(".offer-action")].map((b) => b.label);
        expect(labels).toEqual(["Redeem", "Revoke", "Edit Duration"]);
        expect(Object.keys(OFFER_ACTIONS).sort()).toEqual(Object.keys(ALLOWED).sort());
    });

    it("issues an available offer by its catalog id, then reads the profile again", async () => {
        // given the profile
        const element = await render();
        // when the agent issues the $5 offer
        $(element, '.offer-group[data-state="available"] .offer-action[data-action="issue"]').click();
        await flush();
        // then offer.issue with the catalog offer, a success in place, the profile read again
        expect(applyAction).toHaveBeenCalledWith({
            recordId: RECORD_ID,
            searchByExternalId: true,
            eventType: "offer.issue",
            payload: JSON.stringify({ offer_id: "offer-5-off-check" })
        });
        expect(getProfile).toHaveBeenCalledTimes(2);
        expect($(element, ".offers .feedback").textContent).toBe("$5 off your next check: issued");
    });

    it("redeems an issued offer by its user offer id", async () => {
        // given the profile
        const element = await render();
        // when the agent redeems the issued offer
        $(element, '.offer[data-offer-id="uo-issued"] .offer-action[data-action="redeem"]').click();
        await flush();
        // then offer.redeem names the user offer
        expect(applyAction.mock.calls[0][0].eventType).toBe("offer.redeem");
        expect(JSON.parse(applyAction.mock.calls[0][0].payload)).toEqual({ user_offer_id: "uo-issued" });
    });

    it("shows the platform's message in place when it refuses an action", async () => {
        // given the platform refusing (the recorded 409 of redeeming a revoked offer)
        applyAction.mockRejectedValue(refusal(REDEEM_REVOKED));
        const element = await render();
        // when the agent un-redeems the redeemed offer
        $(element, '.offer[data-offer-id="uo-redeemed"] .offer-action[data-action="unredeem"]').click();
        await flush();
        // then the platform's words, as an alert in the offers section, the profile unchanged
        const feedback = $(element, ".offers .feedback");
        expect(feedback.textContent).toBe("data: the user offer is revoked");
        expect(feedback.getAttribute("role")).toBe("alert");
        expect(getProfile).toHaveBeenCalledTimes(1);
    });

    it("changes an issued offer's redemption dates through the extend form", async () => {
        // given the profile
        const element = await render();
        // when the agent edits the duration and saves new dates
        $(element, '.offer[data-offer-id="uo-issued"] .offer-action[data-action="extend"]').click();
        await flush();
        change($(element, ".extend-start"), "start", "2026-12-01T00:00:00.000Z");
        change($(element, ".extend-end"), "end", "2027-06-30T23:59:00.000Z");
        await flush();
        $(element, ".extend-save").click();
        await flush();
        // then offer.extend with both dates in UTC, and the form closes
        expect(applyAction.mock.calls[0][0].eventType).toBe("offer.extend");
        expect(JSON.parse(applyAction.mock.calls[0][0].payload)).toEqual({
            user_offer_id: "uo-issued",
            redemption_start: "2026-12-01T00:00:00.000Z",
            redemption_end: "2027-06-30T23:59:00.000Z"
        });
        expect($(element, ".extend-form")).toBeNull();
    });

    it("refuses an end before the start without calling the platform", async () => {
        // given the extend form of the expired offer
        const element = await render();
        $(element, '.offer[data-offer-id="uo-expired"] .offer-action[data-action="extend"]').click();
        await flush();
        // when the end is set before the start
        change($(element, ".extend-start"), "start", "2027-01-10T00:00:00.000Z");
        change($(element, ".extend-end"), "end", "2027-01-01T00:00:00.000Z");
        await flush();
        $(element, ".extend-save").click();
        await flush();
        // then the form says so and nothing is sent
        expect($(element, ".extend-error").textContent).toBe("The redemption end must be after its start");
        expect(applyAction).not.toHaveBeenCalled();
        $(element, ".extend-cancel").click();
        await flush();
        expect($(element, ".extend-form")).toBeNull();
    });

    it("asks for both dates", async () => {
        // given the extend form with the end cleared
        const element = await render();
        $(element, '.offer[data-offer-id="uo-issued"] .offer-action[data-action="extend"]').click();
        await flush();
        change($(element, ".extend-end"), "end", "");
        await flush();
        $(element, ".extend-save").click();
        await flush();
        // then nothing is sent
        expect($(element, ".extend-error").textContent).toBe("Both redemption dates are required");
        expect(applyAction).not.toHaveBeenCalled();
    });
});

describe("award points", () => {
    async function fillAward(element, { points, account, source, reason }) {
        if (points !== undefined) change($(element, ".award-points"), "points", points);
        if (account !== undefined) change($(element, ".award-account"), "point_account", account);
        if (source !== undefined) change($(element, ".award-source"), "point_source", source);
        if (reason !== undefined) change($(element, ".award-reason"), "reason", reason);
        await flush();
        $(element, ".award-button").click();
        await flush();
    }

    it("offers the profile's point accounts and the page's sources and reasons", async () => {
        // given the page's lists
        const element = await render({ pointReasons: "Goodwill, Other" });
        // then the choices
        expect($(element, ".award-account").options).toEqual([{ label: "Point Account", value: "Point Account" }]);
        expect($(element, ".award-source").options).toEqual([{ label: "Customer Service", value: "Customer Service" }]);
        expect($(element, ".award-reason").options.map((o) => o.value)).toEqual(["Goodwill", "Other"]);
    });

    it("awards whole points with account, source and reason", async () => {
        // given the profile
        const element = await render();
        // when 250 points are awarded for a late delivery
        await fillAward(element, { points: "250", account: "Point Account", source: "Customer Service", reason: "Late delivery" });
        // then points.award as the connector takes it, and the answer in place
        expect(applyAction.mock.calls[0][0].eventType).toBe("points.award");
        expect(JSON.parse(applyAction.mock.calls[0][0].payload)).toEqual({
            points: 250,
            point_account: "Point Account",
            point_source: "Customer Service",
            reason: "Late delivery"
        });
        expect($(element, ".points .feedback").textContent).toBe("250 points awarded");
    });

    it.each([["0"], ["-5"], ["12.5"], ["1e3"], ["abc"], [""], ["1000001"]])(
        "refuses %p points without calling the platform",
        async (points) => {
            // given the profile
            const element = await render();
            // when the points are not a whole number from 1 to 1,000,000
            await fillAward(element, { points, account: "Point Account", source: "Customer Service", reason: "Goodwill" });
            // then the field says so and nothing is sent
            expect($(element, ".award-error-points").textContent).toBe("Points are a whole number from 1 to 1,000,000");
            expect(applyAction).not.toHaveBeenCalled();
        }
    );

    it("asks for the account, the source and the reason", async () => {
        // given the profile
        const element = await render();
        // when only the points are given
        await fillAward(element, { points: "10" });
        // then each missing choice is named, nothing sent
        expect($(element, ".award-error-account").textContent).toBe("Choose a point account");
        expect($(element, ".award-error-source").textContent).toBe("Choose a point source");
        expect($(element, ".award-error-reason").textContent).toBe("Choose a reason");
        expect($(element, ".award-error-points")).toBeNull();
        expect(applyAction).not.toHaveBeenCalled();
    });

    it("shows the platform's refusal of an award", async () => {
        // given the connector refusing the reason (not in its configuration)
        applyAction.mockRejectedValue({ body: { message: "data.reason: not a configured point reason" } });
        const element = await render();
        // when points are awarded
        await fillAward(element, { points: "10", account: "Point Account", source: "Customer Service", reason: "Other" });
        // then the refusal in the points section
        expect($(element, ".points .feedback").textContent).toBe("data.reason: not a configured point reason");
    });
});

describe("enrolment", () => {
    beforeEach(() => {
        getProfile.mockResolvedValue(
            JSON.stringify({ found: false, key: "001J000002XWxUmIAL", customer: { email: "ash.sm@example.com", externalId: null } })
        );
    });

    it("offers to enrol a customer the platform does not know", async () => {
        // given the connector's 404 for the record's key (data/profile-404.json)
        expect(NOT_FOUND.status).toBe(404);
        const element = await render();
        // then the reference's enrolment prompt with the key and the email, and no profile
        expect($(element, ".enrol-key").textContent).toBe("External Id : 001J000002XWxUmIAL");
        expect($(element, ".enrol-email").textContent).toBe("Email : ash.sm@example.com");
        expect($(element, ".enrol-button").label).toBe("Enroll");
        expect($(element, ".demographics")).toBeNull();
        expect(getActivity).not.toHaveBeenCalled();
    });

    it("enrols, then shows the new profile", async () => {
        // given the prompt, and the platform enrolling the customer
        const element = await render();
        enroll.mockResolvedValue(JSON.stringify({ status: "applied", enrolled: true }));
        getProfile.mockResolvedValue(found());
        // when the agent clicks Enroll
        $(element, ".enrol-button").click();
        await flush();
        // then the profile is shown with the success
        expect(enroll).toHaveBeenCalledWith({ recordId: RECORD_ID });
        expect($(element, ".enrol")).toBeNull();
        expect($(element, ".demographics .feedback").textContent).toBe("Enrolled in the loyalty program");
    });

    it("shows why an enrolment was refused", async () => {
        // given the platform refusing (already a member under another key)
        const element = await render();
        enroll.mockRejectedValue({ body: { message: "data.customer: already a member (customer_id user-9)" } });
        // when the agent clicks Enroll
        $(element, ".enrol-button").click();
        await flush();
        // then the message beside the button
        expect($(element, ".enrol .feedback").textContent).toBe("data.customer: already a member (customer_id user-9)");
    });
});

describe("demographics edit", () => {
    it("sends only the fields the agent changed", async () => {
        // given the profile in edit mode
        const element = await render();
        $(element, ".edit-button").click();
        await flush();
        // when the first name and opt-in change
        change($(element, ".edit-first-name"), "first_name", "Sabrina");
        const optIn = $(element, ".edit-opted-in");
        optIn.name = "opted_in";
        optIn.type = "checkbox";
        optIn.checked = true;
        optIn.dispatchEvent(new CustomEvent("change"));
        await flush();
        $(element, ".edit-save").click();
        await flush();
        // then customer.update with those two changes only, and the form closes
        expect(applyAction.mock.calls[0][0].eventType).toBe("customer.update");
        expect(JSON.parse(applyAction.mock.calls[0][0].payload)).toEqual({ changes: { first_name: "Sabrina", opted_in: true } });
        expect($(element, ".edit-save")).toBeNull();
        expect($(element, ".demographics .feedback").textContent).toBe("Profile saved");
    });

    it("sends nothing when nothing changed", async () => {
        // given the profile in edit mode
        const element = await render();
        $(element, ".edit-button").click();
        await flush();
        // when saved unchanged
        $(element, ".edit-save").click();
        await flush();
        // then no call, the form closed
        expect(applyAction).not.toHaveBeenCalled();
        expect($(element, ".edit-save")).toBeNull();
    });

    it("keeps the form open with the platform's message when the edit is refused", async () => {
        // given the connector refusing a field its configuration does not allow
        applyAction.mockRejectedValue({ body: { message: "data.changes.gender: not an editable field" } });
        const element = await render();
        $(element, ".edit-button").click();
        await flush();
        change($(element, ".edit-last-name"), "last_name", "Bianchi");
        await flush();
        // when saved
        $(element, ".edit-save").click();
        await flush();
        // then the message, the form still open
        expect($(element, ".demographics .feedback").textContent).toBe("data.changes.gender: not an editable field");
        expect($(element, ".edit-save")).not.toBeNull();
        $(element, ".edit-cancel").click();
        await flush();
        expect($(element, ".edit-save")).toBeNull();
    });
});

describe("sync from loyalty", () => {
    it("names the record's fields the platform's values were written into", async () => {
        // given the connector writing two fields
        syncFromLoyalty.mockResolvedValue(
            JSON.stringify({ status: "applied", direction: "from_loyalty", salesforce_record: { status: "updated", fields: ["FirstName", "Birthdate"] } })
        );
        const element = await render();
        // when the agent presses Sync from SM
        $(element, ".sync-button").click();
        await flush();
        // then the fields written, in the profile section
        expect(syncFromLoyalty).toHaveBeenCalledWith({ recordId: RECORD_ID });
        expect($(element, ".demographics .feedback").textContent).toBe("Record updated from loyalty: FirstName, Birthdate");
    });

    it("says when the record already matches", async () => {
        // given nothing to write
        syncFromLoyalty.mockResolvedValue(JSON.stringify({ status: "applied", salesforce_record: { status: "unchanged", fields: [] } }));
        const element = await render();
        // when Sync from SM
        $(element, ".sync-button").click();
        await flush();
        // then so
        expect($(element, ".demographics .feedback").textContent).toBe("The record already matches the loyalty profile");
    });

    it("shows the platform's refusal", async () => {
        // given the connector refusing (the page's object is not the Parent Object setting)
        syncFromLoyalty.mockRejectedValue({ body: { message: "data.salesforce_object: the Parent Object is Account" } });
        const element = await render();
        // when Sync from SM
        $(element, ".sync-button").click();
        await flush();
        // then the message as an alert
        const feedback = $(element, ".demographics .feedback");
        expect(feedback.textContent).toBe("data.salesforce_object: the Parent Object is Account");
        expect(feedback.getAttribute("role")).toBe("alert");
    });
});

describe("reward store and notes", () => {
    it("purchases a reward by its id and quantity", async () => {
        // given the profile
        const element = await render();
        // when the travel mug is bought
        change($(element, ".reward-offer"), "offerId", "reward-travel-mug");
        change($(element, ".reward-quantity"), "quantity", "2");
        await flush();
        $(element, ".reward-button").click();
        await flush();
        // then reward.purchase
        expect(applyAction.mock.calls[0][0].eventType).toBe("reward.purchase");
        expect(JSON.parse(applyAction.mock.calls[0][0].payload)).toEqual({ offer_id: "reward-travel-mug", quantity: 2 });
        expect($(element, ".reward .feedback").textContent).toBe("Reward reward-travel-mug purchased");
    });

    it("names a missing reward or a bad quantity before any call", async () => {
        // given the profile
        const element = await render();
        // when nothing is named
        $(element, ".reward-button").click();
        await flush();
        expect($(element, ".reward-error").textContent).toBe("Name the reward to purchase");
        // when the quantity is not a whole number
        change($(element, ".reward-offer"), "offerId", "reward-travel-mug");
        change($(element, ".reward-quantity"), "quantity", "0");
        await flush();
        $(element, ".reward-button").click();
        await flush();
        // then said, nothing sent
        expect($(element, ".reward-error").textContent).toBe("The quantity is a whole number from 1 to 100");
        expect(applyAction).not.toHaveBeenCalled();
    });

    it("shows the platform's refusal of a purchase the balance cannot pay", async () => {
        // given the connector's 409 for a short balance (connector.clients.loyalty: INSUFFICIENT_POINTS)
        applyAction.mockRejectedValue({ body: { message: "data: the customer's point balance is too low" } });
        const element = await render();
        // when the reward is bought
        change($(element, ".reward-offer"), "offerId", "reward-travel-mug");
        await flush();
        $(element, ".reward-button").click();
        await flush();
        // then the refusal in the reward section, the form kept
        expect($(element, ".reward .feedback").textContent).toBe("data: the customer's point balance is too low");
        expect($(element, ".reward-offer").value).toBe("reward-travel-mug");
    });

    it("adds a note with its reason", async () => {
        // given the profile
        const element = await render();
        // when a note is written
        change($(element, ".note-reason"), "reason", "Duplicate User");
        change($(element, ".note-text"), "text", "We have this user already, please merge");
        await flush();
        $(element, ".note-button").click();
        await flush();
        // then note.add
        expect(applyAction.mock.calls[0][0].eventType).toBe("note.add");
        expect(JSON.parse(applyAction.mock.calls[0][0].payload)).toEqual({
            reason: "Duplicate User",
            text: "We have this user already, please merge"
        });
        expect($(element, ".notes .feedback").textContent).toBe("Note added");
    });

    it("shows the platform's refusal of a note", async () => {
        // given the connector refusing a reason its configuration lacks
        applyAction.mockRejectedValue({ body: { message: "data.reason: not a configured note reason" } });
        const element = await render({ noteReasons: "Escalation" });
        // when the note is submitted
        change($(element, ".note-reason"), "reason", "Escalation");
        change($(element, ".note-text"), "text", "Called twice");
        await flush();
        $(element, ".note-button").click();
        await flush();
        // then the refusal in the notes section
        expect($(element, ".notes .feedback").textContent).toBe("data.reason: not a configured note reason");
    });

    it("asks for a reason and a text", async () => {
        // given the profile
        const element = await render();
        // when submitted empty, then with a reason only
        $(element, ".note-button").click();
        await flush();
        expect($(element, ".note-error").textContent).toBe("Choose a reason");
        change($(element, ".note-reason"), "reason", "Other");
        await flush();
        $(element, ".note-button").click();
        await flush();
        // then each missing part is named, nothing sent
        expect($(element, ".note-error").textContent).toBe("A note is 1 to 2000 characters");
        expect(applyAction).not.toHaveBeenCalled();
    });
});

describe("activity timeline", () => {
    it("shows the newest entries first with the range and total", async () => {
        // given the recorded first page of 2 (of 3 entries)
        const element = await render({ activityPageSize: 2 });
        // then the page's entries, newest first, and the paging state
        expect(getActivity).toHaveBeenCalledWith({ recordId: RECORD_ID, searchByExternalId: true, page: 1, pageSize: 2 });
        expect($(element, ".activity-title").textContent).toBe("Activity Timeline (3)");
        expect($$(element, ".activity-type").map((t) => t.textContent)).toEqual(["NOTE_ADDED", "INCENTIVES_POINT_DEPOSIT"]);
        expect($(element, ".activity-range").textContent).toBe("1-2 of 3");
        expect($(element, ".activity-previous").disabled).toBe(true);
        expect($(element, ".activity-next").disabled).toBe(false);
    });

    it("pages forward and back", async () => {
        // given the first page
        const element = await render({ activityPageSize: 2 });
        getActivity.mockResolvedValue(JSON.stringify(ACTIVITY_PAGE_2));
        // when Next
        $(element, ".activity-next").click();
        await flush();
        // then page 2 holds the oldest entry
        expect(getActivity).toHaveBeenLastCalledWith({ recordId: RECORD_ID, searchByExternalId: true, page: 2, pageSize: 2 });
        expect($$(element, ".activity-type").map((t) => t.textContent)).toEqual(["USER_CREATED"]);
        expect($(element, ".activity-range").textContent).toBe("3-3 of 3");
        expect($(element, ".activity-next").disabled).toBe(true);
        // when Previous
        getActivity.mockResolvedValue(JSON.stringify(ACTIVITY_PAGE_1));
        $(element, ".activity-previous").click();
        await flush();
        expect(getActivity).toHaveBeenLastCalledWith({ recordId: RECORD_ID, searchByExternalId: true, page: 1, pageSize: 2 });
    });

    it("says when the timeline cannot be read, the profile still shown", async () => {
        // given the activity read failing
        getActivity.mockRejectedValue({ body: { message: "the loyalty platform is unavailable, retry later" } });
        const element = await render();
        // then the message in the timeline, an empty range
        expect($(element, ".activity-error").textContent).toBe("the loyalty platform is unavailable, retry later");
        expect($(element, ".activity-range").textContent).toBe("0 of 0");
        expect($(element, ".full-name").textContent).toBe("Sabina Rossi");
    });
});
