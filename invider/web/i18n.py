"""Languages: the page language, the locale selector, catalog lookups and number formats."""

from __future__ import annotations

from functools import lru_cache

from babel.numbers import format_decimal
from flask import Flask, current_app, g, has_request_context, session
from flask_babel import Babel, get_locale, get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup

from invider.store.worker_cache import DECK, kept

LANGUAGES = ("fr", "en")
babel = Babel()


def init_app(app: Flask) -> None:
    """Set up Flask-Babel and the template helpers for translations and numbers."""
    babel.init_app(app, locale_selector=select_locale)
    app.extensions["invider_catalogs"] = {}  # Flask-Babel's catalogs, by page language
    # Flask-Babel looks the catalog up through several layers on every message, and
    # Jinja's new-style wrappers call through the template context three times for each
    # ``_()``; a page has a dozen messages. These do the same work in one call, with the
    # catalog taken from the request once.
    app.jinja_env.globals.update(
        _=template_gettext, gettext=template_gettext, ngettext=template_ngettext
    )
    app.jinja_env.globals["page_language"] = page_language
    app.jinja_env.filters["numberformat"] = format_count
    app.jinja_env.filters["decimalformat"] = format_figure


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
    language = g.get("language")
    if language is None:
        language = g.language = select_locale()
    return language


def page_translations():
    """Return the catalog of this request's language, looked up once per request."""
    translations = g.get("translations")
    if translations is None:
        # Flask-Babel resolves the locale again and parses it before it reaches its own
        # cache of catalogs, a few dozen µs on every page: the app keeps each language's.
        catalogs = current_app.extensions["invider_catalogs"]
        language = page_language()
        translations = catalogs.get(language)
        if translations is None:
            translations = catalogs[language] = get_translations()
        g.translations = translations
    return translations


@pass_eval_context
def template_gettext(eval_ctx, string: str, /, **variables) -> str:
    """Translate ``string`` in a template, as Jinja's new-style ``gettext`` does.

    The translation is trusted markup where the template escapes, the variables are
    escaped into it, and it is always a format string (``%%`` is a percent sign).
    """
    text = page_translations().ugettext(string)
    if not variables and "%" not in text:  # most messages: formatting would change nothing
        return Markup(text) if eval_ctx.autoescape else text
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def template_ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables) -> str:
    """Translate the singular or plural of a message for ``num``, as Jinja's new-style
    ``ngettext`` does (``%(num)s`` is the number unless given)."""
    variables.setdefault("num", num)
    text = page_translations().ungettext(singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


def format_count(number: int | float) -> str:
    """Format a number for this request's language (2 000 and 8,9 in French)."""
    # A whole number below a thousand is written the same in every language offered:
    # the leaderboard's scores and counts, 50 to 60 of them a page, need no lookup.
    if type(number) is int and 0 <= number < 1000:
        return str(number)
    return _format_count(number, page_language())


@lru_cache(maxsize=8192)
def _format_count(number: int | float, language: str) -> str:
    return format_decimal(number, locale=language)


def format_figure(number: int | float, format: str | None = None) -> str:
    """Format a number with a Babel pattern for this request's language ("0.0": 8,9).

    Flask-Babel's own filter looks the locale up through several layers on each call;
    the team tables call it on every row.
    """
    return _format_figure(number, format, page_language())


@lru_cache(maxsize=8192)
def _format_figure(number: int | float, format: str | None, language: str) -> str:
    return format_decimal(number, format=format, locale=language)
