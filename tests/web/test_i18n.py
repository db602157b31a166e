"""Every interface string speaks French and English; numbers and times follow the locale."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import ROOT, Actions, csrf_token

import invider
from invider.store.models import Hunt, Player, db
from invider.web.i18n import LANGUAGES

FRENCH_PO = ROOT / "invider" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"


def extract(tmp_path: Path):
    """Extract the messages of the whole codebase, as CONTRIBUTING.md tells translators to."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        return read_po(f)


def french_catalog():
    with FRENCH_PO.open("rb") as f:
        return read_po(f, locale="fr")


def test_extraction_finds_python_and_template_strings(tmp_path):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in extract(tmp_path) if m.id}
    assert "Please choose a display name." in ids  # invider/play/join.py
    assert "Join the hunt" in ids  # templates/play/join.html
    assert "This poster does not exist" in ids  # templates/error.html


def test_every_interface_string_has_a_french_translation(tmp_path):
    french = french_catalog()
    untranslated = []
    for message in extract(tmp_path):
        if not message.id:
            continue
        found = french.get(message.id)
        strings = found.string if found else None
        if isinstance(strings, str):
            strings = (strings,)
        if not found or found.fuzzy or not strings or not all(s and s.strip() for s in strings):
            untranslated.append(message.id)
    assert untranslated == [], (
        "untranslated strings: update invider/translations/fr/LC_MESSAGES/messages.po "
        "(see CONTRIBUTING.md, Translations)"
    )


def test_french_translations_keep_their_placeholders():
    problems = [(m.id, [str(e) for e in errors]) for m, errors in french_catalog().check()]
    assert problems == []


def test_a_french_deck_speaks_french_by_default(app, client):
    with app.app_context():
        db.session.execute(db.update(Hunt).values(language="fr"))
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Comment jouer" in page and "Trouvez les affiches" in page
    assert "How to play" not in page


def test_an_english_deck_speaks_english_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "How to play" in page


def test_a_player_can_switch_language(client):
    token = csrf_token(client, "/join")
    response = client.post("/lang", data={"lang": "fr", "next": "/join", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/join"
    page = client.get("/join").get_data(as_text=True)
    assert '<html lang="fr">' in page and "Rejoindre la chasse" in page and "Pseudo" in page
    token = csrf_token(client, "/join")
    client.post("/lang", data={"lang": "en", "next": "/join", "csrf_token": token})
    assert "Join the hunt" in client.get("/join").get_data(as_text=True)


def test_an_unknown_language_changes_nothing(client):
    token = csrf_token(client, "/")
    client.post("/lang", data={"lang": "de", "csrf_token": token})
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_error_pages_are_translated(play, client):
    play.join()
    token = csrf_token(client, "/")
    client.post("/lang", data={"lang": "fr", "csrf_token": token})
    page = client.get("/i/nope-nope-nope").get_data(as_text=True)
    assert "Cette affiche n'existe pas" in page and '<html lang="fr">' in page


@pytest.mark.parametrize(("lang", "expected"), [("en", "1,234"), ("fr", "1\u202f234")])
def test_numbers_follow_the_locale(app, play, client, lang, expected):
    play.join("Alice", "Red")
    with app.app_context():
        db.session.execute(db.update(Player).values(score=1234))
        db.session.commit()
    client.post("/lang", data={"lang": lang, "csrf_token": csrf_token(client, "/me")})
    assert expected in client.get("/me").get_data(as_text=True)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_number_filter_writes_what_babel_writes(app, lang):
    # Whole numbers below a thousand skip the locale lookup: they must read the same.
    from babel.numbers import format_decimal
    from flask import g, render_template_string

    numbers = [0, 7, 999, 1000, 1234, 2_000_000, -5, 8.5, 1234.5]
    with app.test_request_context("/"):
        g.language = lang
        page = render_template_string(
            "{% for n in numbers %}{{ n|numberformat }}|{% endfor %}", numbers=numbers
        )
    assert page.split("|")[:-1] == [format_decimal(n, locale=lang) for n in numbers]
    assert page.split("|")[3] == ("1\u202f000" if lang == "fr" else "1,000")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "It closes on 3/14/30, 6:00\u202fPM."), ("fr", "Elle ferme le 14/03/2030 18:00.")],
)
def test_times_follow_the_locale_in_the_office_time_zone(app, client, lang, expected):
    with app.app_context():
        closes = datetime(2030, 3, 14, 17, 0, tzinfo=UTC)  # 18:00 in Paris
        db.session.execute(db.update(Hunt).values(closes_at=closes))
        db.session.commit()
    client.post("/lang", data={"lang": lang, "csrf_token": csrf_token(client, "/")})
    assert expected in client.get("/").get_data(as_text=True)


def test_the_french_catalog_is_compiled_into_the_installed_package():
    # pip install (editable or not) compiles it through the build hook in setup.py.
    package = Path(invider.__file__).resolve().parent
    assert (package / "translations" / "fr" / "LC_MESSAGES" / "messages.mo").is_file()


@pytest.mark.cache_seconds(0)  # reads the team standings right after Bob joins
@pytest.mark.parametrize(("lang", "expected"), [("en", ">5.0<"), ("fr", ">5,0<")])
def test_leaderboard_decimals_follow_the_locale(app, play, client, lang, expected):
    play.join("Alice", "Red")
    play.answer("launch", choice="July 2015")
    Actions(app, app.test_client()).join("Bob", "Red")
    client.post("/lang", data={"lang": lang, "csrf_token": csrf_token(client, "/")})
    assert expected in client.get("/leaderboard").get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Remove &lt;b&gt;Eve&lt;/b&gt;? · 1 point for a right answer. · 2 points for"),
        (
            "fr",
            "Retirer &lt;b&gt;Eve&lt;/b&gt; ? · 1 point pour une bonne réponse. · 2 points pour",
        ),
    ],
)
def test_template_messages_translate_and_escape_as_jinja_does(app, lang, expected):
    # The templates' own ``_`` and ``ngettext`` (cheaper than Jinja's new-style wrappers)
    # keep their rules: the catalog of the page's language, the variables escaped into
    # the trusted translation, ``num`` by default, and ``%%`` read as a percent sign.
    from flask import render_template_string

    points = '"%(num)s point for a right answer.", "%(num)s points for a right answer."'
    source = (
        '{{ _("Remove %(name)s?", name=name) }} · '
        f"{{{{ ngettext({points}, 1) }}}} · {{{{ ngettext({points}, 2) }}}} · "
        '{{ _("100%% of %(name)s", name="<i>") }} · {{ _("Done: 100%%") }} · {{ _("<Done>") }}'
    )
    with app.test_request_context("/"):
        from flask import g

        g.language = lang
        page = render_template_string(source, name="<b>Eve</b>")
    assert page.startswith(expected)
    # A message without variables is formatted too, and left unescaped as trusted markup.
    assert page.endswith("100% of &lt;i&gt; · Done: 100% · <Done>")
