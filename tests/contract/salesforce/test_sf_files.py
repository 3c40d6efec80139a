"""Salesforce Files in the emulator: a ContentVersion inserted as base64 JSON, its document linked to
the record it was first published on, its bytes served back; and the 32,000-character cap of a
long text area (Case and Task Description), as a real org enforces them."""

from __future__ import annotations

import base64

from sf_client import Api

TEXT = ("Sam: hello — ünïcode\n" * 3000).encode()


def _publish(sf: Api, record_id: str, data: bytes = TEXT) -> str:
    return sf.create(
        "ContentVersion",
        {
            "Title": "Chat transcript",
            "PathOnClient": "chat-1-transcript.txt",
            "VersionData": base64.b64encode(data).decode(),
            "FirstPublishLocationId": record_id,
        },
    )


def test_a_description_over_32000_characters_is_string_too_long(sf: Api) -> None:
    # given a Case description of 32,001 characters
    # when the Case is created
    response = sf.post("/sobjects/Case", {"Subject": "Chat", "Description": "x" * 32_001})
    # then Salesforce's STRING_TOO_LONG names the field
    assert response.status_code == 400
    error = sf.error_of(response)
    assert (error["errorCode"], error["fields"]) == ("STRING_TOO_LONG", ["Description"])


def test_a_task_description_of_exactly_32000_characters_is_saved(sf: Api) -> None:
    # given a Task description at the cap
    # when the Task is created
    response = sf.post("/sobjects/Task", {"Subject": "Chat", "Description": "x" * 32_000})
    # then it is saved
    assert response.status_code == 201, response.text


def test_a_content_version_first_published_on_a_case_is_linked_to_it(sf: Api) -> None:
    # given a Case
    case_id = sf.create("Case", {"Subject": "Chat"})
    # when a file is published on it
    version_id = _publish(sf, case_id)
    # then a ContentDocumentLink ties the version's document to the Case
    (link,) = sf.records(f"SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId = '{case_id}'")
    (version,) = sf.records(f"SELECT Id, ContentDocumentId, ContentSize FROM ContentVersion WHERE Id = '{version_id}'")
    assert link["ContentDocumentId"] == version["ContentDocumentId"]
    assert version["ContentDocumentId"].startswith("069")
    assert version["ContentSize"] == len(TEXT)


def test_the_version_data_url_serves_the_bytes(sf: Api) -> None:
    # given a published file
    version_id = _publish(sf, sf.create("Case", {"Subject": "Chat"}))
    # when its VersionData is read as the record shows it (the URL of the bytes)
    url = sf.get(f"/sobjects/ContentVersion/{version_id}").json()["VersionData"]
    response = sf.get(url)
    # then the bytes come back as they were sent
    assert url.endswith(f"/sobjects/ContentVersion/{version_id}/VersionData")
    assert response.status_code == 200
    assert response.content == TEXT


def test_a_content_version_inside_a_composite_request_references_an_earlier_record(sf: Api) -> None:
    # given a composite request that creates a Case and publishes a file on it (@{case.id})
    body = {
        "allOrNone": True,
        "compositeRequest": [
            {"method": "POST", "url": "/services/data/v62.0/sobjects/Case", "referenceId": "case", "body": {}},
            {
                "method": "POST",
                "url": "/services/data/v62.0/sobjects/ContentVersion",
                "referenceId": "file",
                "body": {
                    "PathOnClient": "t.txt",
                    "VersionData": base64.b64encode(b"abc").decode(),
                    "FirstPublishLocationId": "@{case.id}",
                },
            },
        ],
    }
    # when it runs
    results = sf.post("/composite", body).json()["compositeResponse"]
    # then both are created and the file is linked to the Case
    assert [r["httpStatusCode"] for r in results] == [201, 201]
    case_id = results[0]["body"]["id"]
    assert sf.records(f"SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '{case_id}'")


def test_a_content_version_without_its_bytes_is_refused(sf: Api) -> None:
    # given a version with no VersionData
    # when it is created
    response = sf.post("/sobjects/ContentVersion", {"PathOnClient": "t.txt"})
    # then VersionData is named as missing
    assert response.status_code == 400
    assert sf.error_of(response)["fields"] == ["VersionData"]


def test_a_content_document_cannot_be_created_directly(sf: Api) -> None:
    # given the API
    # when a ContentDocument is inserted (only versions create documents)
    response = sf.post("/sobjects/ContentDocument", {"Title": "x"})
    # then it is refused
    assert response.status_code == 400
    assert sf.error_of(response)["errorCode"] == "INVALID_TYPE_FOR_OPERATION"
