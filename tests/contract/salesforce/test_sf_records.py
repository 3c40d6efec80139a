"""Record CRUD, ids and upsert by external id on the Salesforce emulator."""

from __future__ import annotations

from sf_client import Api

ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _checksum(id15: str) -> str:
    out = ""
    for chunk in range(3):
        flags = sum(1 << i for i, c in enumerate(id15[chunk * 5 : chunk * 5 + 5]) if "A" <= c <= "Z")
        out += ID_ALPHABET[flags]
    return out


def test_create_returns_201_with_an_18_char_id(sf: Api) -> None:
    # given a valid contact
    # when it is created
    response = sf.post("/sobjects/Contact", {"LastName": "Doe"})
    # then the real create body comes back with a Contact id and its case-safe suffix
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["errors"] == []
    assert len(body["id"]) == 18 and body["id"].startswith("003")
    assert body["id"][15:] == _checksum(body["id"][:15])


def test_each_object_uses_its_standard_key_prefix(sf: Api) -> None:
    # given an account
    account_id = sf.create("Account", {"Name": "Acme"})
    # when records of several objects are created
    ids = {
        "Account": account_id,
        "Contact": sf.create("Contact", {"LastName": "Doe"}),
        "Lead": sf.create("Lead", {"LastName": "Doe", "Company": "Acme"}),
        "Case": sf.create("Case", {"Subject": "Help"}),
        "Task": sf.create("Task", {"Subject": "Call"}),
        "Order": sf.create("Order", {"AccountId": account_id, "EffectiveDate": "2026-11-23", "Status": "Draft"}),
        "Social_Conversation__c": sf.create("Social_Conversation__c", {"Conversation_Id__c": "c-1"}),
        "Social_Engagement__c": sf.create("Social_Engagement__c", {"Channel__c": "whatsapp"}),
    }
    # then each carries its object's key prefix, custom objects each their own a0 prefix
    prefixes = {name: record_id[:3] for name, record_id in ids.items()}
    assert prefixes["Account"] == "001" and prefixes["Contact"] == "003" and prefixes["Lead"] == "00Q"
    assert prefixes["Case"] == "500" and prefixes["Task"] == "00T" and prefixes["Order"] == "801"
    assert prefixes["Social_Conversation__c"].startswith("a0")
    assert prefixes["Social_Engagement__c"].startswith("a0")
    assert prefixes["Social_Conversation__c"] != prefixes["Social_Engagement__c"]


def test_get_returns_every_field_with_attributes(sf: Api) -> None:
    # given a contact
    contact_id = sf.create("Contact", {"FirstName": "Jane", "LastName": "Doe", "Email": "jane@example.com"})
    # when it is read
    response = sf.get(f"/sobjects/Contact/{contact_id}")
    # then attributes, system fields and the compound name are there
    assert response.status_code == 200
    record = response.json()
    assert record["attributes"] == {"type": "Contact", "url": f"/services/data/v62.0/sobjects/Contact/{contact_id}"}
    assert record["Id"] == contact_id
    assert record["Name"] == "Jane Doe"
    assert record["IsDeleted"] is False
    assert record["CreatedDate"].endswith("+0000") and record["SystemModstamp"] == record["CreatedDate"]
    assert record["OwnerId"].startswith("005") and record["CreatedById"] == record["OwnerId"]
    assert record["Commerce_Customer_No__c"] is None


def test_get_with_fields_returns_only_those_fields(sf: Api) -> None:
    # given a contact
    contact_id = sf.create("Contact", {"LastName": "Doe", "Email": "jane@example.com"})
    # when it is read with ?fields=
    response = sf.get(f"/sobjects/Contact/{contact_id}", params={"fields": "email,LastName"})
    # then only those fields come back, canonically named
    assert set(response.json()) == {"attributes", "Email", "LastName"}


def test_a_15_char_id_is_accepted(sf: Api) -> None:
    # given a contact
    contact_id = sf.create("Contact", {"LastName": "Doe"})
    # when it is read by its 15-char id
    response = sf.get(f"/sobjects/Contact/{contact_id[:15]}")
    # then it is found, with the 18-char id
    assert response.status_code == 200
    assert response.json()["Id"] == contact_id


def test_an_18_char_id_is_case_insensitive(sf: Api) -> None:
    # given a contact
    contact_id = sf.create("Contact", {"LastName": "Doe"})
    # when it is read with its id lower-cased
    response = sf.get(f"/sobjects/Contact/{contact_id.lower()}")
    # then the suffix restores the case and it is found
    assert response.status_code == 200
    assert response.json()["Id"] == contact_id


def test_update_returns_204_and_changes_the_record(sf: Api) -> None:
    # given a contact
    contact_id = sf.create("Contact", {"LastName": "Doe"})
    # when it is patched
    response = sf.patch(f"/sobjects/Contact/{contact_id}", {"FirstName": "Jane", "Email": "j@example.com"})
    # then 204 and the change is visible, LastModifiedDate moved on
    assert response.status_code == 204
    assert response.content == b""
    record = sf.get(f"/sobjects/Contact/{contact_id}").json()
    assert (record["Name"], record["Email"]) == ("Jane Doe", "j@example.com")
    assert record["LastModifiedDate"] >= record["CreatedDate"]


def test_delete_returns_204_and_the_record_is_gone(sf: Api) -> None:
    # given a contact
    contact_id = sf.create("Contact", {"LastName": "Doe"})
    # when it is deleted
    response = sf.delete(f"/sobjects/Contact/{contact_id}")
    # then it can no longer be read
    assert response.status_code == 204
    gone = sf.get(f"/sobjects/Contact/{contact_id}")
    assert gone.status_code == 404
    assert sf.error_of(gone)["errorCode"] == "NOT_FOUND"


def test_deleting_a_deleted_record_says_entity_is_deleted(sf: Api) -> None:
    # given a deleted contact
    contact_id = sf.create("Contact", {"LastName": "Doe"})
    sf.delete(f"/sobjects/Contact/{contact_id}")
    # when it is deleted again
    response = sf.delete(f"/sobjects/Contact/{contact_id}")
    # then Salesforce's answer for the recycle bin comes back
    assert response.status_code == 404
    assert sf.error_of(response)["errorCode"] == "ENTITY_IS_DELETED"


def test_upsert_of_a_new_key_creates_with_201(sf: Api) -> None:
    # given no contact with customer number 00001001
    # when it is upserted on the external id
    response = sf.patch("/sobjects/Contact/Commerce_Customer_No__c/00001001", {"LastName": "Doe"})
    # then it is created
    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True and body["success"] is True and body["errors"] == []
    record = sf.get(f"/sobjects/Contact/{body['id']}").json()
    assert record["Commerce_Customer_No__c"] == "00001001"


def test_upsert_of_a_known_key_updates_with_200(sf: Api) -> None:
    # given a contact with customer number 00001001
    first = sf.patch("/sobjects/Contact/Commerce_Customer_No__c/00001001", {"LastName": "Doe"}).json()
    # when the same key is upserted again
    response = sf.patch("/sobjects/Contact/Commerce_Customer_No__c/00001001", {"LastName": "Dough"})
    # then the same record is updated
    assert response.status_code == 200
    assert response.json() == {"id": first["id"], "success": True, "errors": [], "created": False}
    assert sf.get(f"/sobjects/Contact/{first['id']}").json()["LastName"] == "Dough"


def test_upsert_key_matching_is_case_insensitive_for_text(sf: Api) -> None:
    # given a conversation keyed "ABC-1"
    first = sf.patch("/sobjects/Social_Conversation__c/Conversation_Id__c/ABC-1", {"Channel__c": "x"}).json()
    # when it is upserted as "abc-1"
    response = sf.patch("/sobjects/Social_Conversation__c/Conversation_Id__c/abc-1", {"Channel__c": "y"})
    # then the same record is updated
    assert response.status_code == 200
    assert response.json()["id"] == first["id"]


def test_upsert_on_a_non_unique_external_id_matching_several_records_is_300(sf: Api) -> None:
    # given two contacts sharing a loyalty id (the field is an external id but not unique)
    ids = [sf.create("Contact", {"LastName": n, "Loyalty_External_Id__c": "L-1"}) for n in ("A", "B")]
    # when that loyalty id is upserted
    response = sf.patch("/sobjects/Contact/Loyalty_External_Id__c/L-1", {"LastName": "C"})
    # then 300 lists both records' URLs and nothing changes
    assert response.status_code == 300
    assert sorted(response.json()) == sorted(f"/services/data/v62.0/sobjects/Contact/{i}" for i in ids)
    assert {r["LastName"] for r in sf.records("SELECT LastName FROM Contact")} == {"A", "B"}


def test_upsert_body_may_repeat_the_external_id_with_the_same_value(sf: Api) -> None:
    # given a body carrying the same customer number as the URL
    body = {"LastName": "Doe", "Commerce_Customer_No__c": "00001001"}
    # when it is upserted
    response = sf.patch("/sobjects/Contact/Commerce_Customer_No__c/00001001", body)
    # then it is accepted
    assert response.status_code == 201


def test_upsert_body_with_a_different_external_id_value_is_rejected(sf: Api) -> None:
    # given a body whose customer number differs from the URL's
    body = {"LastName": "Doe", "Commerce_Customer_No__c": "other"}
    # when it is upserted
    response = sf.patch("/sobjects/Contact/Commerce_Customer_No__c/00001001", body)
    # then it is refused and nothing is created
    assert response.status_code == 400
    assert sf.error_of(response)["errorCode"] == "INVALID_FIELD"
    assert sf.records("SELECT Id FROM Contact") == []


def test_upsert_on_a_field_that_is_not_an_external_id_is_404(sf: Api) -> None:
    # given Email, which is not an external id field
    # when it is used for an upsert
    response = sf.patch("/sobjects/Contact/Email/a@example.com", {"LastName": "Doe"})
    # then Salesforce's answer comes back
    assert response.status_code == 404
    assert sf.error_of(response)["message"] == ("Provided external ID field does not exist or is not accessible: Email")


def test_upsert_by_id_updates_the_record(sf: Api) -> None:
    # given a contact
    contact_id = sf.create("Contact", {"LastName": "Doe"})
    # when it is upserted with Id as the key
    response = sf.patch(f"/sobjects/Contact/Id/{contact_id}", {"LastName": "Dough"})
    # then it is updated
    assert response.status_code == 200
    assert response.json()["created"] is False


def test_external_id_values_with_slashes_round_trip(sf: Api) -> None:
    # given a key containing a slash, URL-encoded by the client
    # when it is upserted and then read back by the same key
    created = sf.patch("/sobjects/Order/Commerce_Order_No__c/A%2F1", _order_body(sf))
    read = sf.get("/sobjects/Order/Commerce_Order_No__c/A%2F1")
    # then both address the same record
    assert created.status_code == 201
    assert read.status_code == 200
    assert read.json()["Commerce_Order_No__c"] == "A/1"


def test_get_by_external_id_returns_the_record(sf: Api) -> None:
    # given a contact with a customer number
    contact_id = sf.create("Contact", {"LastName": "Doe", "Commerce_Customer_No__c": "00001001"})
    # when it is read by that key
    response = sf.get("/sobjects/Contact/Commerce_Customer_No__c/00001001")
    # then it comes back
    assert response.status_code == 200
    assert response.json()["Id"] == contact_id


def test_delete_by_external_id_removes_the_record(sf: Api) -> None:
    # given a contact with a customer number
    sf.create("Contact", {"LastName": "Doe", "Commerce_Customer_No__c": "00001001"})
    # when it is deleted by that key
    response = sf.delete("/sobjects/Contact/Commerce_Customer_No__c/00001001")
    # then it is gone
    assert response.status_code == 204
    assert sf.get("/sobjects/Contact/Commerce_Customer_No__c/00001001").status_code == 404


def test_relationship_by_external_id_sets_the_lookup(sf: Api) -> None:
    # given an account keyed by its customer list id
    account_id = sf.create("Account", {"Name": "RefArch", "Commerce_Customer_List_Id__c": "RefArchGlobal"})
    # when a contact names its account through that external id
    contact_id = sf.create("Contact", {"LastName": "Doe", "Account": {"Commerce_Customer_List_Id__c": "RefArchGlobal"}})
    # then AccountId is set
    assert sf.get(f"/sobjects/Contact/{contact_id}").json()["AccountId"] == account_id


def test_custom_relationship_by_external_id_uses_the_r_name(sf: Api) -> None:
    # given a contact with a customer number
    contact_id = sf.create("Contact", {"LastName": "Doe", "Commerce_Customer_No__c": "00001001"})
    # when an order names it through Contact__r
    body = {**_order_body(sf), "Contact__r": {"Commerce_Customer_No__c": "00001001"}}
    order_id = sf.create("Order", body)
    # then Contact__c is set
    assert sf.get(f"/sobjects/Order/{order_id}").json()["Contact__c"] == contact_id


def test_relationship_to_a_missing_external_id_is_invalid_field(sf: Api) -> None:
    # given no contact with customer number x
    # when an order names it
    response = sf.post("/sobjects/Order", {**_order_body(sf), "Contact__r": {"Commerce_Customer_No__c": "x"}})
    # then Salesforce's foreign-key error comes back
    assert response.status_code == 400
    error = sf.error_of(response)
    assert error["errorCode"] == "INVALID_FIELD"
    assert (
        error["message"] == "Foreign key external ID: x not found for field Commerce_Customer_No__c in entity Contact"
    )


def test_relationship_and_id_for_the_same_lookup_are_rejected(sf: Api) -> None:
    # given an account with a key
    account_id = sf.create("Account", {"Name": "A", "Commerce_Customer_List_Id__c": "K"})
    # when a contact sets both AccountId and Account
    body = {"LastName": "Doe", "AccountId": account_id, "Account": {"Commerce_Customer_List_Id__c": "K"}}
    response = sf.post("/sobjects/Contact", body)
    # then it is refused
    assert response.status_code == 400
    assert "Cannot specify both an external ID reference Account" in sf.error_of(response)["message"]


def test_auto_numbers_and_defaults_are_filled_on_create(sf: Api) -> None:
    # given a case and a task created with no status
    case_id = sf.create("Case", {"Subject": "Help"})
    task_id = sf.create("Task", {"Subject": "Call"})
    conversation_id = sf.create("Social_Conversation__c", {"Conversation_Id__c": "c-1"})
    # when they are read
    case = sf.get(f"/sobjects/Case/{case_id}").json()
    task = sf.get(f"/sobjects/Task/{task_id}").json()
    conversation = sf.get(f"/sobjects/Social_Conversation__c/{conversation_id}").json()
    # then the org filled numbers and defaults
    assert case["CaseNumber"] == "00000001" and case["Status"] == "New" and case["IsClosed"] is False
    assert (task["Status"], task["Priority"]) == ("Not Started", "Normal")
    assert conversation["Name"] == "SC-000001"


def test_field_and_object_names_are_case_insensitive(sf: Api) -> None:
    # given names in the wrong case
    # when a contact is created through them
    response = sf.post("/sobjects/contact", {"lastname": "Doe", "COMMERCE_CUSTOMER_NO__C": "1"})
    # then it is created and read back under canonical names
    assert response.status_code == 201
    record = sf.get(f"/sobjects/Contact/{response.json()['id']}").json()
    assert (record["LastName"], record["Commerce_Customer_No__c"]) == ("Doe", "1")


def test_unknown_path_is_not_found(sf: Api) -> None:
    # given a resource the API does not have
    # when it is called
    response = sf.get("/nothing/here")
    # then 404 NOT_FOUND
    assert response.status_code == 404
    assert sf.error_of(response)["errorCode"] == "NOT_FOUND"


def test_wrong_method_is_method_not_allowed(sf: Api) -> None:
    # given a record URL
    contact_id = sf.create("Contact", {"LastName": "Doe"})
    # when it is called with PUT
    response = sf.call("PUT", f"/sobjects/Contact/{contact_id}", json={})
    # then 405 names the allowed methods
    assert response.status_code == 405
    assert sf.error_of(response)["errorCode"] == "METHOD_NOT_ALLOWED"


def _order_body(sf: Api) -> dict[str, object]:
    account_id = sf.create("Account", {"Name": "Buyer"})
    return {"AccountId": account_id, "EffectiveDate": "2026-11-23", "Status": "Draft"}
