"""Blueprint for the public privacy page, written from the hunt's actual settings."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from invider.hunt.discretion import is_discreet, privacy_floor
from invider.hunt.schedule import echo_rounds, echo_window
from invider.learning.retention import retention_date, retention_days, retention_waits_for_echo
from invider.signin.settings import admin_emails
from invider.store.models import Hunt
from invider.store.snapshot import deck_snapshot

bp = Blueprint("privacy", __name__)


def privacy_facts(hunt: Hunt | None) -> dict:
    """Return what the privacy notice states: mode, retention, echo rounds, privacy floor."""
    opens, closes = echo_window(hunt)
    return {
        "discreet": is_discreet(hunt),
        "retention_days": retention_days(hunt),
        "retention_date": retention_date(hunt),
        "retention_done": hunt.retention_done_at if hunt else None,
        "echo_opens": opens,
        "echo_closes": closes,
        "echo_rounds": echo_rounds(hunt),
        "retention_waits": retention_waits_for_echo(hunt),
        "confidence": bool(hunt and hunt.confidence),
        "floor": privacy_floor(),
        **sign_in_facts(),
    }


def sign_in_facts() -> dict:
    """Return what the company sign-in stores, from its actual settings."""
    config = current_app.config
    return {
        "signin": bool(config.get("OIDC_ENABLED")),
        "signin_name": config.get("OIDC_NAME"),
        "signin_emails": bool(config.get("OIDC_ENABLED") and admin_emails()),
        "signin_group": config.get("OIDC_ADMIN_GROUP") if config.get("OIDC_ENABLED") else None,
        "signin_team_claim": config.get("OIDC_TEAM_CLAIM") if config.get("OIDC_ENABLED") else None,
    }


@bp.get("/privacy")
def privacy():
    """Say what is stored, why, for how long and who sees it."""
    hunt = deck_snapshot().hunt
    return render_template("privacy/privacy.html", hunt=hunt, facts=privacy_facts(hunt))
