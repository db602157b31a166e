"""Personal resume links: their secret token and the QR code that carries them."""

from __future__ import annotations

import secrets
from html import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_M

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
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    size = len(matrix)
    path = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                path.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg class="qr" role="img" aria-label="{escape(label)}" viewBox="0 0 {size} {size}" '
        f'xmlns="http://www.w3.org/2000/svg" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(path)}"/></svg>'
    )
