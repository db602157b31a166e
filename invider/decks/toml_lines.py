"""Where keys and tables sit in TOML text, and how deep it nests: for messages with a line.

``tomllib`` gives values but no positions, and recurses once per nesting level.
"""

from __future__ import annotations

import re

# Arrays and inline tables nested deeper than this are refused before parsing: no deck
# needs them, and Python's TOML parser recurses once per level (900 levels crash it).
MAX_NESTING = 16


class KeyLines:
    """Find the line of each table header and key, since tomllib gives no positions."""

    HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_\-\"' .]+?)\s*\]\]?")
    ASSIGN = re.compile(r"^\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+)\s*=")

    def __init__(self, text: str):
        self.tables: dict[tuple[str, int], int] = {}
        self.keys: dict[tuple[str, int, str], int] = {}
        counts: dict[str, int] = {}
        table: tuple[str, int] = ("", 0)
        # Inside a multi-line array or string, lines are values, not keys.
        depth, quote = 0, ""
        # TOML counts lines by "\n" only; str.splitlines() also splits on U+2028 and others.
        for number, line in enumerate(text.split("\n"), start=1):
            free = depth == 0 and not quote
            if free and (m := self.HEADER.match(line)):
                name = m.group(2).strip().strip("\"'")
                index = counts.get(name, -1) + 1 if m.group(1) == "[[" else 0
                counts[name] = index
                table = (name, index)
                self.tables.setdefault(table, number)
                continue
            if free and (m := self.ASSIGN.match(line)):
                self.keys.setdefault((*table, m.group(1).strip("\"'")), number)
            balance, quote, _ = bracket_balance(line, quote)
            depth = max(0, depth + balance)

    def of(self, table: str, index: int = 0, key: str | None = None) -> int:
        """Return the line of ``key`` in a table, else the table header, else 1."""
        if key is not None and (table, index, key) in self.keys:
            return self.keys[(table, index, key)]
        return self.tables.get((table, index), 1)


def bracket_balance(line: str, quote: str = "", depth: int = 0) -> tuple[int, str, int]:
    """Count ``[`` and ``{`` minus ``]`` and ``}`` outside strings and comments.

    ``quote`` is the multi-line string (\"\"\" or ''') still open from the line
    before; the one still open at the end of this line is returned with the count,
    and with the deepest nesting reached on the line, counting from ``depth``.
    """
    balance, peak, i = 0, depth, 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\" and quote[0] == '"':  # basic strings have escapes
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
        elif line.startswith(('"""', "'''"), i):
            quote = line[i : i + 3]
            i += 3
            continue
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch in "[{":
            balance += 1
            peak = max(peak, depth + balance)
        elif ch in "]}":
            balance -= 1
        i += 1
    return balance, quote if len(quote) == 3 else "", peak


def first_too_deep_line(text: str, limit: int = MAX_NESTING) -> int | None:
    """Return the first line where arrays or inline tables nest deeper than ``limit``.

    A table header such as ``[[invider]]`` counts as two levels, closed on its line.
    """
    depth, quote = 0, ""
    for number, line in enumerate(text.split("\n"), start=1):
        balance, quote, peak = bracket_balance(line, quote, depth)
        if peak > limit:
            return number
        depth = max(0, depth + balance)
    return None
