"""A unique pixel-art space invader for every invider key.

The same key always gives the same sprite and colour, on phones, on the big
screen and on printed posters, so players learn to recognise "their" invaders.
Everything is derived from a SHA-256 of the key: Python's ``hash()`` is salted
per process and ``random`` changes between versions, and either would make the
art differ between the web workers and the poster renderer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import lru_cache
from html import escape

WIDTH = 11
HEIGHT = 8
#: Columns from the centre column (0) to the outer edge (5); the left half is mirrored.
HALF = WIDTH // 2 + 1

#: Saturated colours whose contrast is at least 3:1 (WCAG, graphics) both on white and on
#: the dark screen background #0b0f1a, with grey levels about 11 apart so that a black and
#: white print still tells them apart.
PALETTE: tuple[str, ...] = (
    "#8919fa",  # violet
    "#1965fc",  # blue
    "#fc2d26",  # red
    "#1fa541",  # green
    "#f25c05",  # orange
    "#b88a00",  # gold
)
#: Not-yet-found inviders: a neutral grey, also at least 3:1 on both backgrounds.
SILHOUETTE = "#8b8f98"

Grid = tuple[tuple[bool, ...], ...]


class _Bits:
    """An endless, deterministic stream of bits drawn from SHA-256 of a seed."""

    def __init__(self, seed: str) -> None:
        self._seed = seed.encode()
        self._chunks = self._generate()
        self._value = 0
        self._left = 0

    def _generate(self) -> Iterator[int]:
        counter = 0
        while True:
            digest = hashlib.sha256(self._seed + b"\x00" + str(counter).encode()).digest()
            yield int.from_bytes(digest, "big")
            counter += 1

    def take(self, n: int) -> int:
        """Return the next ``n`` bits as an integer."""
        if self._left < n:
            self._value = (self._value << 256) | next(self._chunks)
            self._left += 256
        self._left -= n
        return (self._value >> self._left) & ((1 << n) - 1)

    def below(self, n: int) -> int:
        """Return an integer in ``range(n)``; a slight bias does not matter for art."""
        return self.take(16) % n

    def chance(self, numerator: int, denominator: int) -> bool:
        """Return True with probability ``numerator / denominator``."""
        return self.below(denominator) < numerator


def _half_sprite(bits: _Bits) -> list[list[bool]]:
    """Draw the right half (centre column included) of a candidate invader."""
    half = [[False] * HALF for _ in range(HEIGHT)]

    def fill(row: int, d: int) -> None:
        if 0 <= row < HEIGHT and 0 <= d < HALF:
            half[row][d] = True

    # Head and body (rows 2-5) widen downwards like the classic crab and squid.
    w2 = 1 + bits.below(3)
    w3 = min(HALF - 1, w2 + 1 + bits.below(2))
    w4 = min(HALF - 1, max(w3, 3 + bits.below(3)))
    w5 = 2 + bits.below(4)
    for row, width in ((2, w2), (3, w3), (4, w4)):
        for d in range(width + 1):
            fill(row, d)
    for d in range(w5 + 1):
        # Gaps in the lower body give the "teeth" of the classic sprites.
        if d == 0 or d == w5 or not bits.chance(1, 4):
            fill(5, d)

    # Eyes: holes in row 3 (sometimes row 4), never in the centre column so the body
    # stays in one piece.
    eye_row = 3 if bits.chance(3, 4) else 4
    eye_width = w3 if eye_row == 3 else w4
    eye = 1 + bits.below(max(1, eye_width - 1))
    half[eye_row][eye] = False
    if bits.chance(1, 3) and eye + 1 < eye_width:
        half[eye_row][eye + 1] = False

    # Arms on the outer column, raised or hanging.
    arms = bits.below(3)
    if arms == 1:
        fill(2, 5)
        fill(3, 5)
        fill(1, 5)
    elif arms == 2:
        fill(4, 5)
        fill(5, 5)
        fill(6, 5)

    # Antennae or a domed head (rows 0-1).
    style = bits.below(5)
    a = 1 + bits.below(w2)
    if style == 0:  # classic crab: slanted antennae
        fill(1, a)
        fill(0, a + 1)
    elif style == 1:  # straight antennae
        fill(1, a)
        fill(0, a)
    elif style == 2:  # squid dome
        for d in range(w2):
            fill(1, d)
        for d in range(w2 - 1):
            fill(0, d)
        fill(0, 0)
    elif style == 3:  # horns curving outwards
        fill(1, w2 + 1)
        fill(0, w2 + 2)
        fill(1, 0)
    else:  # a single central spike with a knob
        fill(1, 0)
        fill(0, 0)
        fill(0, 1)

    # Legs (rows 6-7): each pixel must touch the row above, so legs hang from the body.
    for row in (6, 7):
        for d in range(HALF):
            above = [half[row - 1][n] for n in (d - 1, d, d + 1) if 0 <= n < HALF]
            if any(above) and bits.chance(1, 2):
                fill(row, d)
        if not any(half[row]):
            d = max(n for n in range(HALF) if half[row - 1][n])
            fill(row, min(HALF - 1, d + 1))
    return half


def _mirror(half: list[list[bool]]) -> list[list[bool]]:
    return [list(reversed(row[1:])) + row for row in half]


def _keep_connected(grid: list[list[bool]]) -> list[list[bool]]:
    """Drop pixels not 8-connected to the body centre, so no sprite floats apart."""
    start = (4, WIDTH // 2)
    seen = {start}
    todo = [start]
    while todo:
        row, col = todo.pop()
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                r, c = row + dr, col + dc
                if 0 <= r < HEIGHT and 0 <= c < WIDTH and grid[r][c] and (r, c) not in seen:
                    seen.add((r, c))
                    todo.append((r, c))
    return [[(r, c) in seen for c in range(WIDTH)] for r in range(HEIGHT)]


def _looks_like_invader(grid: list[list[bool]]) -> bool:
    filled = sum(map(sum, grid))
    widest = max(sum(row) for row in grid)
    return 26 <= filled <= 66 and widest >= 7 and any(grid[7]) and any(grid[0] + grid[1])


@lru_cache(maxsize=4096)
def sprite_grid(key: str) -> Grid:
    """Return the invader of ``key`` as rows of pixels, ``True`` where drawn."""
    for attempt in range(1000):
        bits = _Bits(f"invider-sprite:{key}:{attempt}")
        grid = _keep_connected(_mirror(_half_sprite(bits)))
        if _looks_like_invader(grid):
            return tuple(tuple(row) for row in grid)
    raise AssertionError("unreachable: a valid sprite is found within a few attempts")


def sprite_colour(key: str) -> str:
    """Return the sprite colour of ``key`` as ``#rrggbb``."""
    digest = hashlib.sha256(f"invider-colour:{key}".encode()).digest()
    return PALETTE[int.from_bytes(digest[:4], "big") % len(PALETTE)]


def _path_data(grid: Grid) -> str:
    # One rectangle per horizontal run keeps the path short (about 20 runs a sprite).
    parts = []
    for y, row in enumerate(grid):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1H{start}z")
            else:
                x += 1
    return "".join(parts)


@lru_cache(maxsize=4096)
def sprite_svg(key: str, *, silhouette: bool = False, title: str | None = None) -> str:
    """Return the invader of ``key`` as an inline SVG element."""
    colour = SILHOUETTE if silhouette else sprite_colour(key)
    if title is None:
        label = 'aria-hidden="true" focusable="false"'
        title_tag = ""
    else:
        label = 'role="img"'
        title_tag = f"<title>{escape(title)}</title>"
    # width/height give a sensible size without CSS; a stylesheet can still override them.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="invider-sprite" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH * 4}" height="{HEIGHT * 4}" '
        f'shape-rendering="crispEdges" {label}>'
        f'{title_tag}<path fill="{colour}" d="{_path_data(sprite_grid(key))}"/></svg>'
    )
