"""The JWT bearer assertion (RFC 7523) is RS256-signed so that any RS256 verifier accepts it.

The layer signs with `rsa` (pure Python); these tests verify with cryptography (OpenSSL), an
independent implementation, on keys in the two PEM forms that OpenSSL writes.
"""

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from connector.errors import PermanentError
from connector.salesforce.auth import JwtBearer


def _decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, form: serialization.PrivateFormat) -> str:
    return key.private_bytes(serialization.Encoding.PEM, form, serialization.NoEncryption()).decode()


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _grant(private_key_pem: str) -> JwtBearer:
    return JwtBearer(
        domain_url="https://acme.my.salesforce.com",
        client_id="connected-app",
        username="integration@acme.example",
        private_key_pem=private_key_pem,
        audience="https://test.salesforce.com/",
    )


@pytest.mark.parametrize(
    "form", [serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL], ids=["pkcs8", "pkcs1"]
)
def test_the_assertion_signature_verifies_with_the_public_key(key, form):
    # given a connected app's private key in either PEM form
    grant = _grant(_pem(key, form))

    # when the assertion is made
    header, payload, signature = grant.assertion().split(".")

    # then OpenSSL verifies its RS256 signature (raises InvalidSignature otherwise)
    key.public_key().verify(_decode(signature), f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())


def test_the_assertion_names_rs256_the_connected_app_the_user_and_the_audience(key):
    header, payload, _ = _grant(_pem(key, serialization.PrivateFormat.PKCS8)).assertion().split(".")

    assert json.loads(_decode(header)) == {"alg": "RS256", "typ": "JWT"}
    claims = json.loads(_decode(payload))
    assert (claims["iss"], claims["sub"], claims["aud"]) == (
        "connected-app",
        "integration@acme.example",
        "https://test.salesforce.com",
    )


def test_an_elliptic_curve_key_is_refused_as_permanent():
    given = _pem(ec.generate_private_key(ec.SECP256R1()), serialization.PrivateFormat.PKCS8)

    with pytest.raises(PermanentError, match="RSA private key"):
        _grant(given).assertion()


def test_a_key_that_is_not_pem_is_refused_as_permanent():
    with pytest.raises(PermanentError, match="PEM"):
        _grant("not a key").assertion()


def test_a_truncated_key_is_refused_as_permanent(key):
    pem = _pem(key, serialization.PrivateFormat.PKCS8)
    truncated = "\n".join(pem.splitlines()[:5] + pem.splitlines()[-1:])

    with pytest.raises(PermanentError, match="not a readable RSA key"):
        _grant(truncated).assertion()
