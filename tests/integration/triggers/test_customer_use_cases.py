"""Commerce use cases A, B and C (README "Commerce to Service Cloud") through the registration
function: registrations, profile updates, minimal bodies completed from OCAPI, opt-ins, guest to
registered conversion, person accounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from trigger_events import event_body, now_iso


def updated(customer_no: str = "00001001", occurred_at: str | None = None, **customer: Any) -> dict[str, Any]:
    body = event_body("customer.updated", occurred_at=occurred_at)
    body["data"]["customer"].update(customer_no=customer_no, **customer)
    return body


def ocapi_customer(customer_no: str, email: str, **fields: Any) -> dict[str, Any]:
    return {"customer_no": customer_no, "email": email, "site_id": "RefArch", "customer_list_id": "RefArchGlobal"} | (
        fields
    )


# -- use case A: registration ---------------------------------------------------------------------


def test_a_registration_makes_a_contact_under_its_customer_lists_account_in_one_call(connector: Any) -> None:
    body = event_body("customer.registered")

    status, answer = connector.registration.post(body)

    assert status == 200
    account = connector.salesforce.one("Account", Commerce_Customer_List_Id__c="RefArchGlobal")
    contact = connector.salesforce.one("Contact", Commerce_Customer_No__c="00001001")
    assert answer == {
        "status": "synced",
        "event_id": body["event_id"],
        "contact_id": contact["Id"],
        "account_id": account["Id"],
        "created": True,
    }
    assert contact["AccountId"] == account["Id"]
    assert (contact["FirstName"], contact["LastName"], contact["Email"]) == ("Jane", "Doe", "jane.doe@example.com")
    assert (contact["Customer_Type__c"], contact["Commerce_Sync_Status__c"]) == ("Registered", "Synchronized")
    assert (contact["MailingStreet"], contact["MailingCity"], contact["MailingPostalCode"]) == (
        "5 Wall St",
        "Burlington",
        "01803",
    )
    assert contact["Commerce_Site_Id__c"] == "RefArch"
    assert connector.salesforce.calls() == 1  # the Account and the Contact in one composite request


def test_a_second_customer_of_the_same_list_reuses_its_account_in_one_call(connector: Any) -> None:
    connector.registration.post(event_body("customer.registered"))
    second = event_body("customer.registered")
    second["data"]["customer"].update(customer_no="00001002", email="li.wei@example.com", first_name="Li")
    calls = connector.salesforce.calls()

    _, answer = connector.registration.post(second)

    assert connector.salesforce.calls() == calls + 1
    assert len(connector.salesforce.records("Account")) == 1
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00001002")["AccountId"] == answer["account_id"]


def test_customer_lists_pinned_in_config_use_that_account(connector: Any) -> None:
    pinned = connector.salesforce.seed({"Account": [{"Name": "Existing retail account"}]})["Account"][0]
    connector.configure({"commerce": {"customer_list_accounts": {"RefArchGlobal": pinned}}})

    _, answer = connector.registration.post(event_body("customer.registered"))

    assert answer["account_id"] == pinned
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00001001")["AccountId"] == pinned
    assert len(connector.salesforce.records("Account")) == 1


# -- use case B: profile updates ------------------------------------------------------------------


def test_a_profile_update_changes_the_contacts_fields_in_one_call(connector: Any) -> None:
    _, registered = connector.registration.post(event_body("customer.registered", occurred_at=now_iso(-60)))
    calls = connector.salesforce.calls()

    status, answer = connector.registration.post(updated(last_name="Doe-Smith", phone_mobile="+1 555 0199"))

    assert status == 200
    assert answer["contact_id"] == registered["contact_id"]
    contact = connector.salesforce.one("Contact", Commerce_Customer_No__c="00001001")
    assert (contact["LastName"], contact["MobilePhone"]) == ("Doe-Smith", "+1 555 0199")
    assert connector.salesforce.calls() == calls + 1


def test_an_update_that_changes_nothing_spends_no_salesforce_call(connector: Any) -> None:
    connector.registration.post(event_body("customer.registered", occurred_at=now_iso(-60)))
    calls = connector.salesforce.calls()
    same = updated(last_name="Doe", phone_mobile=None)

    status, answer = connector.registration.post(same)

    assert (status, answer.get("unchanged")) == (200, True)
    assert connector.salesforce.calls() == calls


def test_an_older_update_arriving_late_is_stale_and_keeps_the_newer_values(connector: Any) -> None:
    connector.registration.post(updated(occurred_at=now_iso(), last_name="Newer"))
    calls = connector.salesforce.calls()

    status, answer = connector.registration.post(updated(occurred_at=now_iso(-60), last_name="Older"))

    assert (status, answer.get("stale")) == (200, True)
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00001001")["LastName"] == "Newer"
    assert connector.salesforce.calls() == calls


def test_an_update_of_a_customer_never_registered_creates_the_contact(connector: Any) -> None:
    status, _ = connector.registration.post(updated(last_name="Doe-Smith"))

    assert status == 200
    contact = connector.salesforce.one("Contact", Commerce_Customer_No__c="00001001")
    assert (contact["LastName"], contact["Customer_Type__c"]) == ("Doe-Smith", "Registered")


# -- minimal bodies completed from OCAPI ----------------------------------------------------------


def test_a_minimal_registration_is_completed_from_ocapi(connector: Any) -> None:
    connector.storefront.seed(
        {"customers": [ocapi_customer("00001002", "li.wei@example.com", first_name="Li", last_name="Wei")]}
    )

    status, _ = connector.registration.post(event_body("customer.registered.minimal"))

    assert status == 200
    contact = connector.salesforce.one("Contact", Commerce_Customer_No__c="00001002")
    assert (contact["FirstName"], contact["LastName"], contact["Commerce_Sync_Status__c"]) == (
        "Li",
        "Wei",
        "Synchronized",
    )
    assert connector.storefront.requests_log(match="/customers/00001002")


def test_a_minimal_registration_while_ocapi_is_down_saves_a_draft_contact_then_completes_it(connector: Any) -> None:
    connector.storefront.seed(
        {"customers": [ocapi_customer("00001002", "li.wei@example.com", first_name="Li", last_name="Wei")]}
    )
    connector.storefront.fault(status=503, match="/customers/")

    status, _ = connector.registration.post(event_body("customer.registered.minimal"))

    assert status == 202
    draft = connector.salesforce.one("Contact", Commerce_Customer_No__c="00001002")
    assert (draft["Email"], draft["Commerce_Sync_Status__c"]) == ("li.wei@example.com", "Created")
    connector.storefront.clear_faults()
    assert connector.registration.drain_queue() == {"batchItemFailures": []}
    done = connector.salesforce.one("Contact", Commerce_Customer_No__c="00001002")
    assert (done["Id"], done["FirstName"], done["Commerce_Sync_Status__c"]) == (draft["Id"], "Li", "Synchronized")


def test_a_minimal_registration_of_a_customer_ocapi_does_not_show_yet_is_queued_not_refused(connector: Any) -> None:
    # given a storefront whose OCAPI replica does not show the just-registered customer yet
    status, _ = connector.registration.post(event_body("customer.registered.minimal"))

    # then the event is accepted and waits in the queue (replication lag), its draft saved
    assert status == 202
    assert connector.sync_status("customer", "00001002") == "QUEUED"
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00001002")["Commerce_Sync_Status__c"] == (
        "Created"
    )


def test_a_queued_registration_completes_once_ocapi_shows_the_customer(connector: Any) -> None:
    connector.registration.post(event_body("customer.registered.minimal"))
    connector.storefront.seed(
        {"customers": [ocapi_customer("00001002", "li.wei@example.com", first_name="Li", last_name="Wei")]}
    )

    assert connector.registration.drain_queue() == {"batchItemFailures": []}

    done = connector.salesforce.one("Contact", Commerce_Customer_No__c="00001002")
    assert (done["FirstName"], done["Commerce_Sync_Status__c"]) == ("Li", "Synchronized")
    assert connector.sync_status("customer", "00001002") == "SYNCED"


def test_the_lag_window_not_max_receive_count_decides_when_a_registration_stops_waiting(connector: Any) -> None:
    # given a registration OCAPI does not show, retried more often than MAX_RECEIVE_COUNT (3)
    connector.registration.post(event_body("customer.registered.minimal"))
    for _ in range(5):
        connector.registration.drain_queue()

    # then it still waits (the window is 900 s), nothing dead-lettered, and completes once OCAPI shows it
    assert connector.sync_status("customer", "00001002") == "QUEUED"
    assert connector.registration.dead_letters() == []
    connector.storefront.seed({"customers": [ocapi_customer("00001002", "li.wei@example.com", first_name="Li")]})
    assert connector.registration.drain_queue() == {"batchItemFailures": []}
    assert connector.sync_status("customer", "00001002") == "SYNCED"


def test_a_minimal_registration_ocapi_still_does_not_know_after_the_lag_window_is_dead_lettered_not_422(
    connector: Any,
) -> None:
    # given an event older than commerce.storefront_lag_seconds (900 by default)
    late = (datetime.now(UTC) - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")

    status, _ = connector.registration.post(event_body("customer.registered.minimal", occurred_at=late))

    # then it is accepted, dead-lettered with the reason, and no draft is written for it
    assert status == 202
    _, state = connector.sync_state("commerce", "customer", "00001002")
    assert state["status"] == "DEAD"
    assert "the storefront has no customer with this number 20 minutes after the event" in state["last_error"]
    assert [m["attributes"]["event_id"] for m in connector.registration.dead_letters()] == [state["event_id"]]
    assert connector.salesforce.records("Contact") == []


# -- a known customer's draft while the storefront lags -------------------------------------------

LI_WEI = ocapi_customer("00001002", "li.wei@example.com", first_name="Li", last_name="Wei")


def registered_li_wei(connector: Any) -> dict[str, Any]:
    """00001002 registered a minute ago and synchronized from OCAPI (so the identity map knows it)."""
    connector.storefront.seed({"customers": [LI_WEI]})
    status, answer = connector.registration.post(event_body("customer.registered.minimal", occurred_at=now_iso(-60)))
    assert status == 200
    return dict(answer)


def ocapi_lags(connector: Any) -> None:
    """OCAPI's replica does not show the customer (404) until the faults are cleared."""
    connector.storefront.fault(status=404, match="/customers/")


def minimal_update() -> dict[str, Any]:
    body = event_body("customer.registered.minimal")
    body["event_type"] = "customer.updated"
    return body


def test_a_known_customers_update_ocapi_does_not_show_yet_marks_the_contact_by_id_once(connector: Any) -> None:
    # given a known customer whose update OCAPI does not show yet (its replica lags)
    registered = registered_li_wei(connector)
    ocapi_lags(connector)
    calls = connector.salesforce.calls()

    status, _ = connector.registration.post(minimal_update())

    # then the known Contact got its draft status by Id, in one call
    assert status == 202
    contact = connector.salesforce.one("Contact", Commerce_Customer_No__c="00001002")
    assert (contact["Id"], contact["FirstName"], contact["Commerce_Sync_Status__c"]) == (
        registered["contact_id"],
        "Li",
        "Updated",
    )
    assert connector.salesforce.calls() == calls + 1
    writes = connector.salesforce.requests_log(match="/sobjects/Contact/")
    assert [w["method"] + " " + w["path"].rsplit("/", 1)[-1] for w in writes[-1:]] == [
        f"PATCH {registered['contact_id']}"
    ]


def test_in_person_account_mode_a_known_customers_lagging_update_marks_the_person_account_by_id(
    connector: Any,
) -> None:
    # given a known person account (possibly older than Account.Commerce_Customer_No__c) whose
    # update OCAPI does not show yet
    connector.configure({"commerce": {"customer_parent": "person_account"}})
    registered = registered_li_wei(connector)
    ocapi_lags(connector)

    status, _ = connector.registration.post(minimal_update())

    # then its Account, by Id, got the draft status: no upsert on the customer number
    assert status == 202
    account = connector.salesforce.one("Account", Commerce_Customer_No__pc="00001002")
    assert (account["Id"], account["Commerce_Sync_Status__pc"]) == (registered["account_id"], "Updated")
    writes = connector.salesforce.requests_log(match="/sobjects/Account/")
    assert [w["method"] + " " + w["path"].rsplit("/", 1)[-1] for w in writes[-1:]] == [
        f"PATCH {registered['account_id']}"
    ]


def test_a_known_customers_draft_status_is_not_written_again_while_the_storefront_lags(connector: Any) -> None:
    # given a known customer already marked "Updated" while OCAPI lags
    registered_li_wei(connector)
    ocapi_lags(connector)
    connector.registration.post(minimal_update())
    calls = connector.salesforce.calls()

    # when its event is retried, and another update of it arrives, while OCAPI still lags
    connector.registration.drain_queue()
    status, _ = connector.registration.post(minimal_update())

    # then no Salesforce call is spent on the draft status again
    assert status == 202
    assert connector.salesforce.calls() == calls
    assert connector.salesforce.one("Contact", Commerce_Customer_No__c="00001002")["Commerce_Sync_Status__c"] == (
        "Updated"
    )


def test_a_known_customers_lagging_update_ends_synchronized_even_when_its_profile_did_not_change(
    connector: Any,
) -> None:
    # given a known customer marked "Updated" while OCAPI lagged, whose profile has not changed
    registered_li_wei(connector)
    ocapi_lags(connector)
    connector.registration.post(minimal_update())

    # when OCAPI shows the customer again
    connector.storefront.clear_faults()
    assert connector.registration.drain_queue() == {"batchItemFailures": []}

    # then the Contact says Synchronized again (the draft status is not taken for the synchronized profile)
    contact = connector.salesforce.one("Contact", Commerce_Customer_No__c="00001002")
    assert contact["Commerce_Sync_Status__c"] == "Synchronized"
    assert connector.sync_status("customer", "00001002") == "SYNCED"


def test_a_refused_draft_status_does_not_replace_the_storefronts_lag(connector: Any) -> None:
    # given a known customer whose update OCAPI does not show yet, and an org that refuses the draft status
    registered_li_wei(connector)
    ocapi_lags(connector)
    connector.salesforce.fault(status=400, errorCode="FIELD_CUSTOM_VALIDATION_EXCEPTION", count=1)

    status, _ = connector.registration.post(minimal_update())

    # then the event waits for the storefront (the lag decides its fate), nothing dead-lettered
    assert status == 202
    _, state = connector.sync_state("commerce", "customer", "00001002")
    assert state["status"] == "QUEUED"
    assert "replication lag" in state["last_error"]
    assert connector.registration.dead_letters() == []


@pytest.mark.parametrize("parent", ["contact", "person_account"])
def test_a_known_customer_gone_from_salesforce_keeps_waiting_for_the_storefront_not_dead(
    connector: Any, parent: str
) -> None:
    # given a known customer whose record is gone from Salesforce (deleted, merged away) and whose
    # update OCAPI does not show yet
    connector.configure({"commerce": {"customer_parent": parent}})
    registered_li_wei(connector)
    connector.salesforce.reset()
    if parent == "person_account":
        connector.salesforce.enable_person_accounts()  # a reset org is a new one: without them
    ocapi_lags(connector)

    status, _ = connector.registration.post(minimal_update())

    # then no record is made of the draft status alone (a REQUIRED_FIELD_MISSING would kill the
    # event): the event waits for the storefront, and completes once OCAPI shows the customer
    assert status == 202
    _, state = connector.sync_state("commerce", "customer", "00001002")
    assert (state["status"], "replication lag" in state["last_error"]) == ("QUEUED", True)
    connector.storefront.clear_faults()
    assert connector.registration.drain_queue() == {"batchItemFailures": []}
    assert connector.sync_status("customer", "00001002") == "SYNCED"
    assert connector.registration.dead_letters() == []


# -- use case C: opt-ins --------------------------------------------------------------------------


def test_an_opt_in_of_a_new_email_makes_an_opt_in_contact_with_the_email_and_flag_only(connector: Any) -> None:
    status, answer = connector.registration.post(event_body("customer.opted_in"))

    assert status == 200
    contact = connector.salesforce.one("Contact", Email="news.reader@example.com")
    assert answer["contact_id"] == contact["Id"]
    assert (contact["Customer_Type__c"], contact["Email_Opt_In__c"]) == ("Opt-in", True)
    assert (contact["FirstName"], contact["Commerce_Customer_No__c"]) == (None, None)
    # a look-up of the email (a Contact may exist that the connector never made), then one write
    assert connector.salesforce.counters()["by_path"] == {"GET /query": 1, "POST /composite": 1}


def test_an_opt_in_of_an_existing_contacts_email_only_sets_its_flag(connector: Any) -> None:
    _, registered = connector.registration.post(event_body("customer.registered"))
    calls = connector.salesforce.calls()

    status, answer = connector.registration.post(event_body("customer.opted_in", email="jane.doe@example.com"))

    assert status == 200
    assert answer["contact_id"] == registered["contact_id"]
    contact = connector.salesforce.one("Contact", Email="jane.doe@example.com")
    assert (contact["Customer_Type__c"], contact["Email_Opt_In__c"]) == ("Registered", True)
    assert connector.salesforce.calls() == calls + 1  # known from the identity map: no look-up


def test_an_opt_out_of_an_unknown_email_creates_no_contact(connector: Any) -> None:
    status, _ = connector.registration.post(event_body("customer.opted_in", opted_in=False))

    assert status == 200
    assert connector.salesforce.records("Contact") == []


def test_an_opt_out_of_a_known_contact_clears_its_flag(connector: Any) -> None:
    connector.registration.post(event_body("customer.opted_in", occurred_at=now_iso(-60)))

    connector.registration.post(event_body("customer.opted_in", opted_in=False))

    assert connector.salesforce.one("Contact", Email="news.reader@example.com")["Email_Opt_In__c"] is False


# -- guest to registered --------------------------------------------------------------------------


def test_a_registration_with_an_opt_in_contacts_email_converts_that_contact(connector: Any) -> None:
    _, opted = connector.registration.post(event_body("customer.opted_in", email="jane.doe@example.com"))

    status, registered = connector.registration.post(event_body("customer.registered"))

    assert status == 200
    assert registered["contact_id"] == opted["contact_id"]
    contact = connector.salesforce.one("Contact", Email="jane.doe@example.com")
    assert (contact["Customer_Type__c"], contact["Commerce_Customer_No__c"]) == ("Registered", "00001001")
    assert contact["Email_Opt_In__c"] is True
    assert contact["Commerce_Converted_At__c"]


def test_a_registration_with_a_guest_contacts_email_converts_that_contact(connector: Any) -> None:
    connector.storefront.seed(
        {
            "orders": [
                {
                    "order_no": "00002002",
                    "site_id": "RefArch",
                    "order_total": 42.0,
                    "currency": "USD",
                    "customer_info": {"email": "jane.doe@example.com", "customer_name": "Jane Doe"},
                }
            ]
        }
    )
    _, guest_order = connector.send(event_body("order.created.guest-header-only"))
    assert connector.salesforce.one("Contact", Email="jane.doe@example.com")["Customer_Type__c"] == "Guest"

    _, registered = connector.registration.post(event_body("customer.registered"))

    assert registered["contact_id"] == guest_order["contact_id"]
    contact = connector.salesforce.one("Contact", Email="jane.doe@example.com")
    assert (contact["Customer_Type__c"], contact["Commerce_Customer_No__c"]) == ("Registered", "00001001")
    assert contact["Commerce_Converted_At__c"]


# -- person accounts ------------------------------------------------------------------------------


def test_in_person_account_mode_a_registration_is_a_person_account_and_answers_its_person_contact(
    connector: Any,
) -> None:
    connector.configure({"commerce": {"customer_parent": "person_account"}})

    status, answer = connector.registration.post(event_body("customer.registered"))

    assert status == 200
    account = connector.salesforce.one("Account", Commerce_Customer_No__pc="00001001")
    assert account["IsPersonAccount"] is True
    assert (account["FirstName"], account["LastName"], account["PersonEmail"]) == (
        "Jane",
        "Doe",
        "jane.doe@example.com",
    )
    assert (answer["account_id"], answer["contact_id"]) == (account["Id"], account["PersonContactId"])
    # the person record type is looked up once; the person Contact's Id comes back in the write call
    assert connector.salesforce.counters()["by_path"] == {"GET /query": 1, "POST /composite": 1}
    business_contacts = [c for c in connector.salesforce.records("Contact") if not c["IsPersonAccount"]]
    assert business_contacts == []


def test_in_person_account_mode_an_update_changes_the_person_account(connector: Any) -> None:
    connector.configure({"commerce": {"customer_parent": "person_account"}})
    _, registered = connector.registration.post(event_body("customer.registered", occurred_at=now_iso(-60)))

    _, answer = connector.registration.post(updated(last_name="Doe-Smith"))

    assert answer["contact_id"] == registered["contact_id"]
    assert connector.salesforce.one("Account", Commerce_Customer_No__pc="00001001")["LastName"] == "Doe-Smith"
    assert len(connector.salesforce.records("Account")) == 1


def test_in_person_account_mode_an_order_links_the_person_contact(connector: Any) -> None:
    connector.configure({"commerce": {"customer_parent": "person_account"}})
    _, registered = connector.registration.post(event_body("customer.registered"))
    order = event_body("order.created")
    order["data"]["order"]["salesforce_contact_id"] = registered["contact_id"]

    status, _ = connector.order_header.post(order)

    assert status == 200
    row = connector.salesforce.one("Order", Commerce_Order_No__c="00002001")
    assert (row["Contact__c"], row["AccountId"]) == (registered["contact_id"], registered["account_id"])


def test_in_person_account_mode_the_account_is_upserted_on_its_own_customer_number(connector: Any) -> None:
    # a real org refuses the person Contact's Commerce_Customer_No__pc as an Account upsert key
    connector.configure({"commerce": {"customer_parent": "person_account"}})

    connector.registration.post(event_body("customer.registered"))

    account = connector.salesforce.one("Account", Commerce_Customer_No__c="00001001")
    assert (account["IsPersonAccount"], account["Commerce_Customer_No__pc"]) == (True, "00001001")


def test_in_person_account_mode_an_opt_in_is_a_person_account_made_in_one_call(connector: Any) -> None:
    connector.configure({"commerce": {"customer_parent": "person_account"}})
    body = event_body("customer.opted_in")

    status, answer = connector.registration.post(body)

    assert status == 200
    account = connector.salesforce.one("Account", PersonEmail=body["data"]["email"])
    assert (account["IsPersonAccount"], account["Customer_Type__pc"], account["Email_Opt_In__pc"]) == (
        True,
        "Opt-in",
        True,
    )
    assert (answer["account_id"], answer["contact_id"]) == (account["Id"], account["PersonContactId"])
    # the email look-up, the person record type (once per org), one composite call
    assert connector.salesforce.counters()["by_path"] == {"GET /query": 2, "POST /composite": 1}
