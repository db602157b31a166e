"""Read and validate TOML decks into plain data (``loading`` writes them).

Validation is complete before anything is written: every problem is reported
(a ``problems.Problem``: where, message id, parameters; the terminal prints it as
``path:line: message``) and a deck with any problem changes nothing.
"""

from __future__ import annotations

import re
import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from invider.decks.problems import N_, DeckError, Phrase, Problem, Where, at_line
from invider.decks.programme_keys import programme_options
from invider.decks.toml_lines import MAX_NESTING, KeyLines, first_too_deep_line
from invider.hunt.answers import answer_matches

KEY_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: easy to type
CODE_LENGTH = 13  # 31**13 > 2**64

#: The ``[hunt]`` table's keys, in the order docs/deck-format.md lists them; from
#: ``confidence`` on, the learning and privacy options (see echo.py and privacy.py); from
#: ``waves`` on, the day's programme (see hunt/programme.py).
HUNT_FIELDS = (
    "title",
    "language",
    "teams",
    "opens_at",
    "freeze_at",
    "closes_at",
    "points",
    "confidence",
    "confidence_points",
    "echo_opens_at",
    "echo_closes_at",
    "echo_rounds",
    "echo_questions",
    "standings",
    "retention_days",
    "waves",
    "shuffle_choices",
    "countdown_minutes",
)
HUNT_KEYS = frozenset(HUNT_FIELDS)
#: An ``[[invider]]`` table's keys, in the order docs/deck-format.md lists them.
INVIDER_FIELDS = (
    "key",
    "question",
    "choices",
    "answer",
    "accept",
    "strict",
    "fact",
    "topic",
    "location",
    "points",
    "wave",
    "shuffle_choices",
)
INVIDER_KEYS = frozenset(INVIDER_FIELDS)
TOP_KEYS = {"hunt", "invider"}
#: Limits far beyond any real hunt (the sample deck: 16 inviders, facts of 285
#: characters), so that no deck that passes validation can slow a page down or fail
#: to print: every page, poster and sheet stays within its time with these.
MAX_INVIDERS = 200
MAX_LENGTH = {
    "title": 120,
    "question": 300,
    "fact": 1000,
    "topic": 80,
    "location": 200,
    "answer": 150,
    "choices": 150,
    "accept": 150,
    "teams": 60,
}
MAX_ITEMS = {"teams": 50, "accept": 20}


@dataclass
class DeckInvider:
    key: str
    question: str
    fact: str
    answer: str
    points: int
    choices: list[str] = field(default_factory=list)
    accept: list[str] = field(default_factory=list)
    topic: str | None = None
    location: str | None = None
    strict: bool = False
    wave: str | None = None
    shuffle_choices: bool | None = None


@dataclass
class Deck:
    path: str
    title: str
    language: str
    teams: list[str]
    points: int
    opens_at: datetime | None
    closes_at: datetime | None
    freeze_at: datetime | None
    inviders: list[DeckInvider]
    learning: dict = field(default_factory=dict)
    #: ``waves`` (a list of ``{"name", "at"}``), ``shuffle_choices``, ``countdown_minutes``.
    programme: dict = field(default_factory=dict)


def new_code() -> str:
    """Return a fresh poster code with more than 64 bits of randomness."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """Turn a typed poster code ("ABCD-efgh jk...") into its stored form."""
    return re.sub(r"[\s-]", "", text).lower()


def read_deck(path: str | Path) -> Deck:
    """Read and validate the deck at ``path``; raise DeckError listing every problem."""
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise _refused(name, 1, N_("cannot read the file: %(reason)s"), reason=e.strerror) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise _refused(name, line, N_("not UTF-8 text; save the file as UTF-8")) from None
    text = text.removeprefix("\ufeff")
    deep = first_too_deep_line(text)
    if deep is not None:
        raise _refused(
            name,
            deep,
            N_("lists or tables nested more than %(limit)d levels deep; a deck needs at most 2"),
            limit=MAX_NESTING,
        )
    try:
        data = tomllib.loads(text)
    except RecursionError:
        # Only if the scan above missed a way of nesting: never a traceback.
        raise _refused(name, 1, N_("lists or tables nested too deeply")) from None
    except tomllib.TOMLDecodeError as e:
        # tomllib puts the position in its English message; it is taken out into the place.
        m = re.search(r"\(at line (\d+), column \d+\)", str(e))
        line = int(m.group(1)) if m else 1
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(e))
        raise _refused(name, line, N_("invalid TOML: %(error)s"), error=message) from None
    return validate_deck(data, name, KeyLines(text))


def _refused(name: str, line: int, message: str, **params) -> DeckError:
    return DeckError([Problem(at_line(name, line), message, params)])


def validate_deck(data: dict, name: str, lines: KeyLines) -> Deck:
    """Check parsed TOML against the deck format; raise DeckError with every problem.

    ``lines`` tells where a table or key came from (``of(table, index, key)``): a line
    of the file here, a ``Where`` for the spreadsheet and the editor.
    """
    errors: list[Problem] = []

    def place(where: Where | int) -> Where:
        return where if isinstance(where, Where) else at_line(name, where)

    def err(where: Where | int, message: str, **params) -> None:
        # ``message`` is the catalog id (N_); ``params`` fill its %(name)s placeholders.
        errors.append(Problem(place(where), message, params))

    for key in data.keys() - TOP_KEYS:
        err(
            lines.of(key) if (key, 0) in lines.tables else lines.of("", 0, key),
            N_("unknown table or key %(key)r (expected [hunt] and [[invider]])"),
            key=key,
        )

    hunt = data.get("hunt")
    if not isinstance(hunt, dict):
        err(lines.of("hunt"), N_("missing [hunt] table with at least a title"))
        hunt = {}
    hline = lambda key=None: place(lines.of("hunt", 0, key))  # noqa: E731
    for key in sorted(hunt.keys() - HUNT_KEYS):
        err(hline(key), N_("unknown key %(key)r in [hunt]"), key=key)
    title = _text(hunt, "title", hline, err, required="hunt" in data)
    language = hunt.get("language", "fr")
    if language not in ("fr", "en"):
        err(hline("language"), N_('language must be "fr" or "en"'))
    teams = _text_list(hunt, "teams", hline, err) or []
    if len({t.casefold() for t in teams}) != len(teams):
        err(hline("teams"), N_("teams must be distinct"))
    points = _points(hunt, hline, err, default=10)
    times = {}
    for key in ("opens_at", "freeze_at", "closes_at", "echo_opens_at", "echo_closes_at"):
        value = hunt.get(key)
        if value is None:
            times[key] = None
        elif isinstance(value, datetime) and value.tzinfo is not None:
            times[key] = value
        elif isinstance(value, datetime | date):
            err(
                hline(key),
                N_("%(key)s needs a date, a time and a UTC offset, like 2026-03-14T09:00:00+01:00"),
                key=key,
            )
            times[key] = None
        else:
            err(
                hline(key),
                N_("%(key)s must be a date-time like 2026-03-14T09:00:00+01:00"),
                key=key,
            )
            times[key] = None
    present = [(k, v) for k, v in times.items() if v is not None]
    for (k1, v1), (k2, v2) in zip(present, present[1:], strict=False):
        if v1 >= v2:
            err(hline(k2), N_("%(key)s must come after %(before)s"), key=k2, before=k1)
    for key in ("echo_opens_at", "echo_closes_at"):
        if times[key] is not None and times["closes_at"] is None:
            err(
                hline(key),
                N_("%(key)s needs closes_at: the echo opens only after the hunt closes"),
                key=key,
            )
    learning = _learning_options(hunt, times, hline, err)
    programme = programme_options(hunt, times, lines, hline, err)
    wave_names = {w["name"].casefold(): w["name"] for w in programme["waves"]}

    raw_inviders = data.get("invider", [])
    if not isinstance(raw_inviders, list) or not raw_inviders:
        err(lines.of("invider"), N_("the deck has no [[invider]]"))
        raw_inviders = []
    elif not all(isinstance(item, dict) for item in raw_inviders):
        err(lines.of("", 0, "invider"), N_("invider must be [[invider]] tables, not values"))
        raw_inviders = []
    if len(raw_inviders) > MAX_INVIDERS:
        err(
            lines.of("invider", MAX_INVIDERS),
            f"the deck has {len(raw_inviders)} inviders; at most {MAX_INVIDERS}",
        )
    inviders, seen = [], {}
    for index, item in enumerate(raw_inviders):
        line = lambda key=None, i=index: place(lines.of("invider", i, key))  # noqa: E731
        for key in sorted(item.keys() - INVIDER_KEYS):
            err(line(key), N_("unknown key %(key)r in [[invider]]"), key=key)
        key = _text(item, "key", line, err, required=True)
        if key and not KEY_RE.match(key):
            err(line("key"), N_("key %(key)r may only use a-z, 0-9 and '-' (at most 60)"), key=key)
        elif key in seen:
            err(
                line("key"),
                N_("duplicate key %(key)r (first at %(first)s)"),
                key=key,
                first=seen[key],
            )
        elif key:
            seen[key] = line("key")
        question = _text(item, "question", line, err, required=True)
        fact = _text(item, "fact", line, err, required=True)
        topic = _text(item, "topic", line, err)
        location = _text(item, "location", line, err)
        choices = _text_list(item, "choices", line, err)
        accept = _text_list(item, "accept", line, err)
        answer = _text(item, "answer", line, err)
        if choices is not None and accept is not None:
            err(line("accept"), N_("give either choices or accept, not both"))
        elif choices is None and accept is None:
            # A missing key is placed at the key (its table's header in a TOML file).
            err(line("choices"), N_("missing choices (or accept, for a typed answer)"))
        elif choices is not None and not (choices == [] and item["choices"] != []):
            # (a mistyped choices list was reported above; its details would be noise)
            if not 2 <= len(choices) <= 6:
                err(line("choices"), N_("choices must list 2 to 6 answers"))
            if len(set(choices)) != len(choices):
                err(line("choices"), N_("choices must be distinct"))
            if answer is None and "answer" not in item:
                err(line("answer"), N_("missing answer (one of the choices)"))
            elif answer is not None and answer not in choices:
                err(
                    line("answer"), N_("answer %(answer)r is not one of the choices"), answer=answer
                )
        elif accept is not None and not accept:
            err(line("accept"), N_("accept must list at least one answer"))
        strict = item.get("strict", False)
        if not isinstance(strict, bool):
            err(
                line("strict"), N_("strict must be true or false, not %(kind)s"), kind=_kind(strict)
            )
            strict = False
        elif strict and choices is not None:
            err(line("strict"), N_("strict applies to typed answers (accept), not to choices"))
        if accept and answer is not None and not _accepted(answer, accept, strict):
            err(
                line("answer"),
                N_("answer %(answer)r would not be accepted: add it to accept, or fix the typo"),
                answer=answer,
            )
        item_points = _points(item, line, err, default=points)
        wave = _text(item, "wave", line, err)
        if wave is not None and wave.casefold() not in wave_names:
            if "waves" in hunt:
                err(line("wave"), N_("wave %(wave)r is not one of the waves in [hunt]"), wave=wave)
            else:
                err(line("wave"), f"wave {wave!r} needs waves = [...] in [hunt]")
        wave = wave_names.get(wave.casefold()) if wave else None
        shuffle = item.get("shuffle_choices")
        if shuffle is not None and not isinstance(shuffle, bool):
            err(
                line("shuffle_choices"),
                f"shuffle_choices must be true or false, not {_kind(shuffle)}",
            )
            shuffle = None
        inviders.append(
            DeckInvider(
                key=key or "",
                question=question or "",
                fact=fact or "",
                answer=answer or (accept[0] if accept else ""),
                points=item_points,
                choices=choices or [],
                accept=accept or [],
                topic=topic,
                location=location,
                strict=strict,
                wave=wave,
                shuffle_choices=shuffle,
            )
        )

    if errors:
        raise DeckError(sorted(errors, key=lambda problem: problem.where.rank))
    return Deck(
        path=name,
        title=title or "",
        language=language,
        teams=teams,
        points=points,
        inviders=inviders,
        learning=learning,
        programme=programme,
        **times,
    )


def _learning_options(hunt: dict, times: dict, hline, err) -> dict:
    """Validate the learning and privacy options of ``[hunt]``; pop the echo dates."""
    options = {
        "echo_opens_at": times.pop("echo_opens_at"),
        "echo_closes_at": times.pop("echo_closes_at"),
    }
    confidence = hunt.get("confidence", True)
    if not isinstance(confidence, bool):
        err(
            hline("confidence"),
            N_("confidence must be true or false, not %(kind)s"),
            kind=_kind(confidence),
        )
        confidence = True
    options["confidence"] = confidence
    rewarded = hunt.get("confidence_points", False)
    if not isinstance(rewarded, bool):
        err(
            hline("confidence_points"),
            N_("confidence_points must be true or false, not %(kind)s"),
            kind=_kind(rewarded),
        )
        rewarded = False
    elif rewarded and not confidence:
        err(hline("confidence_points"), N_("confidence_points needs confidence = true"))
    options["confidence_points"] = rewarded
    questions = hunt.get("echo_questions", 5)
    if isinstance(questions, bool) or not isinstance(questions, int) or not 1 <= questions <= 20:
        err(hline("echo_questions"), N_("echo_questions must be a whole number from 1 to 20"))
        questions = 5
    options["echo_questions"] = questions
    options["echo_rounds"] = _echo_rounds(hunt, times, options, hline, err)
    standings = hunt.get("standings", "public")
    if standings not in ("public", "discreet"):
        err(hline("standings"), N_('standings must be "public" or "discreet"'))
        standings = "public"
    options["standings"] = standings
    days = hunt.get("retention_days")
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650
    ):
        err(hline("retention_days"), N_("retention_days must be a whole number from 1 to 3650"))
        days = None
    options["retention_days"] = days
    return options


#: At most this many echo rounds: each one asks the players again.
MAX_ECHO_ROUNDS = 10


def _echo_rounds(hunt: dict, times: dict, options: dict, hline, err) -> list[int] | None:
    """Validate ``echo_rounds``: days after ``closes_at``, growing, instead of echo dates."""
    rounds = hunt.get("echo_rounds")
    if rounds is None:
        return None
    line = hline("echo_rounds")
    if not isinstance(rounds, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 3650 for d in rounds
    ):
        err(line, "echo_rounds must list days after closes_at from 1 to 3650, like [7, 28, 84]")
    elif not rounds:
        err(line, "echo_rounds must list at least one round, like [7, 28, 84]")
    elif len(rounds) > MAX_ECHO_ROUNDS:
        err(line, f"echo_rounds may list at most {MAX_ECHO_ROUNDS} rounds")
    elif any(a >= b for a, b in zip(rounds, rounds[1:], strict=False)):
        err(line, "echo_rounds must grow from one round to the next, like [7, 28, 84]")
    elif times.get("closes_at") is None:
        err(line, "echo_rounds needs closes_at: each round opens that many days after it")
    elif options["echo_opens_at"] is not None or options["echo_closes_at"] is not None:
        err(line, "give either echo_rounds or echo_opens_at and echo_closes_at, not both")
    else:
        return list(rounds)
    return None


def _accepted(answer: str, accept: list[str], strict: bool) -> bool:
    """Tell whether the typed answer shown to players is judged right by ``accept``."""
    return any(answer_matches(a, answer, strict) for a in accept)


def _text(table, key, line, err, required=False) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            err(line(key), N_("missing %(key)s"), key=key)
        return None
    if not isinstance(value, str):
        err(
            line(key),
            N_("%(key)s must be text in quotes, not %(kind)s"),
            key=key,
            kind=_kind(value),
        )
        return None
    if not value.strip():
        err(line(key), N_("%(key)s must not be empty"), key=key)
        return None
    _check_length(key, value.strip(), line, err)
    return value.strip()


def _check_length(key: str, text: str, line, err) -> None:
    limit = MAX_LENGTH.get(key)
    if limit and len(text) > limit:
        err(line(key), f"{key} is {len(text):,} characters long; at most {limit:,}")


def _text_list(table, key, line, err) -> list[str] | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        err(line(key), N_('%(key)s must be a list of non-empty texts, like ["a", "b"]'), key=key)
        return []
    if len(value) > MAX_ITEMS.get(key, len(value)):
        err(line(key), f"{key} lists {len(value)} texts; at most {MAX_ITEMS[key]}")
    for text in value:
        _check_length(key, text.strip(), line, err)
    return [v.strip() for v in value]


def _points(table, line, err, default: int) -> int:
    value = table.get("points", default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 1000:
        err(line("points"), N_("points must be a whole number from 1 to 1000"))
        return default
    return value


def _kind(value) -> str:
    return {
        int: Phrase(N_("a number")),
        float: Phrase(N_("a number")),
        bool: Phrase(N_("true/false")),
        list: Phrase(N_("a list")),
        str: Phrase(N_("text")),
        dict: Phrase(N_("a table")),
    }.get(type(value), type(value).__name__)
