"""The OpenID Connect client: Authlib's Flask integration, and the ID-token checks.

Authlib does the protocol: discovery, authorization code with PKCE, state and nonce
(kept in the signed session cookie, so any worker of any server can finish a sign-in),
and the ID token's signature, issuer, audience and expiry.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app

from invider.signin import settings

log = logging.getLogger("invider")
EXTENSION = "invider.signin"


class ProviderUnavailable(Exception):
    """The identity provider did not answer, or answered with an error of its own."""


class SignInRefused(Exception):
    """The provider's answer does not prove who signs in (forged, expired, replayed...)."""


def init_app(app: Flask) -> None:
    """Register the provider with Authlib when sign-in is configured."""
    if not settings.enabled(app.config):
        return
    # Authlib (and requests, JOSE and crypto under it) only where sign-in is set up:
    # every command and server start creates the app.
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    issuer = str(app.config["OIDC_ISSUER"]).rstrip("/")
    oauth.register(
        "company",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=issuer + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": app.config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            "default_timeout": float(app.config["OIDC_TIMEOUT"]),
        },
    )
    app.extensions[EXTENSION] = oauth


def provider():
    """Return this app's Authlib client for the company's provider."""
    return current_app.extensions[EXTENSION].company


def fresh_metadata() -> dict:
    """Read the provider's discovery document again, so a stopped provider shows at once.

    The document is data, kept per worker between sign-ins; a sign-in starts with a
    fresh read (one small request) instead of sending the phone to a dead address.
    """
    import requests

    client = provider()
    client.server_metadata.pop("_loaded_at", None)
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"discovery failed: {error}") from error
    if str(metadata.get("issuer", "")).rstrip("/") != settings.issuer():
        raise ProviderUnavailable(f"discovery names another issuer: {metadata.get('issuer')}")
    return metadata


def verify_id_token(token: dict, nonce: str) -> dict:
    """Return the claims of the token response's ID token, checked, or raise SignInRefused.

    Checked: the signature against the provider's published keys, the issuer, the
    audience (this client), the expiry, and the nonce of this browser's sign-in.
    """
    import requests
    from joserfc.errors import JoseError

    if not isinstance(token, dict) or "id_token" not in token:
        raise SignInRefused("the provider sent no ID token")
    client = provider()
    # The issuer exactly as the provider spells it (discovery checked it is the configured
    # one, a trailing slash aside): Auth0, for one, ends it with a slash.
    try:
        issuer = client.load_server_metadata().get("issuer") or settings.issuer()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"discovery failed: {error}") from error
    options = {
        "iss": {"essential": True, "values": [issuer]},
        "aud": {"essential": True, "values": [client.client_id]},
        "exp": {"essential": True},
        "sub": {"essential": True},
    }
    try:
        claims = client.parse_id_token(token, nonce=nonce, claims_options=options, leeway=60)
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise SignInRefused(f"ID token refused: {error!r}") from error
    except requests.RequestException as error:
        raise ProviderUnavailable(f"keys unavailable: {error}") from error
    if not claims or not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise SignInRefused("the ID token names no subject")
    return dict(claims)


def exchange_code(code: str, state_data: dict) -> dict:
    """Trade the authorization code (with its PKCE verifier) for tokens at the provider."""
    import requests
    from authlib.integrations.base_client import OAuthError

    try:
        return provider().fetch_access_token(
            code=code,
            redirect_uri=state_data.get("redirect_uri"),
            code_verifier=state_data.get("code_verifier"),
        )
    except OAuthError as error:
        # invalid_grant: a code used twice or too late, a verifier that does not match.
        raise SignInRefused(f"code refused: {error.error}") from error
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"token endpoint failed: {error}") from error
