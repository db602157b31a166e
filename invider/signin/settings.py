"""The sign-in settings, and what they make of a provider's claims: name, team, organiser."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

#: The settings that turn company sign-in on; without all three, players join as today.
REQUIRED = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")
FALSE_WORDS = ("0", "false", "no", "off", "")


def defaults() -> dict:
    """Return the sign-in settings' defaults, layered under config.toml and INVIDER_OIDC_*."""
    return {
        "OIDC_ISSUER": None,
        "OIDC_CLIENT_ID": None,
        "OIDC_CLIENT_SECRET": None,
        # Shown on the button: "Sign in with <name>"; default: the issuer's host name.
        "OIDC_NAME": None,
        "OIDC_SCOPES": "openid profile email",
        # "name", or "given_name+initial" ("Marie D."), or any claim holding a name.
        "OIDC_NAME_CLAIM": "name",
        "OIDC_TEAM_CLAIM": None,
        # Claim values to deck teams, when the directory spells them differently.
        "OIDC_TEAM_MAP": {},
        "OIDC_GROUPS_CLAIM": "groups",
        "OIDC_ADMIN_GROUP": None,
        "OIDC_ADMIN_EMAILS": "",
        # The organisers' password stays as a break-glass way in unless turned off.
        "OIDC_PASSWORD_LOGIN": True,
        # Key of the subject hash; default: generated once in the instance folder.
        "OIDC_SUBJECT_KEY": None,
        # Seconds to wait for the provider before showing the "unavailable" page.
        "OIDC_TIMEOUT": 5,
    }


def flag(value: object) -> bool:
    """Read a boolean setting that may arrive as text from the environment."""
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_WORDS
    return bool(value)


def enabled(config=None) -> bool:
    """Tell whether company sign-in is configured (issuer, client id and secret)."""
    config = config if config is not None else current_app.config
    return all(config.get(key) for key in REQUIRED)


def issuer() -> str:
    """Return the configured issuer, without a trailing slash."""
    return str(current_app.config["OIDC_ISSUER"]).rstrip("/")


def password_login_allowed() -> bool:
    """Tell whether the organisers' password still opens the control room."""
    return not enabled() or flag(current_app.config.get("OIDC_PASSWORD_LOGIN", True))


def admin_emails() -> set[str]:
    """Return the organisers' e-mail addresses (INVIDER_OIDC_ADMIN_EMAILS), lower case."""
    raw = current_app.config.get("OIDC_ADMIN_EMAILS") or ""
    items = raw if isinstance(raw, list | tuple) else str(raw).replace(";", ",").split(",")
    return {item.strip().lower() for item in items if item.strip()}


def subject_hash(issuer_url: str, subject: str) -> str:
    """Return the keyed hash that stands for a person: HMAC-SHA256 of issuer and subject.

    The subject itself is never stored; without the key the hash names nobody.
    """
    key = str(current_app.config["OIDC_SUBJECT_KEY"]).encode()
    message = f"{issuer_url}\x00{subject}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def claim_groups(claims: dict) -> list[str]:
    """Return the values of the groups claim as a list of strings."""
    value = claims.get(current_app.config.get("OIDC_GROUPS_CLAIM") or "groups")
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def is_organiser(claims: dict) -> bool:
    """Tell whether these claims open the control room: the admin group or an address."""
    group = current_app.config.get("OIDC_ADMIN_GROUP")
    if group and group in claim_groups(claims):
        return True
    email = claims.get("email")
    if isinstance(email, str) and claims.get("email_verified", True) is not False:
        return email.strip().lower() in admin_emails()
    return False


def organiser_label(claims: dict) -> str:
    """Name an organiser for the audit log: their name, and their address if organisers
    are configured by address (the only case where an address is stored)."""
    name = str(claims.get("name") or claims.get("given_name") or "").strip()
    email = claims.get("email") if admin_emails() else None
    label = f"{name} <{email}>" if name and email else (name or email or "organiser")
    return label[:100]


def name_from(claims: dict) -> str:
    """Return the display name the directory gives (OIDC_NAME_CLAIM), possibly empty."""
    choice = current_app.config.get("OIDC_NAME_CLAIM") or "name"
    if choice == "given_name+initial":
        given = str(claims.get("given_name") or "").strip()
        family = str(claims.get("family_name") or "").strip()
        if given:
            return f"{given} {family[0]}." if family else given
        choice = "name"
    value = claims.get(choice)
    return value.strip() if isinstance(value, str) else ""


def team_from(claims: dict, teams: list[str]) -> str | None:
    """Return the deck team named by the team claim (mapped, case ignored), or None."""
    claim = current_app.config.get("OIDC_TEAM_CLAIM")
    value = claims.get(claim) if claim else None
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip():
        return None
    mapping = current_app.config.get("OIDC_TEAM_MAP") or {}
    value = mapping.get(value.strip(), value.strip())
    by_fold = {team.casefold(): team for team in teams}
    return by_fold.get(str(value).casefold())
