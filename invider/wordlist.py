"""Names refused at join: a French and English word list the organiser can extend."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from flask import current_app

BUILTIN = Path(__file__).parent / "data" / "banned-names.txt"
INSTANCE_FILE = "banned-names.txt"
# Digits and signs people use to dodge a filter ("sh1t", "@ss").
LOOKALIKES = str.maketrans("013457@$", "oieastas")

_cache: dict[tuple[str, float], frozenset[str]] = {}


def fold(text: str) -> str:
    """Fold case, accents and look-alike characters; separators become single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.translate(LOOKALIKES)
    return " ".join(re.split(r"[^a-z0-9]+", bare)).strip()


def read_words(path: Path) -> frozenset[str]:
    """Return the folded entries of a word-list file (``#`` starts a comment).

    An entry starting with ``!`` is kept with its ``!``: it allows a word again.
    """
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return frozenset()
    cached = _cache.get((str(path), mtime))
    if cached is None:
        lines = path.read_text(encoding="utf-8").splitlines()
        entries = [line.split("#", 1)[0].strip() for line in lines]
        cached = frozenset(("!" if e.startswith("!") else "") + fold(e.lstrip("!"))
                           for e in entries if fold(e.lstrip("!")))  # fmt: skip
        _cache[(str(path), mtime)] = cached
    return cached


def banned_words(instance_path: str | Path | None = None) -> frozenset[str]:
    """Return the built-in list joined with the organiser's ``instance/banned-names.txt``."""
    words = read_words(BUILTIN)
    if instance_path is not None:
        extra = read_words(Path(instance_path) / INSTANCE_FILE)
        allowed = {w[1:] for w in extra if w.startswith("!")}
        words = (words | {w for w in extra if not w.startswith("!")}) - allowed
    return words


def is_banned(name: str, words: frozenset[str]) -> bool:
    """Tell whether ``name`` holds a banned word, as a word or spelled out with separators."""
    folded = fold(name)
    tokens = folded.split()
    candidates = set(tokens) | {folded, folded.replace(" ", "")}
    # Multi-word entries ("ta mere") match any run of consecutive words.
    for size in range(2, 4):
        candidates |= {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}
    # Plurals: "connards", "salopes".
    candidates |= {c[:-1] for c in list(candidates) if len(c) > 3 and c.endswith("s")}
    return not words.isdisjoint(candidates)


def check_allowed(name: str) -> None:
    """Raise ValueError("reserved") when ``name`` holds a word of the word lists."""
    if is_banned(name, banned_words(current_app.instance_path)):
        raise ValueError("reserved")

