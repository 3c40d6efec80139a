"""What every request must pass before anything reads it: size, signature, well-formed JSON.

Runs ahead of the Powertools resolver because its validation middleware always runs first, and an
unsigned request must get a 401 before its body is even parsed. A platform's own webhooks (which
cannot sign) are authenticated instead by the token their URL carries (`check_token_request`).
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Callable
from typing import Any

from connector.pipeline.responses import Answer, message
from connector.pipeline.signature import source_family, verify

MAX_BODY_BYTES = 256 * 1024
UNAUTHENTICATED = "missing, stale or invalid X-Signature"
# The routes Salesforce calls through its Named Credential: AWS Signature V4, which API Gateway checks
# (an AWS_IAM authorizer on each, template.yaml) before the function runs; no X-Signature.
IAM_PREFIX = "/v1/iam/"
# API Gateway's own answer to a request its IAM authorizer refuses.
FORBIDDEN = "Forbidden"


def raw_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode() if isinstance(body, str) else bytes(body)


def signed_path(event: dict[str, Any]) -> str:
    path = event.get("rawPath") or event.get("requestContext", {}).get("http", {}).get("path", "/")
    query = event.get("rawQueryString") or ""
    return f"{path}?{query}" if query else path


def check_request(event: dict[str, Any], secret_for: Callable[[str], str | None]) -> Answer | None:
    """None when the request may proceed, else the answer that stops it."""
    body = raw_body(event)
    if len(body) > MAX_BODY_BYTES:
        return _too_large()
    method = _method(event)
    path = signed_path(event)
    family = source_family(path)
    secret = secret_for(family) if family else None
    header = (event.get("headers") or {}).get("x-signature")
    if not secret or not verify(header, secret, method, path, body):
        return message(401, UNAUTHENTICATED)
    return _malformed(method, body)


def is_iam_path(event: dict[str, Any]) -> bool:
    return signed_path(event).startswith(IAM_PREFIX)


def iam_caller(event: dict[str, Any]) -> dict[str, Any] | None:
    """The IAM identity API Gateway's AWS_IAM authorizer puts in the event (payload 2.0:
    requestContext.authorizer.iam, with the signing key and the caller's ARN), or None."""
    authorizer = (event.get("requestContext") or {}).get("authorizer")
    iam = authorizer.get("iam") if isinstance(authorizer, dict) else None
    if isinstance(iam, dict) and iam.get("accessKey") and iam.get("userArn"):
        return iam
    return None


def check_iam_request(event: dict[str, Any]) -> Answer | None:
    """The same checks for a route behind the gateway's AWS_IAM authorizer: the gateway verified the
    signature, so the function asks for no X-Signature, but a request without the identity the
    authorizer adds never went through it (a route deployed without its authorizer) and is refused
    as the gateway would refuse it, so a misconfigured gateway never opens these routes."""
    body = raw_body(event)
    if len(body) > MAX_BODY_BYTES:
        return _too_large()
    if iam_caller(event) is None:
        return message(403, FORBIDDEN)
    return _malformed(_method(event), body)


def check_token_request(event: dict[str, Any], presented: str, expected: str | None) -> Answer | None:
    """The same checks for a platform's own webhook: the token its URL carries, compared in constant
    time with the installation's, stands for the signature (same 401 when wrong or missing)."""
    body = raw_body(event)
    if len(body) > MAX_BODY_BYTES:
        return _too_large()
    # Compared as bytes: compare_digest raises TypeError on non-ASCII str, and the path is the caller's.
    if not expected or not presented or not hmac.compare_digest(presented.encode(), expected.encode()):
        return message(401, UNAUTHENTICATED)
    return _malformed(_method(event), body)


def _method(event: dict[str, Any]) -> str:
    return str(event.get("requestContext", {}).get("http", {}).get("method", "POST")).upper()


def _too_large() -> Answer:
    return message(413, f"body over {MAX_BODY_BYTES // 1024} KiB")


def _malformed(method: str, body: bytes) -> Answer | None:
    if method in ("POST", "PUT", "PATCH"):
        try:
            json.loads(body)
        except (ValueError, RecursionError) as exc:
            return message(400, f"malformed JSON: {type(exc).__name__}")
    return None
