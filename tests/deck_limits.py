"""A deck at every limit of ``invider.decks.reading``: the most a valid deck can hold."""

from __future__ import annotations

from invider.decks.reading import MAX_INVIDERS, MAX_ITEMS, MAX_LENGTH


def _text(key: str, number: int) -> str:
    """One word as long as ``key`` may be: no space for the layout to break at."""
    return f"{number:03d}{'W' * MAX_LENGTH[key]}"[: MAX_LENGTH[key]]


def _list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def deck_at_limits(inviders: int = MAX_INVIDERS) -> str:
    """Return a TOML deck with ``inviders`` inviders, every text at its longest."""
    teams = [f"{t:02d}{'T' * (MAX_LENGTH['teams'] - 2)}" for t in range(MAX_ITEMS["teams"])]
    lines = ["[hunt]", f'title = "{_text("title", 0)}"', 'language = "en"']
    lines += [f"teams = {_list(teams)}", ""]
    for i in range(inviders):
        choices = [_text("choices", c) for c in range(6)]
        lines += [
            "[[invider]]",
            f'key = "k{i:03d}{"x" * 56}"',
            f'question = "{_text("question", i)}"',
            f"choices = {_list(choices)}",
            f'answer = "{choices[0]}"',
            f'fact = "{_text("fact", i)}"',
            f'topic = "{_text("topic", i % 20)}"',
            f'location = "{_text("location", i)}"',
            "",
        ]
    return "\n".join(lines)
