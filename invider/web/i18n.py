"""Languages: the page language, the locale selector, catalog lookups and number formats."""

from __future__ import annotations

from functools import lru_cache

from babel.numbers import format_decimal
from flask import Flask, current_app, g, has_request_context, session
from flask_babel import Babel, get_locale, get_translations

from invider.store.worker_cache import DECK, kept

LANGUAGES = ("fr", "en")
babel = Babel()


def init_app(app: Flask) -> None:
    """Set up Flask-Babel and the template helpers for translations and numbers."""
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel looks the catalog up through several layers on every message; a page
    # has a dozen messages, so templates take it from the request once.
    app.jinja_env.install_gettext_callables(
        lambda text: page_translations().ugettext(text),
        lambda singular, plural, n: page_translations().ungettext(singular, plural, n),
        newstyle=True,
    )
    app.jinja_env.globals["page_language"] = page_language
    app.jinja_env.filters["numberformat"] = format_count


def select_locale() -> str:
    """Pick the UI language: the phone's choice, else the deck's language."""
    if "language" in g:
        return g.language
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    from invider.store.snapshot import deck_snapshot

    hunt = deck_snapshot().hunt
    return hunt.language if hunt else current_app.config["BABEL_DEFAULT_LOCALE"]


def language_without_database() -> str:
    """Return the page language from the session or the deck copy already in memory.

    Error pages use it: the database may be the very thing that failed.
    """
    chosen = session.get("lang") if has_request_context() else None
    if chosen in LANGUAGES:
        return chosen
    snapshot = kept(DECK)
    hunt = snapshot.hunt if snapshot else None
    return hunt.language if hunt else current_app.config["BABEL_DEFAULT_LOCALE"]


def page_language() -> str:
    """Return the language of this page, chosen once per request."""
    if not has_request_context():
        return str(get_locale() or "fr")
    if "language" not in g:
        g.language = select_locale()
    return g.language


def page_translations():
    """Return the catalog of this request's language, looked up once per request."""
    if "translations" not in g:
        g.translations = get_translations()
    return g.translations


def format_count(number: int | float) -> str:
    """Format a number for this request's language (2 000 and 8,9 in French)."""
    return _format_count(number, page_language())


@lru_cache(maxsize=8192)
def _format_count(number: int | float, language: str) -> str:
    return format_decimal(number, locale=language)
