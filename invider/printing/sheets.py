"""The layout of each printed sheet, drawn in millimetres on a PDF or an image canvas.

A layout never knows which canvas it draws on, so a poster's PNG is the same page as its
PDF. Colours are flat fills that an office laser printer renders cleanly; in black and
white every ink is black.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from invider.art.sprites import HEIGHT as SPRITE_HEIGHT
from invider.art.sprites import WIDTH as SPRITE_WIDTH
from invider.art.sprites import sprite_colour, sprite_grid
from invider.printing.drawing import Grid, fit_text, line_height, qr_matrix, text_width, wrap_words

MARGIN = 12.0  # printers leave 3 to 6 mm unprinted; nothing is drawn within 10 mm
QR_WIDTH = 122.0  # the poster's QR code: 12 cm and a little more
STICKER_QR = 50.0


class Canvas(Protocol):
    def page(self) -> None: ...
    def rect(self, x: float, y: float, w: float, h: float, colour: str) -> None: ...
    def cells(self, grid: Grid, x: float, y: float, cell: float, colour: str) -> None: ...
    def frame(
        self, x: float, y: float, w: float, h: float, colour: str, width: float, dash: float = 0
    ) -> None: ...
    def text(
        self,
        x: float,
        top: float,
        text: str,
        size: float,
        colour: str,
        bold: bool = True,
        align: str = "l",
    ) -> None: ...


@dataclass(frozen=True)
class Inks:
    """The colours of a sheet; ``mono`` prints everything black."""

    mono: bool = False
    # Text and QR code share one ink: a poster then has four colours, and its PNG two bits
    # a pixel.
    text: str = "#111318"
    muted: str = "#565d6b"
    qr: str = "#111318"
    rule: str = "#c4c8d0"

    def accent(self, key: str) -> str:
        """Return the colour of an invider: the same as on phones and the big screen."""
        return "#000000" if self.mono else sprite_colour(key)


MONO = Inks(mono=True, text="#000000", muted="#000000", qr="#000000", rule="#000000")


@dataclass(frozen=True)
class Sheet:
    """What every page of a deck shares: its wording, paper and address."""

    title: str
    texts: dict
    size: tuple[float, float]
    base: str
    inks: Inks
    total: int
    # The start poster's line on when the echo opens (None: no echo date to announce).
    echo: str | None = None
    # QR codes already computed for this deck, by address (a process drawing beside
    # another is handed those the other computed); any other is computed when drawn.
    qr_codes: dict[str, Grid] = field(default_factory=dict, compare=False, repr=False)

    def qr(self, url: str) -> Grid:
        """Return the QR code of ``url``."""
        grid = self.qr_codes.get(url)
        return grid if grid is not None else qr_matrix(url)

    def number(self, number: int) -> str:
        width = len(str(self.total))
        return f"#{number:0{width}d}"


def lines_at(
    c: Canvas,
    x: float,
    top: float,
    lines: Sequence[str],
    size: float,
    colour: str,
    bold: bool = True,
    align: str = "l",
) -> float:
    """Write ``lines`` downwards from ``top`` and return the y just below them."""
    for line in lines:
        c.text(x, top, line, size, colour, bold, align)
        top += line_height(size)
    return top


def format_code(code: str) -> str:
    """Group a code in fours for typing, the last group taking up to five characters."""
    groups = [code[i : i + 4] for i in range(0, len(code), 4)]
    if len(groups) > 1 and len(groups[-1]) == 1:
        groups[-2:] = [groups[-2] + groups[-1]]
    return "-".join(groups)


def code_lines(code: str, size: float, width: float) -> list[str]:
    """Break a grouped code after its dashes, so that each line fits ``width``."""
    lines: list[str] = []
    for group in [g + "-" for g in code.split("-")[:-1]] + [code.split("-")[-1]]:
        if lines and text_width(lines[-1] + group, size) <= width:
            lines[-1] += group
        else:
            lines.append(group)
    return lines


def quiet_zone(grid: Grid, width: float) -> float:
    """Return the white border a QR code of ``width`` mm needs: 4 modules, and on a poster
    at least 12 mm, so that a frame or a wall edge close by never touches the code."""
    return max(4 * width / len(grid), min(12.0, width / 8))


def poster(c: Canvas, sheet: Sheet, number: int, key: str, url: str, code: str) -> None:
    """Draw one poster: the invider as hero, its number, the call to action, the QR code."""
    c.page()
    texts, inks, (pw, ph) = sheet.texts, sheet.inks, sheet.size
    accent = inks.accent(key)
    # The QR code sits in the bottom right corner; the page margin is part of its quiet zone.
    grid = sheet.qr(url)
    quiet = quiet_zone(grid, QR_WIDTH)
    qx = pw - max(MARGIN, quiet) - QR_WIDTH
    qy = ph - max(MARGIN, quiet) - QR_WIDTH
    c.cells(grid, qx, qy, QR_WIDTH / len(grid), inks.qr)

    size, lines = fit_text(sheet.title, pw - 2 * MARGIN, 30, 16, lines=2)
    top = lines_at(c, MARGIN, MARGIN, lines, size, inks.text) + 2
    c.rect(MARGIN, top, pw - 2 * MARGIN, 1.2, accent)
    top += 6

    # The hero: as large as the space above the QR code allows, beside its number.
    cell = min(12.6, (qy - quiet - top) / SPRITE_HEIGHT, (pw - 2 * MARGIN - 40) / SPRITE_WIDTH)
    c.cells(sprite_grid(key), MARGIN, top, cell, accent)
    column = MARGIN + SPRITE_WIDTH * cell + 5
    width = pw - MARGIN - column
    size, (label,) = fit_text(sheet.number(number), width, 80, 20)
    below = lines_at(c, pw - MARGIN, top - size * 0.06, [label], size, accent, align="r")
    c.text(
        pw - MARGIN,
        below - size * 0.08,
        f"/ {sheet.total}",
        min(size * 0.45, 30),
        inks.muted,
        align="r",
    )

    # Beside the QR code: what to do, then the code for those who cannot scan.
    width = qx - quiet - MARGIN
    size, lines = fit_text(texts["scan"], width, 30, 14, lines=2)
    y = lines_at(c, MARGIN, qy - 1, lines, size, inks.text) + 1
    size, lines = fit_text(texts["camera"], width, 13, 9, lines=4, bold=False)
    y = lines_at(c, MARGIN, y, lines, size, inks.muted, bold=False) + 1
    c.text(MARGIN, y, "→", 40, accent)
    code_size = min(24.0, *(fit_text(g + "-", width, 24, 10)[0] for g in code.split("-")))
    codes = code_lines(code, code_size, width)
    hint = wrap_words(texts["hint"], 10, width, bold=False)
    host_size, (host,) = fit_text(sheet.base.split("://", 1)[1], width, 11, 6)
    y = qy + QR_WIDTH - len(codes) * line_height(code_size) - line_height(host_size)
    y -= len(hint) * line_height(10) + 2
    y = lines_at(c, MARGIN, y, hint, 10, inks.muted, bold=False)
    y = lines_at(c, MARGIN, y, [host], host_size, inks.text) + 2
    lines_at(c, MARGIN, y, codes, code_size, inks.text)


def sticker_sheet(c: Canvas, sheet: Sheet, items: Sequence[tuple[int, str, str, str]]) -> None:
    """Lay out up to six stickers, 2 by 3, each in a dashed cutting line."""
    c.page()
    inks, (pw, ph) = sheet.inks, sheet.size
    width, height = (pw - 2 * MARGIN) / 2, (ph - 2 * MARGIN) / 3
    pad = 4.0
    for index, (number, key, url, code) in enumerate(items):
        left = MARGIN + (index % 2) * width
        top = MARGIN + (index // 2) * height
        c.frame(left, top, width, height, inks.rule, 0.3, dash=2)
        grid = sheet.qr(url)
        quiet = quiet_zone(grid, STICKER_QR)
        side = min(STICKER_QR, (height - 2 * quiet), width - 2 * quiet - 28)
        quiet = quiet_zone(grid, side)
        qx, qy = left + width - quiet - side, top + (height - side) / 2
        c.cells(grid, qx, qy, side / len(grid), inks.qr)
        column = qx - quiet - left - pad
        accent = inks.accent(key)
        cell = min(2.4, column / SPRITE_WIDTH)
        y = top + pad + 2
        c.cells(sprite_grid(key), left + pad, y, cell, accent)
        y += SPRITE_HEIGHT * cell + 2
        size, (label,) = fit_text(f"{sheet.number(number)} / {sheet.total}", column, 16, 8)
        y = lines_at(c, left + pad, y, [label], size, accent)
        size, lines = fit_text(sheet.title, column, 8, 6, lines=2, bold=False)
        lines_at(c, left + pad, y, lines, size, inks.muted, bold=False)
        size = min(14.0, *(fit_text(g + "-", column, 14, 7)[0] for g in code.split("-")))
        codes = code_lines(code, size, column)
        y = top + height - pad - 2 - len(codes) * line_height(size)
        lines_at(c, left + pad, y, codes, size, inks.text)


def start_here(c: Canvas, sheet: Sheet, keys: Sequence[str]) -> None:
    """Draw the poster that explains the game, with a QR code to the home page."""
    c.page()
    texts, inks, (pw, ph) = sheet.texts, sheet.inks, sheet.size
    cx, width = pw / 2, pw - 2 * MARGIN
    size, lines = fit_text(sheet.title, width, 40, 20, lines=3)
    y = lines_at(c, cx, MARGIN + 3, lines, size, inks.text, align="c") + 1
    y = lines_at(c, cx, y, [texts["start"]], 26, inks.muted, bold=False, align="c") + 8
    cell, gap = 5.0, 12.0
    x = cx - (len(keys) * (SPRITE_WIDTH * cell + gap) - gap) / 2
    for key in keys:
        c.cells(sprite_grid(key), x, y, cell, inks.accent(key))
        x += SPRITE_WIDTH * cell + gap
    y += SPRITE_HEIGHT * cell + 10
    # One size for the three steps, the largest at which each fits on a line, and the
    # block centred as a whole so that the numbers stay aligned.
    steps = [f"{n}. {line}" for n, line in enumerate(texts["how"], 1)]
    size = min(fit_text(step, width, 18, 11, bold=False)[0] for step in steps)
    lines = [line for step in steps for line in wrap_words(step, size, width, bold=False)]
    left = cx - max(text_width(line, size, bold=False) for line in lines) / 2
    y = lines_at(c, left, y, lines, size, inks.text, bold=False)
    bottom = ph - MARGIN
    if sheet.echo:
        bottom = echo_band(c, sheet, bottom)
    host_size, (host,) = fit_text(sheet.base.split("://", 1)[1], width, 26, 10)
    bottom -= line_height(host_size)
    c.text(cx, bottom, host, host_size, inks.text, align="c")
    grid = sheet.qr(f"{sheet.base}/")
    quiet = quiet_zone(grid, 100)
    side = min(110.0, (bottom - y) / (1 + 8 / len(grid)))
    quiet = quiet_zone(grid, side)
    c.cells(grid, cx - side / 2, bottom - quiet - side, side / len(grid), inks.qr)


def echo_band(c: Canvas, sheet: Sheet, bottom: float) -> float:
    """Draw the echo's invitation above ``bottom``: a small QR code to /echo and when it
    opens. Return the y above the band."""
    texts, inks, (pw, _ph) = sheet.texts, sheet.inks, sheet.size
    side = 30.0
    grid = sheet.qr(f"{sheet.base}/echo")
    quiet = 4 * side / len(grid)
    top = bottom - side
    c.cells(grid, MARGIN + quiet, top, side / len(grid), inks.qr)
    left = MARGIN + 2 * quiet + side + 4
    column = pw - MARGIN - left
    size = min(fit_text(texts["echo"], column, 14, 9, lines=2, bold=True)[0], 14.0)
    lines = wrap_words(texts["echo"], size, column) + wrap_words(
        sheet.echo, size, column, bold=False
    )
    y = top + (side - len(lines) * line_height(size)) / 2
    head = len(wrap_words(texts["echo"], size, column))
    y = lines_at(c, left, y, lines[:head], size, inks.text)
    lines_at(c, left, y, lines[head:], size, inks.muted, bold=False)
    c.rect(MARGIN, top - quiet - 3, pw - 2 * MARGIN, 0.4, inks.rule)
    return top - quiet - 6


def placement_page(c: Canvas, sheet: Sheet, rows: Sequence, page_no: int, pages: int) -> None:
    """Draw one page of the organisers' checklist: a row per poster, a box to tick."""
    c.page()
    texts, inks, (pw, ph) = sheet.texts, sheet.inks, sheet.size
    widths = (14.0, 16.0, 20.0, 50.0, 60.0, pw - 2 * MARGIN - 160.0)
    size, lines = fit_text(f"{texts['placement']} — {sheet.title}", pw - 2 * MARGIN, 16, 10)
    lines_at(c, MARGIN, MARGIN, lines, size, inks.text)
    c.text(
        pw - MARGIN,
        ph - MARGIN - line_height(8),
        f"{page_no} / {pages}",
        8,
        inks.muted,
        bold=False,
        align="r",
    )
    y, x = MARGIN + 12, MARGIN
    for title, w in zip(texts["columns"], widths, strict=True):
        c.text(x, y, title, 10, inks.text)
        x += w
    y += 6
    for item in rows:
        c.rect(MARGIN, y, pw - 2 * MARGIN, 0.3, inks.rule)
        mid = y + ROW / 2
        c.frame(MARGIN + 1, mid - 3.5, 7, 7, inks.text, 0.5)
        x = MARGIN + widths[0]
        c.text(x, mid - line_height(11) / 2, sheet.number(item.number), 11, inks.text)
        x += widths[1]
        c.cells(sprite_grid(item.key), x, mid - SPRITE_HEIGHT * 0.6, 1.2, inks.accent(item.key))
        x += widths[2]
        key_size, (key,) = fit_text(item.key, widths[3] - 3, 11, 7)
        c.text(x, mid - line_height(key_size), key, key_size, inks.text)
        c.text(x, mid + 0.3, format_code(item.code), 8, inks.muted, bold=False)
        x += widths[3]
        for value, w in ((item.location, widths[4]), (item.topic, widths[5])):
            size, lines = fit_text(value or "", w - 3, 10, 7, lines=2, bold=False)
            top = mid - len(lines) * line_height(size) / 2
            lines_at(c, x, top, lines, size, inks.text, bold=False)
            x += w
        y += ROW
    c.rect(MARGIN, y, pw - 2 * MARGIN, 0.3, inks.rule)


ROW = 15.0  # height of a placement row, in millimetres


def placement_rows_per_page(size: tuple[float, float]) -> int:
    """Return how many placement rows fit on a page of ``size``."""
    return int((size[1] - 2 * MARGIN - 24) // ROW)
