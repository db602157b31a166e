"""Typed answers judged as a person would judge them.

Case, accents, hyphens, apostrophes, punctuation and spaces do not count; a number
written in digits or in French or English words is the same number; an answer that
holds an accepted one as whole words counts ("133 services"); one wrong letter in a
long word is forgiven. A strict question keeps only case and accent folding.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz.distance import Levenshtein
from text_to_num import alpha2digit

# Accepted words this long forgive one wrong, missing or extra letter.
FUZZY_MIN_LENGTH = 6
# Words that turn a containing answer into a hedge or a denial ("133 ou 134", "pas 133").
HEDGES = frozenset({"ou", "or", "pas", "not", "ni", "nor"})
# Around an answer made only of words, only short words and these may stand: "c'est
# Lyon" is Lyon, "Paris Lyon Marseille" is three guesses.
FILLERS = frozenset(
    "est sont cest dans avec pour bien sur environ voila the its this that with about".split()
)
FILLER_LENGTH = 3
# Digit groups ("1 000", "1,000", "1.000") and decimal commas ("1,5" is "1.5").
_GROUPED = re.compile(r"(?<=\d)[ \u00a0\u202f.,'’](?=\d{3}(?!\d))")
_DECIMAL = re.compile(r"(?<=\d),(?=\d)")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+")


def fold(text: str) -> str:
    """Fold case and accents, and trim and squeeze spaces: all a strict question forgives."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[str, ...]:
    """Return the words and numbers of ``text``, folded, with spelled numbers as digits."""
    text = unicodedata.normalize("NFKC", text).casefold()
    # Both languages, whatever the hunt's: colleagues answer in either. A threshold of 0
    # turns even "un" or "one" into 1, on both sides of the comparison alike.
    # As typed ("zéro" needs its accent) and without accents (a stray one, as in
    # "trôis", must not hide the number): the reading that leaves fewer words wins.
    readings = []
    for candidate in (text, fold(text)):
        for language in ("fr", "en"):
            candidate = alpha2digit(candidate, language, threshold=0)
        readings.append(fold(candidate))
    text = min(readings, key=lambda reading: len(re.findall(r"[^\W\d_]+", reading)))
    text = _DECIMAL.sub(".", _GROUPED.sub("", text))
    return tuple(_TOKEN.findall(text))


def normalise_answer(text: str) -> str:
    """Return ``text`` the way answers are compared: folded words and digits, one space apart."""
    return " ".join(tokens(text))


def _compact(words: tuple[str, ...]) -> str:
    """Join words without spaces, keeping two numbers apart ("1 5" is not "15")."""
    out = ""
    for word in words:
        if out and out[-1].isdigit() and word[0].isdigit():
            out += "|"
        out += word
    return out


def _same_word(accepted: str, given: str) -> bool:
    if accepted == given:
        return True
    # Numbers never forgive a digit: 133 is not 134.
    if len(accepted) < FUZZY_MIN_LENGTH or not accepted.isalpha() or not given.isalpha():
        return False
    return Levenshtein.distance(accepted, given, score_cutoff=1) <= 1


def _matches(accepted: tuple[str, ...], given: tuple[str, ...]) -> bool:
    if _compact(accepted) == _compact(given):
        return True
    return len(accepted) == len(given) and all(map(_same_word, accepted, given))


def _extra_allowed(word: str, numeric: bool) -> bool:
    if word[0].isdigit() or word in HEDGES:
        return False
    return numeric or len(word) <= FILLER_LENGTH or word in FILLERS


def _contains(accepted: tuple[str, ...], given: tuple[str, ...]) -> bool:
    """Tell whether a run of whole words of ``given`` matches ``accepted``.

    The rest of the answer may not hold another number or a hedge: "133 ou 134" is
    no answer, "133 services" is. Around an answer without a number, only fillers.
    """
    numeric = any(w[0].isdigit() for w in accepted)
    # A run longer than the accepted answer plus a letter a word cannot match it.
    longest = len(_compact(accepted)) + len(accepted)
    for start in range(len(given)):
        for end in range(start + 1, len(given) + 1):
            if len(_compact(given[start:end])) > longest:
                break
            if not _matches(accepted, given[start:end]):
                continue
            if all(_extra_allowed(w, numeric) for w in given[:start] + given[end:]):
                return True
    return False


def answer_matches(accepted: str, given: str, strict: bool = False) -> bool:
    """Tell whether the typed ``given`` counts as the accepted answer ``accepted``."""
    if strict:
        return fold(given) == fold(accepted)
    want, got = tokens(accepted), tokens(given)
    if not want:
        # An accepted answer made only of signs ("?!") is compared as written.
        return fold(given) == fold(accepted)
    return _matches(want, got) or _contains(want, got)


def is_correct(invider, given: str, strict: bool | None = None) -> bool:
    """Tell whether ``given`` answers ``invider`` (an Invider or a row of one) correctly.

    ``strict`` defaults to the invider's own ``strict`` flag, when it has one.
    """
    if invider.choices:
        return given == invider.answer
    if strict is None:
        strict = bool(getattr(invider, "strict", False))
    accepted = [a for a in [*(invider.accept or []), invider.answer] if a]
    return any(answer_matches(a, given, strict) for a in accepted)
