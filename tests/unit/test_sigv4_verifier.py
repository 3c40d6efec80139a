"""The local gateway's check of AWS Signature V4, as API Gateway's AWS_IAM authorizer makes it: requests
signed by botocore's own signer (as any AWS client, or Salesforce's Named Credential, signs them) pass
with the stack's role-session credentials; anything else is refused with API Gateway's 403 message (the
IAM user's own key too: it may only assume the role)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from botocore.credentials import Credentials

from devstack.sigv4 import (
    FORBIDDEN,
    HOST_NOT_SIGNED,
    INVALID_TOKEN,
    MISMATCH,
    SERVICE,
    Refusal,
    SigV4Verifier,
    sign,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"
HOST = "127.0.0.1:3000"
ACTIONS = f"http://{HOST}/v1/iam/loyalty/actions"
BODY = json.dumps({"event_id": "evt-1", "event_type": "points.award"}).encode()


def stack_verifier(now: datetime | None = None) -> SigV4Verifier:
    verifier = SigV4Verifier.generate(REGION, ACCOUNT)
    if now is not None:
        verifier.now = lambda: now
    return verifier


def long_term(verifier: SigV4Verifier) -> Credentials:
    doc = verifier.document()
    return Credentials(doc["access_key_id"], doc["secret_access_key"])


def temporary(verifier: SigV4Verifier) -> Credentials:
    doc = verifier.document()["temporary"]
    return Credentials(doc["access_key_id"], doc["secret_access_key"], doc["session_token"])


def received(
    verifier: SigV4Verifier,
    headers: dict[str, str],
    url: str = ACTIONS,
    body: bytes = BODY,
    method: str = "POST",
) -> dict | Refusal:
    """The request as the gateway receives it: the signed headers, and the Host the HTTP client adds."""
    parts = urlsplit(url)
    return verifier.verify(method, parts.path, parts.query, [("Host", HOST), *headers.items()], body)


def test_the_iam_users_long_term_key_signs_validly_but_may_not_invoke_the_routes() -> None:
    # Given a request signed with the IAM user's own key (SalesforceCallerUser: its only permission is
    # sts:AssumeRole on SalesforceInvokeRole), as a credential without the STS role would sign it
    verifier = stack_verifier()
    headers = sign(long_term(verifier), REGION, "POST", ACTIONS, BODY, {"Content-Type": "application/json"})

    refusal = received(verifier, headers)

    # Then API Gateway's 403 for an identity whose policies do not allow execute-api:Invoke on the route
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/salesforce-local"
    resource = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:local/$default/POST/v1/iam/loyalty/actions"
    assert refusal == Refusal(
        f"User: {user_arn} is not authorized to perform: execute-api:Invoke on resource: {resource}",
        "AccessDeniedException",
    )


def test_a_request_signed_with_the_role_sessions_credentials_passes_with_its_iam_identity() -> None:
    verifier = stack_verifier()
    headers = sign(temporary(verifier), REGION, "POST", ACTIONS, BODY, {"Content-Type": "application/json"})

    identity = received(verifier, headers)

    assert isinstance(identity, dict), identity
    assert identity["accessKey"] == verifier.document()["temporary"]["access_key_id"]
    assert identity["accountId"] == ACCOUNT


def test_temporary_credentials_with_their_session_token_pass_as_a_role_session() -> None:
    verifier = stack_verifier()
    headers = sign(temporary(verifier), REGION, "POST", ACTIONS, BODY)

    identity = received(verifier, headers)

    assert isinstance(identity, dict), identity
    assert ":assumed-role/SalesforceInvokeRole/" in identity["userArn"]


def test_temporary_credentials_without_their_session_token_are_an_invalid_token() -> None:
    verifier = stack_verifier()
    headers = sign(temporary(verifier), REGION, "POST", ACTIONS, BODY)
    del headers["X-Amz-Security-Token"]

    assert received(verifier, headers) == Refusal(INVALID_TOKEN, "UnrecognizedClientException")


def test_another_stacks_key_is_an_invalid_token() -> None:
    other = stack_verifier()
    headers = sign(temporary(other), REGION, "POST", ACTIONS, BODY)

    assert received(stack_verifier(), headers) == Refusal(INVALID_TOKEN, "UnrecognizedClientException")


def test_the_right_key_id_with_a_wrong_secret_does_not_match() -> None:
    verifier = stack_verifier()
    forged = Credentials(verifier.document()["access_key_id"], "not-the-secret")
    headers = sign(forged, REGION, "POST", ACTIONS, BODY)

    assert received(verifier, headers) == Refusal(MISMATCH)


def test_an_altered_body_does_not_match() -> None:
    verifier = stack_verifier()
    headers = sign(temporary(verifier), REGION, "POST", ACTIONS, BODY)

    assert received(verifier, headers, body=BODY.replace(b"points", b"offers")) == Refusal(MISMATCH)


def test_an_altered_body_under_the_original_bodys_claimed_hash_does_not_match() -> None:
    verifier = stack_verifier()
    claimed = {"X-Amz-Content-SHA256": hashlib.sha256(BODY).hexdigest()}
    headers = sign(temporary(verifier), REGION, "POST", ACTIONS, BODY, claimed)

    assert received(verifier, headers, body=b"{}") == Refusal(MISMATCH)


def test_an_altered_query_string_does_not_match() -> None:
    verifier = stack_verifier()
    url = f"http://{HOST}/v1/iam/loyalty/customers/ACC_EXT_1/activity?page=1&page_size=5"
    headers = sign(temporary(verifier), REGION, "GET", url, b"")

    assert isinstance(received(verifier, headers, url=url, body=b"", method="GET"), dict)
    tampered = url.replace("page=1", "page=2")
    assert received(verifier, headers, url=tampered, body=b"", method="GET") == Refusal(MISMATCH)


def test_a_percent_encoded_path_segment_is_signed_as_aws_clients_sign_it() -> None:
    verifier = stack_verifier()
    url = f"http://{HOST}/v1/iam/loyalty/customers/ana%40example.com"
    headers = sign(temporary(verifier), REGION, "GET", url, b"")

    assert isinstance(received(verifier, headers, url=url, body=b"", method="GET"), dict)


def test_an_altered_signed_header_does_not_match_and_an_unsigned_one_is_free() -> None:
    verifier = stack_verifier()
    headers = sign(temporary(verifier), REGION, "POST", ACTIONS, BODY, {"Content-Type": "application/json"})

    assert isinstance(received(verifier, {**headers, "User-Agent": "added/1.0"}), dict)
    assert received(verifier, {**headers, "Content-Type": "text/plain"}) == Refusal(MISMATCH)


def test_a_signature_older_than_five_minutes_has_expired() -> None:
    # Given a request signed now, received 5 min 1 s later
    verifier = stack_verifier()
    headers = sign(temporary(verifier), REGION, "POST", ACTIONS, BODY)
    signed_at = datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    verifier.now = lambda: signed_at + timedelta(minutes=5, seconds=1)

    refusal = received(verifier, headers)

    # Then API Gateway's own message, naming both times
    assert isinstance(refusal, Refusal)
    assert refusal.message.startswith(f"Signature expired: {headers['X-Amz-Date']} is now earlier than ")
    assert refusal.message.endswith(" - 5 min.)")


def test_a_signature_four_minutes_old_still_passes() -> None:
    verifier = stack_verifier()
    headers = sign(temporary(verifier), REGION, "POST", ACTIONS, BODY)
    signed_at = datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    verifier.now = lambda: signed_at + timedelta(minutes=4)

    assert isinstance(received(verifier, headers), dict)


def test_a_signature_dated_over_five_minutes_ahead_is_not_yet_current() -> None:
    verifier = stack_verifier()
    headers = sign(temporary(verifier), REGION, "POST", ACTIONS, BODY)
    signed_at = datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    verifier.now = lambda: signed_at - timedelta(minutes=6)

    refusal = received(verifier, headers)

    assert isinstance(refusal, Refusal)
    assert refusal.message.startswith("Signature not yet current: ")


def test_a_credential_scoped_to_another_region_is_refused() -> None:
    verifier = stack_verifier()
    headers = sign(temporary(verifier), "eu-west-1", "POST", ACTIONS, BODY)

    assert received(verifier, headers) == Refusal("Credential should be scoped to a valid region. ")


def test_a_credential_scoped_to_another_service_is_refused() -> None:
    verifier = stack_verifier()
    doc = verifier.document()
    headers = sign(temporary(verifier), REGION, "POST", ACTIONS, BODY)
    headers["Authorization"] = headers["Authorization"].replace(f"/{SERVICE}/", "/lambda/")

    assert doc["service"] == SERVICE
    assert received(verifier, headers) == Refusal(f"Credential should be scoped to correct service: '{SERVICE}'. ")


def test_a_scope_date_other_than_the_signing_date_is_refused() -> None:
    verifier = stack_verifier()
    headers = sign(temporary(verifier), REGION, "POST", ACTIONS, BODY)
    day = headers["X-Amz-Date"][:8]
    headers["Authorization"] = headers["Authorization"].replace(f"/{day}/", "/20000101/")

    refusal = received(verifier, headers)

    assert isinstance(refusal, Refusal)
    assert refusal.message.startswith("Date in Credential scope does not match YYYYMMDD")


def test_an_unsigned_request_is_forbidden() -> None:
    assert received(stack_verifier(), {}) == Refusal(FORBIDDEN, "ForbiddenException")


def test_an_authorization_of_another_scheme_is_an_incomplete_signature() -> None:
    refusal = received(stack_verifier(), {"Authorization": "Bearer abc"})

    assert isinstance(refusal, Refusal)
    assert refusal.error_type == "IncompleteSignatureException"
    assert "Authorization header requires 'Credential' parameter." in refusal.message


def test_a_signature_that_leaves_the_host_out_is_refused() -> None:
    verifier = stack_verifier()
    headers = sign(temporary(verifier), REGION, "POST", ACTIONS, BODY)
    headers["Authorization"] = headers["Authorization"].replace("SignedHeaders=host;", "SignedHeaders=")

    assert received(verifier, headers) == Refusal(HOST_NOT_SIGNED, "IncompleteSignatureException")


def test_a_refusal_is_api_gateways_403_body_and_error_type() -> None:
    result = Refusal(MISMATCH).result()

    assert result.status == 403
    assert json.loads(result.body) == {"message": MISMATCH}
    assert ("x-amzn-ErrorType", "InvalidSignatureException") in result.headers
