"""Read and validate TOML decks into plain data (``loading`` writes them).

Validation is complete before anything is written: every problem is reported
as ``path:line: message`` and a deck with any problem changes nothing.
"""

from __future__ import annotations

import re
import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from invider.decks.toml_lines import MAX_NESTING, KeyLines, first_too_deep_line
from invider.hunt.answers import answer_matches

KEY_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: easy to type
CODE_LENGTH = 13  # 31**13 > 2**64

#: The ``[hunt]`` table's keys, in the order the README documents them; from
#: ``confidence`` on, the learning and privacy options (see echo.py and privacy.py).
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
    "echo_questions",
    "standings",
    "retention_days",
)
HUNT_KEYS = frozenset(HUNT_FIELDS)
#: An ``[[invider]]`` table's keys, in the order the README documents them.
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


class DeckError(Exception):
    """A deck that cannot be loaded; ``messages`` are ``path:line: message`` lines."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


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
        raise DeckError([f"{name}:1: cannot read the file: {e.strerror}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise DeckError([f"{name}:{line}: not UTF-8 text; save the file as UTF-8"]) from None
    text = text.removeprefix("\ufeff")
    deep = first_too_deep_line(text)
    if deep is not None:
        raise DeckError(
            [
                f"{name}:{deep}: lists or tables nested more than {MAX_NESTING} "
                "levels deep; a deck needs at most 2"
            ]
        )
    try:
        data = tomllib.loads(text)
    except RecursionError:
        # Only if the scan above missed a way of nesting: never a traceback.
        raise DeckError([f"{name}:1: lists or tables nested too deeply"]) from None
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column \d+\)", str(e))
        line = m.group(1) if m else "1"
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(e))
        raise DeckError([f"{name}:{line}: invalid TOML: {message}"]) from None
    return validate_deck(data, name, KeyLines(text))


def validate_deck(data: dict, name: str, lines: KeyLines) -> Deck:
    """Check parsed TOML against the deck format; raise DeckError with every problem."""
    errors: list[str] = []

    def err(line: int, message: str) -> None:
        errors.append(f"{name}:{line}: {message}")

    for key in data.keys() - TOP_KEYS:
        err(
            lines.of(key) if (key, 0) in lines.tables else lines.of("", 0, key),
            f"unknown table or key {key!r} (expected [hunt] and [[invider]])",
        )

    hunt = data.get("hunt")
    if not isinstance(hunt, dict):
        err(1, "missing [hunt] table with at least a title")
        hunt = {}
    hline = lambda key=None: lines.of("hunt", 0, key)  # noqa: E731
    for key in sorted(hunt.keys() - HUNT_KEYS):
        err(hline(key), f"unknown key {key!r} in [hunt]")
    title = _text(hunt, "title", hline, err, required="hunt" in data)
    language = hunt.get("language", "fr")
    if language not in ("fr", "en"):
        err(hline("language"), 'language must be "fr" or "en"')
    teams = _text_list(hunt, "teams", hline, err) or []
    if len({t.casefold() for t in teams}) != len(teams):
        err(hline("teams"), "teams must be distinct")
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
                f"{key} needs a date, a time and a UTC offset, like 2026-03-14T09:00:00+01:00",
            )
            times[key] = None
        else:
            err(hline(key), f"{key} must be a date-time like 2026-03-14T09:00:00+01:00")
            times[key] = None
    present = [(k, v) for k, v in times.items() if v is not None]
    for (k1, v1), (k2, v2) in zip(present, present[1:], strict=False):
        if v1 >= v2:
            err(hline(k2), f"{k2} must come after {k1}")
    for key in ("echo_opens_at", "echo_closes_at"):
        if times[key] is not None and times["closes_at"] is None:
            err(hline(key), f"{key} needs closes_at: the echo opens only after the hunt closes")
    learning = _learning_options(hunt, times, hline, err)

    raw_inviders = data.get("invider", [])
    if not isinstance(raw_inviders, list) or not raw_inviders:
        err(lines.of("invider"), "the deck has no [[invider]]")
        raw_inviders = []
    elif not all(isinstance(item, dict) for item in raw_inviders):
        err(lines.of("", 0, "invider"), "invider must be [[invider]] tables, not values")
        raw_inviders = []
    if len(raw_inviders) > MAX_INVIDERS:
        err(
            lines.of("invider", MAX_INVIDERS),
            f"the deck has {len(raw_inviders)} inviders; at most {MAX_INVIDERS}",
        )
    inviders, seen = [], {}
    for index, item in enumerate(raw_inviders):
        line = lambda key=None, i=index: lines.of("invider", i, key)  # noqa: E731
        for key in sorted(item.keys() - INVIDER_KEYS):
            err(line(key), f"unknown key {key!r} in [[invider]]")
        key = _text(item, "key", line, err, required=True)
        if key and not KEY_RE.match(key):
            err(line("key"), f"key {key!r} may only use a-z, 0-9 and '-' (at most 60)")
        elif key in seen:
            err(line("key"), f"duplicate key {key!r} (first at line {seen[key]})")
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
            err(line("accept"), "give either choices or accept, not both")
        elif choices is None and accept is None:
            err(line(), "missing choices (or accept, for a typed answer)")
        elif choices is not None and not (choices == [] and item["choices"] != []):
            # (a mistyped choices list was reported above; its details would be noise)
            if not 2 <= len(choices) <= 6:
                err(line("choices"), "choices must list 2 to 6 answers")
            if len(set(choices)) != len(choices):
                err(line("choices"), "choices must be distinct")
            if answer is None and "answer" not in item:
                err(line(), "missing answer (one of the choices)")
            elif answer is not None and answer not in choices:
                err(line("answer"), f"answer {answer!r} is not one of the choices")
        elif accept is not None and not accept:
            err(line("accept"), "accept must list at least one answer")
        strict = item.get("strict", False)
        if not isinstance(strict, bool):
            err(line("strict"), f"strict must be true or false, not {_kind(strict)}")
            strict = False
        elif strict and choices is not None:
            err(line("strict"), "strict applies to typed answers (accept), not to choices")
        if accept and answer is not None and not _accepted(answer, accept, strict):
            err(
                line("answer"),
                f"answer {answer!r} would not be accepted: add it to accept, or fix the typo",
            )
        item_points = _points(item, line, err, default=points)
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
            )
        )

    if errors:
        raise DeckError(sorted(errors, key=_line_number))
    return Deck(
        path=name,
        title=title or "",
        language=language,
        teams=teams,
        points=points,
        inviders=inviders,
        learning=learning,
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
        err(hline("confidence"), f"confidence must be true or false, not {_kind(confidence)}")
        confidence = True
    options["confidence"] = confidence
    rewarded = hunt.get("confidence_points", False)
    if not isinstance(rewarded, bool):
        err(
            hline("confidence_points"),
            f"confidence_points must be true or false, not {_kind(rewarded)}",
        )
        rewarded = False
    elif rewarded and not confidence:
        err(hline("confidence_points"), "confidence_points needs confidence = true")
    options["confidence_points"] = rewarded
    questions = hunt.get("echo_questions", 5)
    if isinstance(questions, bool) or not isinstance(questions, int) or not 1 <= questions <= 20:
        err(hline("echo_questions"), "echo_questions must be a whole number from 1 to 20")
        questions = 5
    options["echo_questions"] = questions
    standings = hunt.get("standings", "public")
    if standings not in ("public", "discreet"):
        err(hline("standings"), 'standings must be "public" or "discreet"')
        standings = "public"
    options["standings"] = standings
    days = hunt.get("retention_days")
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650
    ):
        err(hline("retention_days"), "retention_days must be a whole number from 1 to 3650")
        days = None
    options["retention_days"] = days
    return options


def _accepted(answer: str, accept: list[str], strict: bool) -> bool:
    """Tell whether the typed answer shown to players is judged right by ``accept``."""
    return any(answer_matches(a, answer, strict) for a in accept)


def _line_number(message: str) -> int:
    m = re.search(r":(\d+): ", message)
    return int(m.group(1)) if m else 0


def _text(table, key, line, err, required=False) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            err(line(), f"missing {key}")
        return None
    if not isinstance(value, str):
        err(line(key), f"{key} must be text in quotes, not {_kind(value)}")
        return None
    if not value.strip():
        err(line(key), f"{key} must not be empty")
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
        err(line(key), f'{key} must be a list of non-empty texts, like ["a", "b"]')
        return []
    if len(value) > MAX_ITEMS.get(key, len(value)):
        err(line(key), f"{key} lists {len(value)} texts; at most {MAX_ITEMS[key]}")
    for text in value:
        _check_length(key, text.strip(), line, err)
    return [v.strip() for v in value]


def _points(table, line, err, default: int) -> int:
    value = table.get("points", default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 1000:
        err(line("points"), "points must be a whole number from 1 to 1000")
        return default
    return value


def _kind(value) -> str:
    return {
        int: "a number",
        float: "a number",
        bool: "true/false",
        list: "a list",
        str: "text",
        dict: "a table",
    }.get(type(value), type(value).__name__)
