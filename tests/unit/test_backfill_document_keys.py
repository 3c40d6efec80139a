"""`connector.commerce.backfill.batch.document_key`: the sync-state key of a storefront document the
backfill settles, its own even when the document lacks its number (issue 13: they shared `unknown`)."""

from __future__ import annotations

from connector.commerce.backfill.batch import document_key
from connector.envelope import sync_key

SECRET = "commerce-hmac-secret-for-tests"


def test_a_document_with_its_number_is_keyed_by_it() -> None:
    assert document_key({"customer_no": "00001001", "email": "a@example.com"}, "customer_no", SECRET) == "00001001"


def test_a_customer_without_a_number_is_keyed_by_its_emails_keyed_hash_as_an_opt_in_is() -> None:
    key = document_key({"email": "Ann.Shopper@example.com", "first_name": "Ann"}, "customer_no", SECRET)

    assert key == sync_key(SECRET, "ann.shopper@example.com")
    assert "example.com" not in key


def test_two_customers_without_a_number_never_share_a_key() -> None:
    first = document_key({"email": "one@example.com"}, "customer_no", SECRET)
    second = document_key({"email": "two@example.com"}, "customer_no", SECRET)

    assert first != second


def test_two_orders_without_a_number_never_share_a_key() -> None:
    # Given two orders of one guest (one email), neither with its order number
    first = {"creation_date": "2026-02-01T10:00:00.000Z", "customer_info": {"email": "guest@example.com"}}
    second = {"creation_date": "2026-02-02T10:00:00.000Z", "customer_info": {"email": "guest@example.com"}}

    keys = {document_key(first, "order_no", SECRET), document_key(second, "order_no", SECRET)}

    assert len(keys) == 2 and "unknown" not in keys
    assert not any("guest@" in key for key in keys)


def test_a_document_that_is_not_an_object_still_gets_a_key_of_its_own() -> None:
    assert document_key(["not", "a", "document"], "order_no", SECRET) != document_key("x", "order_no", SECRET)
