"""OAuth 2.0 for Salesforce: client-credentials flow, JWT bearer as the alternative.

Both post to the org's My Domain token endpoint (`{domain_url}/services/oauth2/token`): client
credentials are refused on login/test.salesforce.com ("request not supported on this domain",
https://help.salesforce.com/s/articleView?id=000886201&type=1). The JWT assertion's audience is a
separate value (https://login.salesforce.com, or https://test.salesforce.com for a sandbox).

Tokens are cached per container (module level), so a warm Lambda spends no token request, and are
renewed by the client when Salesforce answers 401 INVALID_SESSION_ID.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

import requests

from connector.errors import PermanentError, TransientError


@dataclass(frozen=True)
class AccessToken:
    access_token: str
    instance_url: str
    issued_at: float
    # The token response's `id`: the identity URL `<login host>/id/<org id>/<user id>` of the user the
    # token acts as (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm:
    # the response carries `id` in every OAuth 2.0 flow). Its last segment is the integration user's Id.
    identity_url: str = ""

    @property
    def user_id(self) -> str:
        """The Id of the user the token acts as (empty when the response named none)."""
        parts = self.identity_url.rstrip("/").split("/")
        return parts[-1] if len(parts) >= 3 and parts[-3] == "id" else ""


class TokenSource(Protocol):
    """Something that can mint a fresh Salesforce access token."""

    @property
    def cache_key(self) -> str: ...

    def fetch(self, session: requests.Session) -> AccessToken: ...


_TOKEN_CACHE: dict[str, AccessToken] = {}
_CACHE_LOCK = threading.Lock()


def _request_token(session: requests.Session, domain_url: str, form: dict[str, str]) -> AccessToken:
    url = f"{domain_url.rstrip('/')}/services/oauth2/token"
    try:
        resp = session.post(url, data=form, timeout=(3.05, 20))
    except requests.RequestException as exc:
        raise TransientError(f"token endpoint unreachable: {type(exc).__name__}") from exc
    if resp.status_code >= 500 or resp.status_code == 429:
        raise TransientError(f"token endpoint answered {resp.status_code}")
    if resp.status_code != 200:
        try:
            error = resp.json().get("error", "unknown_error")
        except ValueError:
            error = "unknown_error"
        raise PermanentError(f"Salesforce refused the credentials: {resp.status_code} {error}")
    body = resp.json()
    return AccessToken(
        body["access_token"], body["instance_url"].rstrip("/"), time.time(), identity_url=str(body.get("id") or "")
    )


class _Grant:
    """An OAuth 2.0 grant posted as a form to `{domain_url}/services/oauth2/token`."""

    domain_url: str

    def form(self) -> dict[str, str]:
        raise NotImplementedError

    def fetch(self, session: requests.Session) -> AccessToken:
        return _request_token(session, self.domain_url, self.form())


@dataclass(frozen=True)
class ClientCredentials(_Grant):
    """The OAuth 2.0 client-credentials flow of a connected app (or External Client App)."""

    domain_url: str
    client_id: str
    client_secret: str

    @property
    def cache_key(self) -> str:
        return f"cc|{self.domain_url}|{self.client_id}"

    def form(self) -> dict[str, str]:
        return {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}


@dataclass(frozen=True)
class JwtBearer(_Grant):
    """The OAuth 2.0 JWT bearer flow: a certificate-signed assertion for an integration user."""

    domain_url: str
    client_id: str
    username: str
    private_key_pem: str
    # https://login.salesforce.com, or https://test.salesforce.com for a sandbox (not the token URL).
    audience: str = "https://login.salesforce.com"

    @property
    def cache_key(self) -> str:
        return f"jwt|{self.domain_url}|{self.client_id}|{self.username}"

    def form(self) -> dict[str, str]:
        return {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": self.assertion()}

    def assertion(self) -> str:
        import base64
        import json

        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        header = b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
        claims = {
            "iss": self.client_id,
            "sub": self.username,
            "aud": self.audience.rstrip("/"),
            "exp": int(time.time()) + 180,
        }
        payload = b64(json.dumps(claims).encode())
        return f"{header}.{payload}.{b64(rs256(self.private_key_pem, f'{header}.{payload}'.encode()))}"


# The RSA PKCS#1 v1.5 object identifier (RFC 8017, A.1): the algorithm of a PKCS#8 RSA key.
_RSA_ENCRYPTION = "1.2.840.113549.1.1.1"


def rs256(private_key_pem: str, message: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 with SHA-256 (JWS `RS256`, RFC 7518 3.3) by `rsa`, pure Python (with
    pyasn1, 1 MB in the layer) rather than cryptography (15 MB with cffi): one signature per token
    request does not need OpenSSL's speed. google-auth signed with the same pair before it required
    cryptography (google/auth/crypt/_python_rsa.py). The key is PKCS#1 (`BEGIN RSA PRIVATE KEY`,
    `openssl genrsa` before OpenSSL 3) or unencrypted PKCS#8 (`BEGIN PRIVATE KEY`, OpenSSL 3's
    default), whose RSAPrivateKey is the OCTET STRING of a PrivateKeyInfo (RFC 5208 5)."""
    # Imported here: only JWT users pay for their import.
    import rsa
    from pyasn1.codec.der import decoder
    from pyasn1.error import PyAsn1Error

    pem = private_key_pem.strip().encode()
    try:
        if pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----"):
            key = rsa.PrivateKey.load_pkcs1(pem, format="PEM")
        elif pem.startswith(b"-----BEGIN PRIVATE KEY-----"):
            info, _ = decoder.decode(rsa.pem.load_pem(pem, "PRIVATE KEY"))
            if str(info[1][0]) != _RSA_ENCRYPTION:
                raise PermanentError("JWT bearer needs an RSA private key")
            key = rsa.PrivateKey.load_pkcs1(bytes(info[2]), format="DER")
        else:
            raise PermanentError("JWT bearer needs an unencrypted RSA private key in PEM (PKCS#1 or PKCS#8)")
    except (PyAsn1Error, ValueError, IndexError, TypeError) as error:
        raise PermanentError("JWT bearer private key is not a readable RSA key") from error
    return rsa.sign(message, key, "SHA-256")


class TokenProvider:
    """Hands out the cached token; `renew` replaces it once a session has expired."""

    def __init__(self, source: TokenSource) -> None:
        self._source = source

    def current(self, session: requests.Session) -> AccessToken:
        token = _TOKEN_CACHE.get(self._source.cache_key)
        if token is None:
            with _CACHE_LOCK:
                token = _TOKEN_CACHE.get(self._source.cache_key)
                if token is None:
                    token = self._source.fetch(session)
                    _TOKEN_CACHE[self._source.cache_key] = token
        return token

    def renew(self, session: requests.Session, stale: AccessToken) -> AccessToken:
        with _CACHE_LOCK:
            token = _TOKEN_CACHE.get(self._source.cache_key)
            if token is None or token.access_token == stale.access_token:
                token = self._source.fetch(session)
                _TOKEN_CACHE[self._source.cache_key] = token
        return token


def forget_cached_tokens() -> None:
    """Drop every cached token (tests, and credential rotation)."""
    with _CACHE_LOCK:
        _TOKEN_CACHE.clear()
