"""The columns of the deck spreadsheet: headings, help and value kinds, in French and English.

The deck's own keys come from ``decks``: a column exists only for a key the deck format
has, so the spreadsheet follows the format as it grows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from invider.decks import reading

TEXT, LIST, INT, BOOL, WHEN, NUMBER = "text", "list", "int", "bool", "when", "number"
#: The waves of the day in one cell: ``Afternoon @ 14:00 | Evening @ 2026-03-14T17:00:00+01:00``.
WAVES = "waves"
#: A list of whole numbers of days, like the echo rounds ("7 | 28 | 84").
DAYS = "days"
CHOICES = 6


@dataclass(frozen=True)
class Column:
    """A column of the Inviders sheet, or a row of the Hunt sheet."""

    key: str
    kind: str
    en: str
    fr: str
    help_en: str
    help_fr: str

    def label(self, language: str) -> str:
        return self.fr if language == "fr" else self.en

    def help(self, language: str) -> str:
        return self.help_fr if language == "fr" else self.help_en


INVIDER_COLUMNS = (
    Column(
        "number",
        NUMBER,
        "No.",
        "N°",
        "Poster number (the row order decides it)",
        "N° d'affiche (l'ordre des lignes le fixe)",
    ),
    Column(
        "key",
        TEXT,
        "Key",
        "Clé",
        "a-z, 0-9, -; never change it once printed",
        "a-z, 0-9, - ; ne plus la changer une fois imprimée",
    ),
    Column("question", TEXT, "Question", "Question", "Required", "Obligatoire"),
    *(
        Column(
            f"choice{n}",
            TEXT,
            f"Choice {n}",
            f"Choix {n}",
            "2 to 6 choices, or accepted answers" if n == 1 else "",
            "2 à 6 choix, ou des réponses acceptées" if n == 1 else "",
        )
        for n in range(1, CHOICES + 1)
    ),
    Column("answer", TEXT, "Answer", "Bonne réponse", "One of the choices", "L'un des choix"),
    Column(
        "accept",
        LIST,
        "Accepted answers",
        "Réponses acceptées",
        "Typed answer: forms separated by |",
        "Réponse tapée : formes séparées par |",
    ),
    Column(
        "fact",
        TEXT,
        "Fact",
        "Anecdote",
        "Shown after the answer; required",
        "Affichée après la réponse ; obligatoire",
    ),
    Column(
        "topic",
        TEXT,
        "Topic",
        "Thème",
        "Strategy message (optional)",
        "Message stratégique (facultatif)",
    ),
    Column(
        "location",
        TEXT,
        "Location",
        "Emplacement",
        "Where the poster goes (organisers)",
        "Où coller l'affiche (organisateurs)",
    ),
    Column(
        "points",
        INT,
        "Points",
        "Points",
        "Empty: the hunt's points",
        "Vide : les points de la chasse",
    ),
    Column(
        "strict",
        BOOL,
        "Strict",
        "Stricte",
        "TRUE: exact typed answer only",
        "VRAI : réponse tapée exacte uniquement",
    ),
    Column(
        "wave",
        TEXT,
        "Wave",
        "Vague",
        "Empty: from the opening; else a wave of the Hunt sheet",
        "Vide : dès l'ouverture ; sinon une vague de la feuille Chasse",
    ),
    Column(
        "shuffle_choices",
        BOOL,
        "Shuffle choices",
        "Mélanger les choix",
        "FALSE: keep this order (1 million … 10 millions)",
        "FAUX : garder cet ordre (1 million … 10 millions)",
    ),
)

HUNT_ROWS = (
    Column("title", TEXT, "Title", "Titre", "Required", "Obligatoire"),
    Column("language", TEXT, "Language", "Langue", "fr or en", "fr ou en"),
    Column(
        "teams", LIST, "Teams", "Équipes", "Optional, separated by |", "Facultatif, séparées par |"
    ),
    Column(
        "opens_at",
        WHEN,
        "Opens at",
        "Ouverture",
        "Like 2026-03-14T09:00:00+01:00",
        "Comme 2026-03-14T09:00:00+01:00",
    ),
    Column(
        "freeze_at",
        WHEN,
        "Freeze at",
        "Gel du classement",
        "Optional, same form",
        "Facultatif, même forme",
    ),
    Column("closes_at", WHEN, "Closes at", "Fermeture", "Same form", "Même forme"),
    Column(
        "points",
        INT,
        "Points",
        "Points",
        "For a right answer (default 10)",
        "Pour une bonne réponse (10 par défaut)",
    ),
    Column(
        "confidence",
        BOOL,
        "Ask confidence",
        "Demander l'assurance",
        "TRUE or FALSE",
        "VRAI ou FAUX",
    ),
    Column(
        "confidence_points",
        BOOL,
        "Points follow confidence",
        "Points selon l'assurance",
        "TRUE: sure ×1.5, guess ×0.5 (FALSE by default)",
        "VRAI : sûr·e ×1,5, deviné ×0,5 (FAUX par défaut)",
    ),
    Column("echo_opens_at", WHEN, "Echo opens at", "Ouverture de l'écho", "Optional", "Facultatif"),
    Column(
        "echo_closes_at", WHEN, "Echo closes at", "Fermeture de l'écho", "Optional", "Facultatif"
    ),
    Column(
        "echo_rounds",
        DAYS,
        "Echo rounds",
        "Tours de l'écho",
        "Optional: days after the close, separated by |",
        "Facultatif : jours après la fermeture, séparés par |",
    ),
    Column(
        "echo_questions", INT, "Echo questions", "Questions de l'écho", "Per player", "Par joueur"
    ),
    Column(
        "standings", TEXT, "Standings", "Classement", "public or discreet", "public ou discreet"
    ),
    Column(
        "retention_days",
        INT,
        "Retention days",
        "Jours de conservation",
        "After the close",
        "Après la fermeture",
    ),
    Column(
        "waves",
        WAVES,
        "Waves",
        "Vagues",
        "Name @ time, separated by |: Afternoon @ 14:00 (the opening's day)",
        "Nom @ heure, séparées par | : Après-midi @ 14:00 (le jour de l'ouverture)",
    ),
    Column(
        "shuffle_choices",
        BOOL,
        "Shuffle choices",
        "Mélanger les choix",
        "TRUE: each player sees the choices in their own order (default)",
        "VRAI : chaque joueur voit les choix dans son propre ordre (par défaut)",
    ),
    Column(
        "countdown_minutes",
        INT,
        "Countdown minutes",
        "Minutes de compte à rebours",
        "Before the freeze and the close (default 30; 0: none)",
        "Avant le gel et la fermeture (30 par défaut ; 0 : aucun)",
    ),
)

SHEETS = {"inviders": {"en": "Inviders", "fr": "Inviders"}, "hunt": {"en": "Hunt", "fr": "Chasse"}}
HUNT_HEADER = {"en": ("Setting", "Value", "Help"), "fr": ("Réglage", "Valeur", "Aide")}


def invider_columns() -> list[Column]:
    """Return the Inviders columns this version of the deck format has."""
    fixed = (NUMBER, "choice")  # not deck keys: the poster number, the choices one a column
    return [c for c in INVIDER_COLUMNS if c.key in reading.INVIDER_KEYS or c.key.startswith(fixed)]


def hunt_rows() -> list[Column]:
    """Return the Hunt settings this version of the deck format has."""
    return [c for c in HUNT_ROWS if c.key in reading.HUNT_KEYS]


def waves_from_cell(text: str, opens_at=None) -> list:
    """Read a Waves cell (``Afternoon @ 14:00 | Evening @ 2026-03-14T17:00:00+01:00``).

    A bare time (14:00, 14h00, 14 h 00) is on the day of ``opens_at``, in its UTC offset;
    what cannot be read stays as text, for the validator to name.
    """
    parts = text.split("\n") if "\n" in text else text.split("|")
    waves = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        name, _, when = part.rpartition("@")
        if not name.strip():
            waves.append({"name": part})
            continue
        waves.append({"name": name.strip(), "at": _when(when.strip(), opens_at)})
    return waves


def _when(text: str, opens_at):
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    m = re.fullmatch(r"(\d{1,2})\s*[:hH]\s*(\d{2})?", text)
    if m and isinstance(opens_at, datetime) and opens_at.tzinfo is not None:
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if hour < 24 and minute < 60:
            return datetime.combine(opens_at.date(), time(hour, minute), opens_at.tzinfo)
    return text


def waves_cell(waves: list[dict]) -> str:
    """Write waves as one Waves cell, each with its full date and offset."""
    parts = []
    for wave in waves:
        at = wave.get("at")
        parts.append(
            f"{wave.get('name', '')} @ {at.isoformat() if isinstance(at, datetime) else at}"
        )
    return " | ".join(parts)
