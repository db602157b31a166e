"""Display names: cleaning, the look-alike key that keeps them unique, and generated names."""

from __future__ import annotations

import re
import secrets
import unicodedata
from functools import lru_cache

from confusable_homoglyphs import confusables

MAX_NAME = 40
MAX_KEY = 160  # the length of player.name_key; look-alikes may spell longer ("m" is "rn")
# Combining marks on one letter: Vietnamese needs two ("ễ"); more is "Zalgo" text that
# spills over the lines around it on the big screen.
MAX_MARKS = 2
# Words that pass a name off as the organisers or the product itself, refused as a word
# of the name or as the start of one ("Admin Team", "Adm1n", "Administratrice", "Modérateur").
RESERVED_PREFIXES = tuple(
    "admin organisat organiser organizer organizat moderat sysadmin webmaster".split()
)
RESERVED_WORDS = frozenset(
    "orga modo mod mods staff support root system systeme invider officiel official "
    "gamemaster maitredujeu animateur animatrice jury".split()
)
# Unicode categories never allowed in a name: controls, format characters (bidi
# overrides, zero-width joiners and spaces), surrogates, private use, unassigned.
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Digits and signs people use to dodge a filter ("sh1t", "@ss", "Adm1n").
LOOKALIKES = str.maketrans("013457@$", "oieastas")

NAME_WORDS = {
    "fr": (
        "Pixel Laser Comète Galaxie Turbo Néon Photon Quasar Orbite Nova Plasma Cosmos".split(),
        "Pirate Chasseur Pilote Gardien Explorateur Capitaine Cadet Navigateur".split(),
    ),
    "en": (
        "Pixel Laser Comet Galaxy Turbo Neon Photon Quasar Orbit Nova Plasma Cosmos".split(),
        "Pirate Hunter Pilot Keeper Explorer Captain Cadet Navigator".split(),
    ),
}


@lru_cache(maxsize=8192)
def _prototype(ch: str) -> str:
    """Return the character ``ch`` is confused with in Unicode's confusables list.

    The package keeps the list both ways (each source lists its prototype, each
    prototype its sources): a source has a single entry, a prototype usually several.
    A pair that lists only each other gets the smaller of the two, the same from
    either side, which is all a key needs.
    """
    entries = confusables.confusables_data.get(ch)
    if not entries or len(entries) > 1:
        return ch
    other = entries[0]["c"].replace("\u200e", "")  # marks kept around right-to-left text
    if len(confusables.confusables_data.get(other, ())) > 1:
        return other
    return min(ch, other)


def skeleton(text: str, ascii_too: bool = True) -> str:
    """Return ``text`` with every character replaced by the one it can pass for.

    This is Unicode's confusable skeleton (UTS #39): "Аlice" with a Cyrillic "А" and
    "Alice" give the same skeleton. ``ascii_too=False`` leaves ASCII as it is ("m" stays
    "m" rather than "rn"), for the word filter.
    """
    out = []
    for ch in unicodedata.normalize("NFD", text):
        out.append(ch if ch.isascii() and not ascii_too else _prototype(ch))
    return unicodedata.normalize("NFD", "".join(out))


def name_key(name: str) -> str:
    """Return the key that makes names unique ignoring case and look-alike characters."""
    folded = skeleton(unicodedata.normalize("NFKC", name).casefold()).casefold()
    return unicodedata.normalize("NFC", folded)[:MAX_KEY]


def fold(text: str) -> str:
    """Fold case, look-alikes and accents for word matching; separators become one space."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(LOOKALIKES)
    decomposed = skeleton(text, ascii_too=False).casefold()
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.split(r"[^a-z0-9]+", bare.translate(LOOKALIKES))).strip()


def stacked_marks(name: str) -> int:
    """Return the largest number of combining marks on one character of ``name``."""
    most = run = 0
    for ch in unicodedata.normalize("NFD", name):
        run = run + 1 if unicodedata.category(ch) in ("Mn", "Me") else 0
        most = max(most, run)
    return most


def is_reserved(name: str) -> bool:
    """Tell whether ``name`` passes for an organiser or for the product itself."""
    words = fold(name).split()
    candidates = [*words, "".join(words)]
    return any(w in RESERVED_WORDS or w.startswith(RESERVED_PREFIXES) for w in candidates)


def clean_display_name(raw: str) -> str:
    """Return ``raw`` trimmed and NFKC-normalised, or raise ValueError saying why not.

    The messages are message ids, translated by the page that shows them.
    """
    name = unicodedata.normalize("NFKC", raw or "")
    if any(unicodedata.category(ch) in FORBIDDEN_CATEGORIES for ch in name):
        raise ValueError("invisible")
    name = " ".join(name.split())
    if not name:
        raise ValueError("empty")
    if len(name) > MAX_NAME:
        raise ValueError("too_long")
    if stacked_marks(name) > MAX_MARKS:
        raise ValueError("marks")
    if is_reserved(name):
        raise ValueError("reserved")
    return name


def generated_name(language: str = "fr") -> str:
    """Return an invader-themed name such as "Pixel Pirate 42"."""
    first, second = NAME_WORDS.get(language, NAME_WORDS["en"])
    if language == "fr":
        return f"{secrets.choice(second)} {secrets.choice(first)} {secrets.randbelow(90) + 10}"
    return f"{secrets.choice(first)} {secrets.choice(second)} {secrets.randbelow(90) + 10}"


def generated_names(language: str = "fr", count: int = 8) -> list[str]:
    """Return ``count`` distinct generated names, for a "suggest a name" button to cycle."""
    names: list[str] = []
    while len(names) < count:
        name = generated_name(language)
        if name not in names:
            names.append(name)
    return names
