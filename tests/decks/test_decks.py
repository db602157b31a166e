"""Deck files: every mistake named by file and line, and reloads that keep posters and answers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import DEMO_DECK, csrf_token
from server import console

from invider.decks.reading import CODE_ALPHABET, CODE_LENGTH, DeckError, new_code, read_deck
from invider.store.models import Answer, Hunt, Invider, Player, db

# A valid deck; the broken ones below are each one small edit of it. The multi-line
# `choices` array makes every later line depend on the loader tracking arrays.
BASE = """\
[hunt]
title = "Test hunt"
language = "en"
teams = ["Red", "Blue"]
points = 10

[[invider]]
key = "launch"
question = "When did the store open?"
choices = [
  "July 2015",
  "February 2014",
  "March 2016",
]
answer = "July 2015"
fact = "The store has been online since July 2015."
topic = "Store"

[[invider]]
key = "services"
question = "How many services?"
accept = ["133", "cent trente-trois"]
fact = "133 services."
points = 20

[[invider]]
key = "partners"
question = "How many partners?"
choices = ["72", "12", "300"]
answer = "72"
fact = "72 partners already joined."
"""


def edit(old: str, new: str, text: str = BASE) -> str:
    """Return ``text`` with the one occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


HUNT_ONLY = BASE[: BASE.index("[[invider]]")]

BROKEN = [
    pytest.param(
        edit('fact = "133 services."', 'fact = "133 services.'),
        23,
        "invalid TOML",
        id="toml-syntax",
    ),
    pytest.param(
        edit('topic = "Store"', 'topik = "Store"'),
        17,
        "unknown key 'topik' in [[invider]]",
        id="unknown-invider-key",
    ),
    pytest.param(
        edit("points = 10", "point = 10"), 5, "unknown key 'point' in [hunt]", id="unknown-hunt-key"
    ),
    pytest.param(
        BASE + "\n[extras]\nfoo = 1\n", 33, "unknown table or key 'extras'", id="unknown-table"
    ),
    pytest.param(
        edit('question = "How many services?"\n', ""), 19, "missing question", id="missing-question"
    ),
    pytest.param(
        edit('fact = "72 partners already joined."\n', ""), 26, "missing fact", id="missing-fact"
    ),
    pytest.param(edit('key = "launch"\n', ""), 7, "missing key", id="missing-key"),
    pytest.param(edit(HUNT_ONLY, ""), 1, "missing [hunt]", id="missing-hunt"),
    pytest.param(
        edit('answer = "July 2015"', 'answer = "July 2016"'),
        15,
        "answer 'July 2016' is not one of the choices",
        id="answer-not-a-choice",
    ),
    pytest.param(edit('answer = "72"\n', ""), 26, "missing answer", id="missing-answer"),
    pytest.param(
        edit('key = "partners"', 'key = "launch"'),
        27,
        "duplicate key 'launch' (first at line 8)",
        id="duplicate-key",
    ),
    pytest.param(
        edit('key = "partners"', 'key = "Launch!"'),
        27,
        "key 'Launch!' may only use a-z, 0-9 and '-'",
        id="key-punctuation",
    ),
    pytest.param(
        edit('key = "partners"', 'key = "café"'),
        27,
        "key 'café' may only use a-z, 0-9 and '-'",
        id="key-accent",
    ),
    pytest.param(
        edit('choices = ["72", "12", "300"]', 'choices = "abc"'),
        29,
        "choices must be a list of non-empty texts",
        id="choices-text",
    ),
    pytest.param(
        edit("points = 20", 'points = "ten"'),
        24,
        "points must be a whole number from 1 to 1000",
        id="points-text",
    ),
    pytest.param(
        edit("points = 10", "points = 0"),
        5,
        "points must be a whole number from 1 to 1000",
        id="points-zero",
    ),
    pytest.param(
        edit('title = "Test hunt"', "title = 3"),
        2,
        "title must be text in quotes, not a number",
        id="title-number",
    ),
    pytest.param(
        edit('choices = ["72", "12", "300"]', 'choices = ["72"]'),
        29,
        "choices must list 2 to 6 answers",
        id="one-choice",
    ),
    pytest.param(
        edit('choices = ["72", "12", "300"]', 'choices = ["72", "1", "2", "3", "4", "5", "6"]'),
        29,
        "choices must list 2 to 6 answers",
        id="seven-choices",
    ),
    pytest.param(
        edit('choices = ["72", "12", "300"]', 'choices = ["72", "12", "72"]'),
        29,
        "choices must be distinct",
        id="duplicate-choices",
    ),
    pytest.param(
        edit('answer = "72"', 'answer = "72"\naccept = ["72"]'),
        31,
        "either choices or accept, not both",
        id="choices-and-accept",
    ),
    pytest.param(
        edit('accept = ["133", "cent trente-trois"]\n', ""),
        19,
        "missing choices (or accept, for a typed answer)",
        id="neither",
    ),
    pytest.param(
        edit("points = 10", "points = 10\nopens_at = 2026-03-14T09:00:00"),
        6,
        "opens_at needs a date, a time and a UTC offset",
        id="naive-datetime",
    ),
    pytest.param(
        edit(
            "points = 10",
            "points = 10\nopens_at = 2026-03-14T09:00:00+01:00\n"
            "closes_at = 2026-03-14T08:00:00+01:00",
        ),
        7,
        "closes_at must come after opens_at",
        id="closes-before-opens",
    ),
    pytest.param(
        edit('language = "en"', 'language = "de"'),
        3,
        'language must be "fr" or "en"',
        id="language",
    ),
    pytest.param(
        edit("points = 10", "points = 10  # équipe").encode("latin-1"),
        5,
        "not UTF-8 text",
        id="latin-1",
    ),
    pytest.param(HUNT_ONLY, 1, "the deck has no [[invider]]", id="no-invider"),
    pytest.param(
        '# values, not tables\ninvider = ["launch"]\n' + HUNT_ONLY,
        2,
        "invider must be [[invider]] tables",
        id="invider-values",
    ),
    # Line tracking must not be fooled by brackets inside strings.
    pytest.param(
        edit(
            'question = "When did the store open?"\nchoices = [\n  "July 2015"',
            'question = "When did the \\"store [A\\" open?"\nchoices = [\n  "July 2016"',
        ),
        15,
        "answer 'July 2015' is not one of the choices",
        id="escaped-quote-bracket",
    ),
    pytest.param(
        edit(
            'fact = "The store has been online since July 2015."\ntopic',
            'fact = """The store\n[see page 2]\nkey = "x"\n"""\ntopik',
        ),
        20,
        "unknown key 'topik' in [[invider]]",
        id="multi-line-string",
    ),
    # Nesting that would crash the TOML parser (issue 12, item 15): line of the excess.
    pytest.param(
        edit("points = 20", "points = 20\nextra = " + "[" * 900 + "]" * 900),
        25,
        "nested more than 16 levels deep",
        id="nested-arrays-900",
    ),
    pytest.param(
        edit("points = 20", "points = 20\nextra = " + "{a = " * 900 + "1" + "}" * 900),
        25,
        "nested more than 16 levels deep",
        id="nested-tables-900",
    ),
    pytest.param(
        edit("points = 20", "points = 20\nextra = [\n" + "[\n" * 40 + "]\n" * 41),
        41,
        "nested more than 16 levels deep",
        id="nested-over-lines",
    ),
    pytest.param(
        edit(
            'accept = ["133", "cent trente-trois"]',
            'accept = ["133", "cent trente-trois"]\nstrict = "yes"',
        ),
        23,
        "strict must be true or false, not text",
        id="strict-text",
    ),
    pytest.param(
        edit('answer = "72"', 'answer = "72"\nstrict = true'),
        31,
        "strict applies to typed answers",
        id="strict-with-choices",
    ),
    pytest.param(
        edit(
            'accept = ["133", "cent trente-trois"]',
            'accept = ["133", "cent trente-trois"]\nanswer = "134"',
        ),
        23,
        "answer '134' would not be accepted",
        id="typed-answer-not-accepted",
    ),
]


def snapshot(app) -> tuple[list, list, list]:
    """Return every row a deck load may touch, as plain values."""
    with app.app_context():
        hunts = [
            (h.id, h.title, h.language, h.teams, h.points, h.opens_at, h.closes_at)
            for h in db.session.execute(db.select(Hunt).order_by(Hunt.id)).scalars()
        ]
        inviders = [
            (
                i.id,
                i.key,
                i.code,
                i.number,
                i.question,
                i.choices,
                i.accept,
                i.answer,
                i.fact,
                i.topic,
                i.location,
                i.points,
            )
            for i in db.session.execute(db.select(Invider).order_by(Invider.id)).scalars()
        ]
        answers = [
            (a.id, a.player_id, a.invider_id, a.given, a.correct, a.points)
            for a in db.session.execute(db.select(Answer).order_by(Answer.id)).scalars()
        ]
    return hunts, inviders, answers


def codes(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(db.select(Invider.key, Invider.code)).all())


def numbers(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(db.select(Invider.key, Invider.number)).all())


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_base_deck_is_valid(tmp_path):
    deck = read_deck(write(tmp_path / "base.toml", BASE))
    assert [i.key for i in deck.inviders] == ["launch", "services", "partners"]
    assert deck.inviders[0].choices == ["July 2015", "February 2014", "March 2016"]
    assert deck.inviders[1].accept == ["133", "cent trente-trois"]
    assert deck.inviders[1].points == 20 and deck.inviders[2].points == 10


@pytest.mark.parametrize("text, line, fragment", BROKEN)
def test_broken_deck_is_refused_with_file_and_line(app, runner, tmp_path, text, line, fragment):
    path = write(tmp_path / "broken.toml", text)
    before = snapshot(app)
    result = runner.invoke(args=["load", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    errors = result.stderr.splitlines()
    assert any(e.startswith(f"{path}:{line}: ") and fragment in e for e in errors), errors
    assert snapshot(app) == before


def test_every_error_of_a_deck_is_reported_in_line_order(app, runner, tmp_path):
    text = edit('language = "en"', 'language = "de"')
    text = edit('topic = "Store"', 'topik = "Store"', text)
    text = edit('key = "partners"', 'key = "launch"', text)
    text = edit('choices = ["72", "12", "300"]', 'choices = ["72"]', text)
    path = write(tmp_path / "broken.toml", text)
    before = snapshot(app)
    result = runner.invoke(args=["load", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f'{path}:3: language must be "fr" or "en"',
        f"{path}:17: unknown key 'topik' in [[invider]]",
        f"{path}:27: duplicate key 'launch' (first at line 8)",
        f"{path}:29: choices must list 2 to 6 answers",
    ]
    assert snapshot(app) == before


def test_missing_file_is_a_clear_error(app, runner, tmp_path):
    path = tmp_path / "nowhere.toml"
    result = runner.invoke(args=["load", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:1: cannot read the file")
    assert "Traceback" not in result.output


def test_demo_deck_reads_with_typed_answers_topics_locations_and_teams():
    deck = read_deck(DEMO_DECK)
    assert deck.path == str(DEMO_DECK)
    assert deck.title and deck.language == "fr"
    assert len(deck.teams) >= 2
    assert len(deck.inviders) >= 12
    keys = [i.key for i in deck.inviders]
    assert len(set(keys)) == len(keys)
    typed = [i for i in deck.inviders if i.accept]
    assert typed and all(not i.choices and i.answer for i in typed)
    assert all(i.answer in i.choices for i in deck.inviders if i.choices)
    assert all(i.question and i.fact and i.topic and i.location for i in deck.inviders)
    assert len({i.topic for i in deck.inviders}) >= 3
    services = next(i for i in deck.inviders if i.key == "services-count")
    assert "133" in services.accept


def test_demo_deck_loads_through_the_cli(app, runner):
    deck = read_deck(DEMO_DECK)
    result = runner.invoke(args=["load", str(DEMO_DECK)])
    assert result.exit_code == 0, result.output
    n = len(deck.inviders)
    assert result.output == (
        f"{DEMO_DECK}: loaded {n} inviders ({n} added, 0 changed, 3 removed, 0 unchanged)\n"
    )
    assert numbers(app) == {i.key: number for number, i in enumerate(deck.inviders, start=1)}
    with app.app_context():
        hunt = db.session.execute(db.select(Hunt)).scalar_one()
        assert (hunt.title, hunt.language, hunt.teams) == (deck.title, "fr", deck.teams)


def test_reload_keeps_codes_answers_and_scores(app, runner, play, deck_file):
    play.join("Alice", "Red")
    assert "Right answer!" in play.answer("launch", choice="July 2015").get_data(as_text=True)
    before = codes(app)
    answers_before = snapshot(app)[2]

    # Swap two inviders, reword one, add one at the end.
    text = deck_file.read_text(encoding="utf-8")
    launch, services, partners = text.split("[[invider]]")[1:]
    partners = partners.replace("How many partners?", "How many partners joined?")
    added = (
        '\nkey = "new-one"\nquestion = "New?"\nchoices = ["yes", "no"]\n'
        'answer = "yes"\nfact = "Brand new."\n'
    )
    hunt = text.split("[[invider]]")[0]
    deck_file.write_text(
        hunt + "[[invider]]".join(["", launch, partners, services, added]), encoding="utf-8"
    )
    result = runner.invoke(args=["load", str(deck_file)])

    assert result.exit_code == 0, result.output
    # A renumbered poster counts as changed: it has to be reprinted.
    assert "(1 added, 2 changed, 0 removed, 1 unchanged)" in result.output
    after = codes(app)
    assert {k: after[k] for k in before} == before
    assert after["new-one"] not in before.values()
    assert numbers(app) == {"launch": 1, "partners": 2, "services": 3, "new-one": 4}
    assert snapshot(app)[2] == answers_before
    with app.app_context():
        player = db.session.execute(db.select(Player)).scalar_one()
        assert (player.name, player.score, player.found, player.correct) == ("Alice", 10, 1, 1)
        question = db.session.execute(
            db.select(Invider.question).where(Invider.key == "partners")
        ).scalar_one()
    assert question == "How many partners joined?"
    # The poster already on the wall still shows the stored result.
    page = play.client.get(f"/i/{before['launch']}").get_data(as_text=True)
    assert "The store has been online since July 2015." in page


def test_reload_of_the_same_deck_changes_nothing(app, runner, deck_file):
    before = snapshot(app)
    result = runner.invoke(args=["load", str(deck_file)])
    assert result.exit_code == 0
    assert "(0 added, 0 changed, 0 removed, 3 unchanged)" in result.output
    assert snapshot(app)[1:] == before[1:]


def test_removing_an_answered_invider_is_refused(app, runner, play, deck_file):
    play.join("Alice", "Red")
    play.answer("launch", choice="July 2015")
    before = snapshot(app)
    text = deck_file.read_text(encoding="utf-8")
    hunt, launch, services, partners = text.split("[[invider]]")
    partners = partners.replace("How many partners?", "Reworded?")
    deck_file.write_text("[[invider]]".join([hunt, services, partners]), encoding="utf-8")

    result = runner.invoke(args=["load", str(deck_file)])

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"{deck_file}:")
    assert "cannot remove invider 'launch'" in result.stderr
    assert "1 answer(s)" in result.stderr
    assert snapshot(app) == before  # the rewording was not applied either
    with app.app_context():
        assert db.session.execute(db.select(Answer)).scalar_one().invider.key == "launch"


def test_removing_an_unanswered_invider_works(app, runner, deck_file):
    text = deck_file.read_text(encoding="utf-8")
    hunt, launch, services, partners = text.split("[[invider]]")
    deck_file.write_text("[[invider]]".join([hunt, launch, services]), encoding="utf-8")
    before = codes(app)

    result = runner.invoke(args=["load", str(deck_file)])

    assert result.exit_code == 0, result.output
    assert "(0 added, 0 changed, 1 removed, 2 unchanged)" in result.output
    assert codes(app) == {"launch": before["launch"], "services": before["services"]}


def test_check_validates_without_writing(app, runner, tmp_path):
    path = write(tmp_path / "new.toml", edit('title = "Test hunt"', 'title = "Another hunt"'))
    before = snapshot(app)
    result = runner.invoke(args=["load", str(path), "--check"])
    assert result.exit_code == 0
    assert result.output == f"{path}: ok, 3 inviders\n"
    assert snapshot(app) == before


def test_check_reports_a_broken_deck(app, runner, tmp_path):
    path = write(tmp_path / "broken.toml", edit('language = "en"', 'language = "de"'))
    before = snapshot(app)
    result = runner.invoke(args=["load", "--check", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f'{path}:3: language must be "fr" or "en"\n'
    assert snapshot(app) == before


def big_deck(n: int) -> str:
    items = "".join(
        f'\n[[invider]]\nkey = "q{i:03d}"\nquestion = "Question {i}?"\n'
        f'choices = ["a", "b"]\nanswer = "a"\nfact = "Fact {i}."\n'
        for i in range(n)
    )
    return '[hunt]\ntitle = "Big"\n' + items


def test_poster_codes_are_short_safe_and_distinct(app, runner, tmp_path):
    path = write(tmp_path / "big.toml", big_deck(100))
    result = runner.invoke(args=["load", str(path)])
    assert result.exit_code == 0, result.output
    assert "100 added" in result.output
    all_codes = codes(app)
    assert len(all_codes) == 100
    assert len(set(all_codes.values())) == 100
    for code in all_codes.values():
        assert len(code) == 13
        assert set(code) <= set("23456789abcdefghjkmnpqrstuvwxyz")
    # Loading it again draws no new code.
    assert runner.invoke(args=["load", str(path)]).exit_code == 0
    assert codes(app) == all_codes


def test_new_code_has_more_than_64_bits():
    assert len(CODE_ALPHABET) ** CODE_LENGTH > 2**64
    drawn = {new_code() for _ in range(2000)}
    assert len(drawn) == 2000


def test_typed_answer_and_strict_are_read(tmp_path):
    text = edit(
        'accept = ["133", "cent trente-trois"]',
        'accept = ["133", "cent trente-trois"]\nanswer = "133 services"\nstrict = true',
    )
    with pytest.raises(DeckError) as refused:  # strict: "133 services" is not "133"
        read_deck(write(tmp_path / "strict.toml", text))
    assert "answer '133 services' would not be accepted" in str(refused.value)
    deck = read_deck(write(tmp_path / "typed.toml", text.replace("strict = true", "")))
    assert deck.inviders[1].answer == "133 services" and deck.inviders[1].strict is False
    text = edit(
        'accept = ["133", "cent trente-trois"]',
        'accept = ["133", "cent trente-trois"]\nstrict = true',
    )
    assert read_deck(write(tmp_path / "strict.toml", text)).inviders[1].strict is True


def test_deeply_nested_deck_gives_a_line_and_exit_2_from_the_console_script(tmp_path):
    deck = write(
        tmp_path / "deep.toml", edit("points = 20", "points = 20\nextra = " + "[" * 900 + "]" * 900)
    )
    result = console("load", "--check", str(deck), tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{deck}:25: lists or tables nested more than 16 levels")
    assert "Traceback" not in result.stderr + result.stdout


def test_deeply_nested_deck_upload_shows_the_line(app, admin_client):
    text = edit("points = 20", "points = 20\nextra = " + "{a = " * 900 + "1" + "}" * 900)
    response = admin_client.post(
        "/admin/deck/upload",
        data={
            "csrf_token": csrf_token(admin_client, "/admin/deck"),
            "deck": (io.BytesIO(text.encode()), "deep.toml"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "deep.toml:25: lists or tables nested more than 16 levels deep" in page
    assert 'name="token"' not in page
