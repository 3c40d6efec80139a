"""`connector.webhook_auth`: the inbound `X-Signature` of DESIGN §2.

`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<METHOD>.<path>.<raw body>")>`, one secret per source
family, older than 300 s / missing / wrong -> rejected.
"""

import hashlib
import hmac

import pytest

from connector.pipeline.signature import MAX_AGE_SECONDS, sign, source_family, verify

SECRET = "local-dev-secret"
PATH = "/v1/commerce/customers"
BODY = b'{"event_id":"evt-c-0001","event_type":"customer.registered"}'
NOW = 1_795_000_000


def clock(at: float = NOW):
    return lambda: at


@pytest.fixture
def header() -> str:
    return sign(SECRET, "POST", PATH, BODY, timestamp=NOW)


# -- the signature itself --------------------------------------------------------------------------


def test_header_is_timestamp_and_hmac_of_timestamp_method_path_and_body():
    expected = hmac.new(SECRET.encode(), f"{NOW}.POST.{PATH}.".encode() + BODY, hashlib.sha256).hexdigest()

    assert sign(SECRET, "POST", PATH, BODY, timestamp=NOW) == f"t={NOW},v1={expected}"


def test_signed_request_verifies(header):
    assert verify(header, SECRET, "POST", PATH, BODY, now=clock())


def test_signature_without_explicit_timestamp_is_fresh_now():
    header = sign(SECRET, "POST", PATH, BODY)

    assert verify(header, SECRET, "POST", PATH, BODY)


def test_get_request_is_signed_over_an_empty_body():
    path = "/v1/commerce/orders/00002001"
    header = sign(SECRET, "GET", path, b"", timestamp=NOW)

    assert verify(header, SECRET, "GET", path, b"", now=clock())


def test_path_with_query_string_is_signed_with_it():
    path = "/v1/loyalty/customers/00001001/activity?page=2"
    header = sign(SECRET, "GET", path, b"", timestamp=NOW)

    assert verify(header, SECRET, "GET", path, b"", now=clock())
    assert not verify(header, SECRET, "GET", "/v1/loyalty/customers/00001001/activity?page=3", b"", now=clock())


def test_method_case_does_not_matter(header):
    assert verify(header, SECRET, "post", PATH, BODY, now=clock())


# -- what is rejected ------------------------------------------------------------------------------


def test_tampered_body_is_rejected(header):
    tampered = BODY.replace(b"evt-c-0001", b"evt-c-0002")

    assert not verify(header, SECRET, "POST", PATH, tampered, now=clock())


def test_body_with_one_extra_byte_is_rejected(header):
    assert not verify(header, SECRET, "POST", PATH, BODY + b" ", now=clock())


def test_signature_for_another_path_is_rejected(header):
    assert not verify(header, SECRET, "POST", "/v1/commerce/orders", BODY, now=clock())


def test_signature_for_another_method_is_rejected(header):
    assert not verify(header, SECRET, "PUT", PATH, BODY, now=clock())


def test_signature_made_with_another_secret_is_rejected():
    header = sign("someone-elses-secret", "POST", PATH, BODY, timestamp=NOW)

    assert not verify(header, SECRET, "POST", PATH, BODY, now=clock())


def test_empty_configured_secret_verifies_nothing():
    header = sign("", "POST", PATH, BODY, timestamp=NOW)

    assert not verify(header, "", "POST", PATH, BODY, now=clock())


@pytest.mark.parametrize("missing", [None, ""])
def test_missing_header_is_rejected(missing):
    assert not verify(missing, SECRET, "POST", PATH, BODY, now=clock())


@pytest.mark.parametrize(
    "malformed",
    [
        "garbage",
        "t=,v1=",
        f"t={NOW}",
        "v1=" + "ab" * 32,
        f"t=abc,v1={'ab' * 32}",
        f"t=1e9,v1={'ab' * 32}",
        f"t=-{NOW},v1={'ab' * 32}",
        f"v1={'ab' * 32},t=",
        f"t={NOW};v1={'ab' * 32}",
    ],
)
def test_malformed_header_is_rejected(malformed):
    assert not verify(malformed, SECRET, "POST", PATH, BODY, now=clock())


@pytest.mark.parametrize(
    "hostile",
    [
        "t=\u00b2,v1=" + "ab" * 32,  # a superscript digit: str.isdigit() says yes, int() says no
        "t=\u0661\u0662,v1=" + "ab" * 32,  # Arabic-Indic digits
        f"t={NOW},v1=\u00e9" + "ab" * 31,  # a non-ASCII digest
    ],
)
def test_header_with_non_ascii_characters_is_rejected_not_an_error(hostile):
    assert verify(hostile, SECRET, "POST", PATH, BODY, now=clock()) is False


def test_timestamp_older_than_300_seconds_is_rejected(header):
    assert not verify(header, SECRET, "POST", PATH, BODY, now=clock(NOW + MAX_AGE_SECONDS + 1))


def test_timestamp_just_inside_300_seconds_is_accepted(header):
    assert verify(header, SECRET, "POST", PATH, BODY, now=clock(NOW + MAX_AGE_SECONDS - 1))


def test_timestamp_more_than_300_seconds_in_the_future_is_rejected(header):
    assert not verify(header, SECRET, "POST", PATH, BODY, now=clock(NOW - MAX_AGE_SECONDS - 1))


def test_a_replayed_header_with_a_rewritten_timestamp_is_rejected(header):
    digest = header.split("v1=", 1)[1]
    refreshed = f"t={NOW + 1000},v1={digest}"

    assert not verify(refreshed, SECRET, "POST", PATH, BODY, now=clock(NOW + 1000))


# -- secret rotation: several v1 values --------------------------------------------------------------


def _v1(secret: str) -> str:
    return sign(secret, "POST", PATH, BODY, timestamp=NOW).split("v1=", 1)[1]


def test_any_of_several_v1_values_may_match_during_a_rotation():
    header = f"t={NOW},v1={_v1('old-secret')},v1={_v1('new-secret')}"

    assert verify(header, "old-secret", "POST", PATH, BODY, now=clock())
    assert verify(header, "new-secret", "POST", PATH, BODY, now=clock())


def test_several_v1_values_none_of_which_matches_are_rejected():
    header = f"t={NOW},v1={_v1('old-secret')},v1={_v1('new-secret')}"

    assert not verify(header, SECRET, "POST", PATH, BODY, now=clock())


def test_v1_values_are_compared_case_insensitively_and_spaces_are_tolerated():
    header = f"t={NOW}, v1={_v1(SECRET).upper()}"

    assert verify(header, SECRET, "POST", PATH, BODY, now=clock())


# -- which secret a route is signed with ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "family"),
    [
        ("/v1/commerce/customers", "commerce"),
        ("/v1/commerce/orders", "commerce"),
        ("/v1/commerce/cases", "commerce"),
        ("/v1/commerce/orders/00002001", "commerce"),
        ("/v1/chat/events", "chat"),
        ("/v1/chat/route", "chat"),
        ("/v1/chat/bot", "chat"),
        ("/v1/social/conversations", "social"),
        ("/v1/social/salesforce-events", "social"),
        ("/v1/loyalty/actions", "loyalty"),
        ("/v1/loyalty/customers/00001001/activity", "loyalty"),
    ],
)
def test_every_route_is_signed_with_its_source_family_secret(path, family):
    assert source_family(path) == family


@pytest.mark.parametrize(
    ("path", "family"),
    [
        ("/v1/sync/commerce/customer/00001001", "commerce"),
        ("/v1/sync/commerce/order/00002001", "commerce"),
        ("/v1/sync/chat/chat/12345", "chat"),
        ("/v1/sync/social/conversation/c-1", "social"),
        ("/v1/sync/loyalty/offer/uo-1", "loyalty"),
    ],
)
def test_sync_state_route_is_signed_with_the_family_it_asks_about(path, family):
    assert source_family(path) == family


@pytest.mark.parametrize(
    ("path", "family"),
    [
        ("/v1/loyalty/customers/00001001/activity?page=2", "loyalty"),
        ("/v1/commerce/orders/00002001?expand=items", "commerce"),
        ("/v1/sync/chat/chat/12345?x=/v1/commerce", "chat"),
        ("/v1/chat/events?", "chat"),
    ],
)
def test_query_string_does_not_change_the_family(path, family):
    assert source_family(path) == family


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "",
        "/v1",
        "/v1/sync",
        "/v1/sync/unknown/customer/1",
        "/v1/crm/customers",
        "/v2/commerce/customers",
        "/commerce/customers",
        "/v1/sync?family=commerce",
    ],
)
def test_unknown_routes_have_no_family(path):
    assert source_family(path) is None
