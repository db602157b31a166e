"""Company sign-in (OpenID Connect): one person one player, named organisers.

``settings`` reads the configuration and the claims, ``client`` speaks to the provider
through Authlib, ``accounts`` links a person to their one player, ``organisers`` opens
the control room, and ``views`` holds the blueprint.
"""

from __future__ import annotations

from invider.signin.client import init_app
from invider.signin.views import bp

__all__ = ["bp", "init_app"]
