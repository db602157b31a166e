"""A real OpenID provider for the sign-in tests: npm's oidc-provider run by Node.js.

The provider's small configuration is ``tests/oidc/provider.mjs``; its package is
installed in ``tests/oidc/`` (``npm ci`` there, as ``.ci/run`` does). The test gives it
its users, its client and its signing key, so a test can also sign tokens itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from html import unescape
from pathlib import Path

import requests
from joserfc.jwk import RSAKey
from server import free_port

FOLDER = Path(__file__).resolve().parent / "oidc"
CLIENT_ID, CLIENT_SECRET = "invider", "invider-test-client-secret"
ORGANISERS = "invider-organisers"

#: The test users: Alice organises (group), Bob plays, Chloé's department maps to no team.
USERS = {
    "alice": {
        "name": "Alice Martin",
        "given_name": "Alice",
        "family_name": "Martin",
        "email": "alice@example.com",
        "email_verified": True,
        "department": "DSI",
        "groups": [ORGANISERS, "staff"],
    },
    "bob": {
        "name": "Bob Durand",
        "given_name": "Bob",
        "family_name": "Durand",
        "email": "bob@example.com",
        "email_verified": True,
        "department": "Direction générale",
        "groups": ["staff"],
    },
    "chloe": {
        "name": "Chloé Bernard",
        "given_name": "Chloé",
        "family_name": "Bernard",
        "email": "chloe@example.com",
        "email_verified": True,
        "department": "Logistique",
        "groups": ["staff"],
    },
}


def provider_installed() -> bool:
    """Tell whether Node.js and the pinned oidc-provider package are here."""
    return bool(shutil.which("node")) and (FOLDER / "node_modules" / "oidc-provider").is_dir()


class Provider:
    """One oidc-provider process on 127.0.0.1, for the client of one Invider address."""

    def __init__(
        self,
        app_urls: list[str],
        port: int | None = None,
        key: RSAKey | None = None,
        anyone: bool = False,
    ):
        self.port = port or free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = key or RSAKey.generate_key(2048, parameters={"kid": "test-key"}, private=True)
        self.app_urls, self.anyone = app_urls, anyone
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None

    def config(self) -> dict:
        return {
            "issuer": self.issuer,
            "port": self.port,
            "users": USERS,
            "anyone": self.anyone,
            "jwks": {"keys": [self.key.as_dict(private=True) | {"use": "sig", "alg": "RS256"}]},
            "clients": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": [url + "/signin/callback" for url in self.app_urls],
                    "post_logout_redirect_uris": [url + "/" for url in self.app_urls],
                    "grant_types": ["authorization_code"],
                    "response_types": ["code"],
                }
            ],
        }

    def start(self, log_dir: Path, timeout: float = 30) -> Provider:
        self.log_path = log_dir / f"provider-{self.port}.log"
        env = dict(os.environ, OIDC_TEST_CONFIG=json.dumps(self.config()))
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                ["node", str(FOLDER / "provider.mjs")],
                cwd=FOLDER,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"provider exited: {self.log_path.read_text()}")
            try:
                discovery = self.issuer + "/.well-known/openid-configuration"
                if requests.get(discovery, timeout=1).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):  # still booting
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"provider did not start: {self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def app_env(self, **extra: str) -> dict:
        """Return the INVIDER_* settings that turn sign-in on against this provider."""
        return {
            "INVIDER_OIDC_ISSUER": self.issuer,
            "INVIDER_OIDC_CLIENT_ID": CLIENT_ID,
            "INVIDER_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "INVIDER_OIDC_NAME": "Acme",
            "INVIDER_OIDC_SCOPES": "openid profile email groups",
            "INVIDER_OIDC_TEAM_CLAIM": "department",
            "INVIDER_OIDC_ADMIN_GROUP": ORGANISERS,
            **extra,
        }


def log_in_at_provider(http: requests.Session, response: requests.Response, login: str):
    """Fill the provider's login form that ``response`` shows; return the final response."""
    action = re.search(r'<form[^>]*action="([^"]+)"', response.text)
    assert action, f"no login form at {response.url}: {response.text[:300]}"
    url = requests.compat.urljoin(response.url, unescape(action.group(1)))
    return http.post(url, data={"prompt": "login", "login": login, "password": "any"}, timeout=20)


def sign_in(http: requests.Session, app_url: str, login: str, next: str = "/me", **params):
    """Sign in through the real provider with plain HTTP; return the page landed on."""
    page = http.get(f"{app_url}/signin", params={"next": next, **params}, timeout=20)
    if "/interaction/" not in page.url:
        return page  # still signed in at the provider: it sent the browser straight back
    return log_in_at_provider(http, page, login)
