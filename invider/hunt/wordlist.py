"""Names refused at join: a French and English word list the organiser can extend."""

from __future__ import annotations

import re
from pathlib import Path

from flask import current_app

from invider.hunt.names import fold

BUILTIN = Path(__file__).parent.parent / "data" / "banned-names.txt"
INSTANCE_FILE = "banned-names.txt"
# A squeezed word ("fuuuck" -> "fuck") is compared with squeezed entries only from this
# length on: squeezing "Conn" or "Cull" would otherwise meet "con" and "cul".
SQUEEZED_MIN = 4
_RUN = re.compile(r"([a-z])\1+")
_LONG_RUN = re.compile(r"([a-z])\1\1+")

_cache: dict[tuple[str, float], frozenset[str]] = {}


def read_words(path: Path) -> frozenset[str]:
    """Return the folded entries of a word-list file (``#`` starts a comment).

    An entry starting with ``*`` also matches inside words ("fuckface"); one starting
    with ``!`` is kept with its ``!``: it allows a word again.
    """
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return frozenset()
    cached = _cache.get((str(path), mtime))
    if cached is None:
        entries = set()
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = line.split("#", 1)[0].strip()
            mark = entry[:1] if entry[:1] in ("!", "*") else ""
            word = fold(entry[len(mark) :])
            if word:
                entries.add(mark + word)
        cached = frozenset(entries)
        _cache[(str(path), mtime)] = cached
    return cached


def banned_words(instance_path: str | Path | None = None) -> frozenset[str]:
    """Return the built-in list joined with the organiser's ``instance/banned-names.txt``."""
    words = read_words(BUILTIN)
    if instance_path is not None:
        extra = read_words(Path(instance_path) / INSTANCE_FILE)
        allowed = {w[1:] for w in extra if w.startswith("!")}
        words = words | {w for w in extra if not w.startswith("!")}
        words = frozenset(w for w in words if w.lstrip("*") not in allowed)
    return words


def squeeze(text: str) -> str:
    """Write every run of one repeated letter once ("fuuuck" -> "fuck")."""
    return _RUN.sub(r"\1", text)


def variants(text: str) -> set[str]:
    """Return ``text`` and its spellings with long runs of a letter cut to one or two."""
    return {text, _LONG_RUN.sub(r"\1", text), _LONG_RUN.sub(r"\1\1", text)}


def is_banned(name: str, words: frozenset[str]) -> bool:
    """Tell whether ``name`` holds a banned word: as a word, spelled out with separators,
    with letters repeated, or anywhere inside a word for the entries marked ``*``."""
    folded = fold(name)
    tokens = folded.split()
    candidates = set(tokens) | {folded, folded.replace(" ", "")}
    # Multi-word entries ("ta mere") match any run of consecutive words.
    for size in range(2, 4):
        candidates |= {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}
    candidates = {v for c in candidates for v in variants(c)}
    # Plurals: "connards", "salopes".
    candidates |= {c[:-1] for c in list(candidates) if len(c) > 3 and c.endswith("s")}
    plain = {w.lstrip("*") for w in words}
    if not plain.isdisjoint(candidates):
        return True
    squeezed = {squeeze(w) for w in plain if len(squeeze(w)) >= SQUEEZED_MIN}
    if not squeezed.isdisjoint(squeeze(c) for c in candidates):
        return True
    # Strong words match inside words too ("fuckface"), spelled out exactly: squeezed,
    # "nigger" would be inside "Nigeria".
    joined = variants(folded.replace(" ", ""))
    strong = {w[1:] for w in words if w.startswith("*")}
    return any(s in j for s in strong for j in joined)


def check_allowed(name: str) -> None:
    """Raise ValueError("refused") when ``name`` holds a word of the word lists."""
    if is_banned(name, banned_words(current_app.instance_path)):
        raise ValueError("refused")
