"""OAuth 2.0 token endpoint (client credentials and JWT bearer flows) and session checks."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT_CREDENTIALS = "client_credentials"
# Audiences Salesforce accepts in a JWT bearer assertion (plus the emulator's own base URL).
KNOWN_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
# The generic login hosts: they serve the JWT bearer flow, but refuse client credentials, which
# need the org's My Domain (https://help.salesforce.com/s/articleView?id=000886201&type=1; the body
# as reported in https://github.com/pozil/pub-sub-api-node-client/issues/58).
GENERIC_LOGIN_HOSTS = frozenset({"login.salesforce.com", "test.salesforce.com"})


@dataclass(frozen=True)
class TokenOutcome:
    status: int
    body: dict[str, Any]


def _oauth_error(error: str, description: str) -> TokenOutcome:
    return TokenOutcome(400, {"error": error, "error_description": description})


def _b64url_json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


class Sessions:
    """Issued access tokens. `expire_all` invalidates them like a revoked or timed-out session."""

    def __init__(self, client_id: str, client_secret: str, org_id: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self._org_id = org_id
        self._lock = threading.Lock()
        self._tokens: set[str] = set()

    def is_valid(self, token: str | None) -> bool:
        with self._lock:
            return token is not None and token in self._tokens

    def expire_all(self) -> None:
        with self._lock:
            self._tokens.clear()

    def token_request(
        self, form: Mapping[str, str], basic: tuple[str, str] | None, instance_url: str, user_id: str, host: str = ""
    ) -> TokenOutcome:
        """`host` is the Host the client called (the emulator answers as whichever host it is called by)."""
        grant = form.get("grant_type", "")
        if grant == CLIENT_CREDENTIALS:
            if host.rpartition(":")[0].lower() in GENERIC_LOGIN_HOSTS or host.lower() in GENERIC_LOGIN_HOSTS:
                return _oauth_error("invalid_grant", "request not supported on this domain")
            client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
            if not (hmac.compare_digest(client_id, self.client_id) and hmac.compare_digest(secret, self.client_secret)):
                return _oauth_error("invalid_client", "invalid client credentials")
            return self._issue(instance_url, user_id)
        if grant == JWT_BEARER:
            problem = self._check_assertion(form.get("assertion", ""), instance_url)
            return problem or self._issue(instance_url, user_id)
        return _oauth_error("unsupported_grant_type", "grant type not supported")

    def _check_assertion(self, assertion: str, instance_url: str) -> TokenOutcome | None:
        """Checks the assertion's shape and claims. The signature is NOT verified: the emulator
        holds no certificate for the connected app, and what it must catch are client bugs in
        building the claims (issuer, audience, expiry), not forged tokens."""
        parts = assertion.split(".")
        if len(parts) != 3 or not all(parts[:2]):
            return _oauth_error("invalid_grant", "invalid assertion")
        try:
            header, claims = _b64url_json(parts[0]), _b64url_json(parts[1])
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return _oauth_error("invalid_grant", "invalid assertion")
        if not isinstance(header, dict) or not isinstance(claims, dict) or not header.get("alg"):
            return _oauth_error("invalid_grant", "invalid assertion")
        if claims.get("iss") != self.client_id:
            return _oauth_error("invalid_client_id", "client identifier invalid")
        audiences = claims.get("aud")
        audiences = audiences if isinstance(audiences, list) else [audiences]
        accepted = {a.rstrip("/") for a in (*KNOWN_AUDIENCES, instance_url)}
        if not any(isinstance(a, str) and a.rstrip("/") in accepted for a in audiences):
            return _oauth_error("invalid_grant", "audience is invalid")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            return _oauth_error("invalid_grant", "invalid assertion")
        expiry = claims.get("exp")
        if not isinstance(expiry, int | float) or isinstance(expiry, bool) or expiry <= time.time():
            return _oauth_error("invalid_grant", "expired authorization code")
        return None

    def _issue(self, instance_url: str, user_id: str) -> TokenOutcome:
        token = f"{self._org_id[:15]}!{secrets.token_urlsafe(72)}"
        with self._lock:
            self._tokens.add(token)
        issued_at = str(int(time.time() * 1000))
        identity = f"{instance_url}/id/{self._org_id}/{user_id}"
        # Salesforce signs id + issued_at with the client secret so clients can check the answer.
        digest = hmac.new(self.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256).digest()
        return TokenOutcome(
            200,
            {
                "access_token": token,
                "instance_url": instance_url,
                "id": identity,
                "token_type": "Bearer",
                "issued_at": issued_at,
                "signature": base64.b64encode(digest).decode(),
                "scope": "api",
            },
        )
