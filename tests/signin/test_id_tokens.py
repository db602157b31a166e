"""ID tokens the callback refuses: another key, expired, another audience, replayed.

The tokens are signed here, with the real provider's own key when the point is a claim,
and checked by the same function the callback uses, against the provider's published
keys (its discovery document and JWKS, over HTTP).
"""

from __future__ import annotations

import base64
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from requirements import need_oidc_provider

from invider import create_app
from invider.signin.client import SignInRefused, fresh_metadata, verify_id_token

NONCE = "nonce-of-this-sign-in"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    need_oidc_provider()
    provider = Provider(["http://127.0.0.1:9"]).start(tmp_path_factory.mktemp("provider"))
    yield provider
    provider.stop()


@pytest.fixture
def app(provider, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE": str(tmp_path / "instance"),
            "OIDC_ISSUER": provider.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        }
    )
    with app.app_context():
        fresh_metadata()
        yield app


def signed(key: RSAKey, provider: Provider, **changes) -> dict:
    """Return a token response whose ID token carries ``changes``, signed with ``key``."""
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "aud": CLIENT_ID,
        "sub": "bob",
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        "name": "Bob Durand",
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
    return {"id_token": token, "access_token": "opaque", "token_type": "Bearer"}


def test_a_token_signed_by_the_provider_for_this_client_is_accepted(app, provider):
    # The control: the same harness with nothing wrong passes, so a refusal below is real.
    claims = verify_id_token(signed(provider.key, provider), NONCE)
    assert claims["sub"] == "bob" and claims["name"] == "Bob Durand"


def test_a_token_signed_with_another_key_is_refused(app, provider):
    impostor = RSAKey.generate_key(2048, parameters={"kid": provider.key.kid}, private=True)
    with pytest.raises(SignInRefused):
        verify_id_token(signed(impostor, provider), NONCE)


def test_a_token_signed_with_an_unknown_key_id_is_refused(app, provider):
    stranger = RSAKey.generate_key(2048, parameters={"kid": "someone-else"}, private=True)
    with pytest.raises(SignInRefused):
        verify_id_token(signed(stranger, provider), NONCE)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"exp": int(time.time()) - 3600}, id="expired"),
        pytest.param({"aud": "another-client"}, id="another-audience"),
        pytest.param({"iss": "http://127.0.0.1:1"}, id="another-issuer"),
        pytest.param({"nonce": "nonce-of-another-sign-in"}, id="replayed-from-another-sign-in"),
        pytest.param({"nonce": None}, id="no-nonce"),
        pytest.param({"exp": None}, id="no-expiry"),
    ],
)
def test_a_token_with_a_wrong_claim_is_refused(app, provider, changes):
    with pytest.raises(SignInRefused):
        verify_id_token(signed(provider.key, provider, **changes), NONCE)


def test_a_tampered_token_is_refused(app, provider):
    token = signed(provider.key, provider)
    header, payload, signature = token["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "alice"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    token["id_token"] = f"{header}.{forged}.{signature}"
    with pytest.raises(SignInRefused):
        verify_id_token(token, NONCE)


def test_an_unsigned_token_is_refused(app, provider):
    token = signed(provider.key, provider)
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    _, payload, _ = token["id_token"].split(".")
    token["id_token"] = f"{header}.{payload}."
    with pytest.raises(SignInRefused):
        verify_id_token(token, NONCE)


def test_a_token_response_without_an_id_token_is_refused(app):
    with pytest.raises(SignInRefused):
        verify_id_token({"access_token": "opaque", "token_type": "Bearer"}, NONCE)
