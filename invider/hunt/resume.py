"""Personal resume links: their secret token and the QR code that carries them."""

from __future__ import annotations

import secrets
from xml.etree import ElementTree

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.svg import SvgPathFillImage

from invider.store.database import begin_write
from invider.store.models import Player, db, new_secret

#: 32 bytes from ``secrets``: 43 URL-safe characters, far beyond guessing.
TOKEN_BYTES = 32


def new_resume_token(player_id: int) -> Player:
    """Give the player a fresh resume link and session secret, and commit.

    The previous link stops working, and so does every session of the player that
    holds the old secret: whoever copied the old link is logged out.
    """
    begin_write()
    player = db.session.get(Player, player_id)
    player.resume_token = secrets.token_urlsafe(TOKEN_BYTES)
    player.session_secret = new_secret()
    db.session.commit()
    return player


def player_by_token(token: str) -> Player | None:
    """Return the player whose current resume token is ``token``, if any."""
    if not token or len(token) > 64:
        return None
    player = db.session.execute(
        db.select(Player).where(Player.resume_token == token)
    ).scalar_one_or_none()
    # Compare again in constant time: the index lookup alone is not the secret check.
    if player is None or not secrets.compare_digest(player.resume_token or "", token):
        return None
    return player


def qr_svg(data: str, label: str) -> str:
    """Return ``data`` as a QR code in compact inline SVG (dark on white, 2-module margin)."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, image_factory=SvgPathFillImage)
    qr.add_data(data)
    svg = qr.make_image().get_image()
    # Sized by the page's CSS, not in millimetres; one path per page needs no id; labelled
    # for screen readers, and drawn without anti-aliased seams between modules.
    attributes = {k: v for k, v in svg.attrib.items() if k not in ("width", "height", "version")}
    svg.attrib.clear()
    svg.attrib.update({"class": "qr", "role": "img", "aria-label": label, **attributes})
    svg.set("shape-rendering", "crispEdges")
    svg.find("path").attrib.pop("id", None)
    return ElementTree.tostring(svg, encoding="unicode")
