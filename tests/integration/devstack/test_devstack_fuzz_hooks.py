"""The generated-request runner's hooks (devstack.fuzz): its signature, and what it counts as a write."""

from __future__ import annotations

import requests

from connector.pipeline.signature import verify
from devstack.fuzz import SignedRequests, is_write
from devstack.signing import FAMILY_SECRETS


def test_a_generated_request_is_signed_over_its_bytes_with_its_routes_family_secret() -> None:
    # Given a request as schemathesis prepares it, to a loyalty route with a query string
    prepared = requests.Request("POST", "http://127.0.0.1:1/v1/loyalty/actions?x=1", data=b'{"a": 1}').prepare()

    # When the hook signs it
    signed = SignedRequests()(prepared)

    # Then the loyalty secret verifies it, over its exact path and body; the commerce one does not
    header = signed.headers["X-Signature"]
    assert verify(header, FAMILY_SECRETS["loyalty"], "POST", "/v1/loyalty/actions?x=1", b'{"a": 1}')
    assert not verify(header, FAMILY_SECRETS["commerce"], "POST", "/v1/loyalty/actions?x=1", b'{"a": 1}')


def test_a_composite_of_describes_is_not_a_write() -> None:
    describes = {"compositeRequest": [{"method": "GET", "url": "/services/data/v62.0/sobjects/Contact/describe"}]}

    assert not is_write({"method": "POST", "path": "/services/data/v62.0/composite", "json": describes})


def test_a_composite_holding_a_patch_is_a_write() -> None:
    body = {"compositeRequest": [{"method": "GET", "url": "/q"}, {"method": "PATCH", "url": "/sobjects/Contact/1"}]}

    assert is_write({"method": "POST", "path": "/services/data/v62.0/composite", "json": body})


def test_a_collection_retrieve_by_ids_is_not_a_write_and_an_upsert_is() -> None:
    retrieve = {"method": "POST", "path": "/services/data/v62.0/composite/sobjects/Contact", "json": {"ids": ["1"]}}
    upsert = {"method": "PATCH", "path": "/services/data/v62.0/sobjects/Contact/Commerce_Customer_No__c/1", "json": {}}

    assert not is_write(retrieve)
    assert is_write(upsert)


def test_a_write_the_org_refused_is_not_a_write() -> None:
    refused = {"method": "PATCH", "path": "/services/data/v62.0/sobjects/Contact/003000000000001", "status": 404}

    assert not is_write(refused)
