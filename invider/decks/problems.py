"""Deck problems as data: where each one is, its message id and parameters, and renderings.

A validator reports a problem as ``Problem(where, message, params)``. ``message`` is the
English text with ``%(name)s`` placeholders, which is also its id in the translation
catalog (marked ``N_`` so that pybabel extracts it). Each reader gives its own kind of
``Where``: a line of a TOML file, a cell of a spreadsheet, or a field of the editor; the
terminal, the upload page and the editor each render the same problem their way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

Translate = Callable[[str], str]


def N_(message: str) -> str:
    """Mark ``message`` for the catalog; it is translated where it is shown."""
    return message


def same(message: str) -> str:
    """Leave a message in English: the terminal's rendering."""
    return message


class Phrase(str):
    """A parameter that is itself words to translate ("a number", "true/false")."""


@dataclass(frozen=True)
class Where:
    """Where a problem is: a line of a file, a cell of a sheet, or a field of the editor.

    Only ``file`` is set for a problem of a whole file; ``rank`` orders problems as the
    reader met them (line, then sheet, row and column, or form field) and is no part of
    the place itself.
    """

    file: str = ""
    line: int | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    field: str | None = None
    rank: tuple = dataclasses.field(default=(), compare=False, repr=False)

    def short(self, translate: Translate = same) -> str:
        """Name the place in a few words, for a message that points at another one."""
        if self.row is not None:
            return translate(N_("row %(row)d")) % {"row": self.row}
        if self.line is not None:
            return translate(N_("line %(line)d")) % {"line": self.line}
        return self.field or self.sheet or self.file

    def located(self, text: str, translate: Translate = same) -> str:
        """Put the place in front of a message, as the organiser reads it."""
        if self.sheet is not None and self.column:
            frame = translate(N_('%(sheet)s, row %(row)d, column "%(column)s": %(message)s'))
        elif self.sheet is not None:
            frame = translate(N_("%(sheet)s, row %(row)d: %(message)s"))
        elif self.line is not None:
            frame = "%(file)s:%(line)d: %(message)s"  # like a compiler: editors jump to it
        elif self.field or self.file:
            frame = "%(place)s: %(message)s"
        else:
            return text
        return frame % {
            "sheet": self.sheet,
            "row": self.row or 0,
            "column": self.column,
            "file": self.file,
            "line": self.line or 0,
            "place": self.field or self.file,
            "message": text,
        }


def at_line(file: str, line: int) -> Where:
    """Return the place of a line in a text file."""
    return Where(file=file, line=line, rank=(line,))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a deck: where, the message id, and the message's parameters."""

    where: Where
    message: str
    params: Mapping = dataclasses.field(default_factory=dict)

    def text(self, translate: Translate = same) -> str:
        """Return the message alone, in English or through ``translate`` (a catalog)."""
        message = translate(self.message)
        if not self.params:
            return message  # a message without parameters may hold a plain "%"
        return message % {name: _shown(v, translate) for name, v in self.params.items()}

    def located(self, translate: Translate = same) -> str:
        """Return the message with its place in front: ``deck.toml:12: ...``."""
        return self.where.located(self.text(translate), translate)

    def __str__(self) -> str:
        return self.located()


def _shown(value, translate: Translate):
    if isinstance(value, Phrase):
        return translate(value)
    if isinstance(value, Where):
        return value.short(translate)
    return value


class DeckError(Exception):
    """A deck that cannot be loaded, with every problem found in it.

    ``messages`` are the problems as the terminal prints them (``path:line: message``).
    A plain text is taken as a problem with no place of its own.
    """

    def __init__(self, problems: Iterable[Problem | str]):
        self.problems = [p if isinstance(p, Problem) else Problem(Where(), p) for p in problems]
        super().__init__("\n".join(self.messages))

    @property
    def messages(self) -> list[str]:
        """Return the problems as lines for the terminal, in English."""
        return [str(p) for p in self.problems]


def problem(where: Where, message: str, **params) -> Problem:
    """Build a problem with its parameters as keywords, as validate_deck's ``err`` takes them."""
    return Problem(where, message, params)
