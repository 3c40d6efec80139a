"""AWS Signature Version 4, checked as API Gateway's AWS_IAM authorizer checks it, for the routes the
template puts behind it (`Auth: Authorizer: AWS_IAM`: the /v1/iam/ routes Salesforce calls).

The signature is recomputed with botocore's own `SigV4Auth` over the request as received (its
canonical request, string to sign and signing key), so the local gateway and every AWS client agree
on the algorithm by construction; what is written here is what botocore, a signer, has no part of:
reading the Authorization header, the 5-minute clock window, the credential scope, the key and
session token look-up, and API Gateway's refusals (403 with its own messages, from
https://repost.aws/knowledge-center/api-gateway-iam-sigv4-mismatch and the InvalidSignatureException
bodies AWS answers, e.g. "Signature expired: <t> is now earlier than <now - 5 min> (<now> - 5 min.)").

Each stack generates its own keys (a long-term key and temporary credentials with a session token,
as STS or IAM Roles Anywhere hand Salesforce), listed by `GET /_local/health` under `sigv4`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from devstack.events import LOCAL_API_ID, HttpResult

SERVICE = "execute-api"
ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
MAX_SKEW = timedelta(minutes=5)
AUTHORIZER = "AWS_IAM"

FORBIDDEN = "Forbidden"
INVALID_TOKEN = "The security token included in the request is invalid."  # noqa: S105 - an error text
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)
# API Gateway's answer to a valid signature of an identity whose policies do not allow execute-api:Invoke
# on the route (https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden).
NOT_AUTHORIZED = "User: {arn} is not authorized to perform: execute-api:Invoke on resource: {resource}"
STAGE = "$default"
HOST_NOT_SIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
NO_DATE = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
_KEY_ALPHABET = string.ascii_uppercase + "234567"


@dataclass(frozen=True)
class Refusal:
    """API Gateway's answer to a request its IAM authorizer refuses: 403, `{"message": ...}`, and the
    error type in `x-amzn-ErrorType`."""

    message: str
    error_type: str = "InvalidSignatureException"

    def result(self) -> HttpResult:
        headers = [("content-type", "application/json"), ("x-amzn-ErrorType", self.error_type)]
        return HttpResult(403, headers, json.dumps({"message": self.message}).encode())


@dataclass(frozen=True)
class LocalKey:
    """An access key the local stack accepts, and the IAM identity API Gateway reports for it."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None
    user_arn: str
    user_id: str
    # Whether the identity's policies allow execute-api:Invoke on the AWS_IAM routes: the role session's
    # do (SalesforceInvokeRole); the IAM user's do not (SalesforceCallerUser may only sts:AssumeRole), so
    # API Gateway answers its valid signature 403 AccessDeniedException.
    may_invoke: bool = True

    def credentials(self) -> Credentials:
        return Credentials(self.access_key_id, self.secret_access_key, self.session_token)


def _key_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


class SigV4Verifier:
    def __init__(
        self,
        keys: Iterable[LocalKey],
        region: str,
        account_id: str,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        api_id: str = LOCAL_API_ID,
    ) -> None:
        self.keys = {key.access_key_id: key for key in keys}
        self.region = region
        self.account_id = account_id
        self.now = now
        self.api_id = api_id

    @classmethod
    def generate(cls, region: str, account_id: str) -> SigV4Verifier:
        """A stack's own keys: the IAM user's long-term key (AKIA..., SalesforceCallerUser's: a valid
        signature, but the user may only assume the role, so the routes refuse it as API Gateway does),
        and a role session's temporary credentials (ASIA..., with a session token), as Salesforce gets
        them from STS or Roles Anywhere: the key that calls the routes."""
        user_key = _key_id("AKIA")
        role_id = _key_id("AROA")
        return cls(
            [
                LocalKey(
                    user_key,
                    secrets.token_urlsafe(30),
                    None,
                    f"arn:aws:iam::{account_id}:user/salesforce-local",
                    _key_id("AIDA"),
                    may_invoke=False,
                ),
                LocalKey(
                    _key_id("ASIA"),
                    secrets.token_urlsafe(30),
                    secrets.token_urlsafe(96),
                    f"arn:aws:sts::{account_id}:assumed-role/SalesforceInvokeRole/salesforce",
                    f"{role_id}:salesforce",
                ),
            ],
            region,
            account_id,
        )

    def document(self) -> dict[str, Any]:
        """What `GET /_local/health` lists: the service, region and each key."""
        long_term = [k for k in self.keys.values() if k.session_token is None]
        temporary = [k for k in self.keys.values() if k.session_token is not None]
        doc: dict[str, Any] = {"service": SERVICE, "region": self.region}
        if long_term:
            doc["access_key_id"] = long_term[0].access_key_id
            doc["secret_access_key"] = long_term[0].secret_access_key
        if temporary:
            doc["temporary"] = {
                "access_key_id": temporary[0].access_key_id,
                "secret_access_key": temporary[0].secret_access_key,
                "session_token": temporary[0].session_token,
            }
        return doc

    # ------------------------------------------------------------------ verification
    def verify(
        self, method: str, raw_path: str, raw_query: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> dict[str, Any] | Refusal:
        """The IAM identity API Gateway puts in `requestContext.authorizer.iam` for a request whose
        signature holds, else its refusal."""
        received = _headers(headers)
        authorization = received.get("authorization")
        if not authorization:
            return Refusal(FORBIDDEN, "ForbiddenException")
        parsed = _parse_authorization(authorization)
        if isinstance(parsed, Refusal):
            return parsed
        credential, signed_headers, signature = parsed
        stamp = _timestamp(received)
        if stamp is None:
            return Refusal(NO_DATE, "IncompleteSignatureException")
        scope = credential.split("/")
        if len(scope) != 5:
            return Refusal("Credential should be scoped to a valid region. ")
        key_id, day, region, service, terminator = scope
        if day != stamp[:8]:
            return Refusal(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                f"'{day}' != '{stamp[:8]}', from '{stamp}'."
            )
        if region != self.region:
            return Refusal("Credential should be scoped to a valid region. ")
        if service != SERVICE:
            return Refusal(f"Credential should be scoped to correct service: '{SERVICE}'. ")
        if terminator != TERMINATOR:
            return Refusal(f"Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{terminator}'. ")
        key = self.keys.get(key_id)
        token = received.get("x-amz-security-token")
        if key is None or (token or None) != key.session_token:
            # An unknown key, a temporary key without its session token (or with another), or a long-term
            # key with one: the same answer AWS gives for each.
            return Refusal(INVALID_TOKEN, "UnrecognizedClientException")
        if "host" not in signed_headers:
            return Refusal(HOST_NOT_SIGNED, "IncompleteSignatureException")
        expired = self._outside_window(stamp)
        if expired is not None:
            return expired
        # The payload hash a client may send is only a claim: it must be the body's own, else an altered
        # body would pass under the claimed hash (botocore's verifier would take the header as given).
        claimed = received.get("x-amz-content-sha256")
        if claimed is not None and claimed != hashlib.sha256(body).hexdigest():
            return Refusal(MISMATCH)
        expected = _signature(key, self.region, method, raw_path, raw_query, received, signed_headers, body, stamp)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            return Refusal(MISMATCH)
        if not key.may_invoke:
            api = f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}"
            resource = f"{api}/{STAGE}/{method.upper()}{raw_path}"
            return Refusal(NOT_AUTHORIZED.format(arn=key.user_arn, resource=resource), "AccessDeniedException")
        return {
            "accessKey": key.access_key_id,
            "accountId": self.account_id,
            "callerId": key.user_id,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": key.user_arn,
            "userId": key.user_id,
        }

    def _outside_window(self, stamp: str) -> Refusal | None:
        signed_at = datetime.strptime(stamp, SIGV4_TIMESTAMP).replace(tzinfo=UTC)
        now = self.now()
        fmt = SIGV4_TIMESTAMP
        if signed_at < now - MAX_SKEW:
            earliest = (now - MAX_SKEW).strftime(fmt)
            return Refusal(f"Signature expired: {stamp} is now earlier than {earliest} ({now.strftime(fmt)} - 5 min.)")
        if signed_at > now + MAX_SKEW:
            latest = (now + MAX_SKEW).strftime(fmt)
            return Refusal(
                f"Signature not yet current: {stamp} is still later than {latest} ({now.strftime(fmt)} + 5 min.)"
            )
        return None


class _AsReceived(SigV4Auth):
    """botocore's SigV4 over the headers the client named in SignedHeaders, exactly: botocore's own
    choice of headers (all but user-agent, expect, ...) is a signer's, not what a verifier reads."""

    def __init__(self, credentials: Credentials, region: str, signed_headers: list[str]) -> None:
        super().__init__(credentials, SERVICE, region)
        self._signed_headers = signed_headers

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        chosen = HTTPHeaders()
        for name in self._signed_headers:
            chosen[name] = request.headers.get(name, "")
        return chosen


def _signature(
    key: LocalKey,
    region: str,
    method: str,
    raw_path: str,
    raw_query: str,
    received: Mapping[str, str],
    signed_headers: list[str],
    body: bytes,
    stamp: str,
) -> str:
    host = received.get("host", "localhost")
    url = f"https://{host}{raw_path}" + (f"?{raw_query}" if raw_query else "")
    request = AWSRequest(
        method=method.upper(), url=url, data=body, headers={n: received.get(n, "") for n in signed_headers}
    )
    request.context["timestamp"] = stamp
    auth = _AsReceived(key.credentials(), region, signed_headers)
    return auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)


def _headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-cased names, repeated headers joined by commas (as SigV4's canonical headers join them)."""
    out: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        out[key] = f"{out[key]},{value}" if key in out else value
    return out


def _parse_authorization(value: str) -> tuple[str, list[str], str] | Refusal:
    algorithm, _, rest = value.strip().partition(" ")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, _, field_value = part.strip().partition("=")
        if name:
            fields[name] = field_value.strip()
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not fields.get(name)
    ]
    if algorithm != ALGORITHM or missing:
        return Refusal(" ".join([*missing, f"Authorization={algorithm}"]), "IncompleteSignatureException")
    return fields["Credential"], fields["SignedHeaders"].lower().split(";"), fields["Signature"].lower()


def _timestamp(received: Mapping[str, str]) -> str | None:
    """The signing time, in SigV4's basic ISO-8601 form: X-Amz-Date, else an RFC 1123 Date header."""
    amz_date = received.get("x-amz-date")
    if amz_date:
        try:
            datetime.strptime(amz_date, SIGV4_TIMESTAMP)
        except ValueError:
            return None
        return amz_date
    date = received.get("date")
    if date:
        try:
            return parsedate_to_datetime(date).astimezone(UTC).strftime(SIGV4_TIMESTAMP)
        except (TypeError, ValueError):
            return None
    return None


def sign(
    credentials: Credentials,
    region: str,
    method: str,
    url: str,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The headers of a request signed by botocore's SigV4Auth (service execute-api), as any AWS client
    (or Salesforce's Named Credential) signs it: for tests and the `send` helpers."""
    request = AWSRequest(method=method.upper(), url=url, data=body, headers=dict(headers or {}))
    SigV4Auth(credentials, SERVICE, region).add_auth(request)
    return dict(request.headers.items())
