"""Display names: cleaning, the uniqueness key, and generated invader names."""

from __future__ import annotations

import secrets
import unicodedata

MAX_NAME = 40
# Names that could pass for the organisers or the product itself.
RESERVED = {"admin", "administrateur", "administrator", "organisateur", "organiser",
            "organizer", "invider", "moderator", "moderateur", "root", "system"}  # fmt: skip
# Unicode categories never allowed in a name: controls, format characters (bidi
# overrides, zero-width joiners and spaces), surrogates, private use, unassigned.
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}

NAME_WORDS = {
    "fr": (["Pixel", "Laser", "Comète", "Galaxie", "Turbo", "Néon", "Photon", "Quasar",
            "Orbite", "Nova", "Plasma", "Cosmos"],
           ["Pirate", "Chasseur", "Pilote", "Gardien", "Explorateur", "Capitaine",
            "Cadet", "Navigateur"]),
    "en": (["Pixel", "Laser", "Comet", "Galaxy", "Turbo", "Neon", "Photon", "Quasar",
            "Orbit", "Nova", "Plasma", "Cosmos"],
           ["Pirate", "Hunter", "Pilot", "Keeper", "Explorer", "Captain",
            "Cadet", "Navigator"]),
}  # fmt: skip


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
    if name_key(name) in RESERVED:
        raise ValueError("reserved")
    return name


def name_key(name: str) -> str:
    """Return the key that makes names unique ignoring case."""
    return unicodedata.normalize("NFKC", name.casefold())


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
