"""Player pages rendered once per worker, with each request's personal parts filled in.

A poster's question page is the same for every player but for their name, their form
token and the path the language switch returns to; its result page adds their answer,
found count, score and rank. Rendering the template (a dozen translated messages,
URLs, the sprite) cost more than all the rest of a scan, so each worker renders such
a page once per language with markers where the personal parts go, keeps it with its
copy of the deck, and replaces the markers in each request, escaped as the template
would escape them.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from babel.numbers import format_decimal
from flask import g, render_template, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from invider import page_context, page_language
from invider.snapshot import deck_snapshot

# Private-use characters and a per-process nonce: no deck text or escaped value holds one.
_HOLE = "\ue000" + secrets.token_hex(4) + ":{}\ue001"
_SIGNED_TOKENS: dict[str, str] = {}
_MAX_PAGES, _MAX_TOKENS = 5_000, 50_000


def render_personal(template: str, key: tuple, holes: dict[str, object], **context) -> str:
    """Render ``template`` for the player of this request, from the worker's copy if any.

    ``key`` names what the shared part depends on besides the template, the language
    and the deck; ``holes`` are this request's personal values, as text.
    """
    holes = {**page_context(), "csrf_token": form_token(), **holes}
    pages = deck_snapshot().pages
    cache_key = (template, page_language(), *key)
    page = pages.get(cache_key)
    if page is None:
        marks = {name: Markup(_HOLE.format(name)) for name in holes}
        csrf_mark = marks.pop("csrf_token")
        page = render_template(template, **{**context, **marks}, csrf_token=lambda: csrf_mark)
        if len(pages) >= _MAX_PAGES:
            pages.clear()
        pages[cache_key] = page
    for name, value in holes.items():
        page = page.replace(_HOLE.format(name), str(escape(value)))
    return page


def form_token() -> str:
    """Return the CSRF token of this session, signed once per worker instead of per page."""
    raw = session.get("csrf_token")
    signed = _SIGNED_TOKENS.get(raw) if raw else None
    if signed is None:
        signed = generate_csrf()
        raw = session.get("csrf_token")
        if len(_SIGNED_TOKENS) >= _MAX_TOKENS:
            _SIGNED_TOKENS.clear()
        _SIGNED_TOKENS[raw] = signed
    else:
        g.csrf_token = signed  # what Flask-WTF's own generate_csrf returns from now on
    return signed


def format_count(number: int) -> str:
    """Format a whole number for this request's language (2 000 in French)."""
    return _format_count(number, page_language())


@lru_cache(maxsize=8192)
def _format_count(number: int, language: str) -> str:
    return format_decimal(number, locale=language)
