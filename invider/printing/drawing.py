"""Two canvases that draw the same page in millimetres: a vector PDF page and a PNG image."""

from __future__ import annotations

import os
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import qrcode
from PIL import Image, ImageColor, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_M, ERROR_CORRECT_Q

FONTS = Path(__file__).parent.parent / "static" / "fonts"
#: Inter converted to TrueType outlines: PDF readers expect FontFile2 fonts to be TrueType,
#: which is how fpdf2 embeds every font (the CFF .otf would be mislabelled).
FONT_FILES = {False: FONTS / "Inter-Regular.ttf", True: FONTS / "Inter-Bold.ttf"}
PT = 25.4 / 72  # millimetres in a typographic point
ASCENT = 0.93  # from the top of a line to its baseline, in ems
LEADING = 1.2  # line spacing, in ems
Grid = tuple[tuple[bool, ...], ...]


@lru_cache(maxsize=2)
def _measuring_font(bold: bool) -> ImageFont.FreeTypeFont:
    # Basic layout: plain advance widths, as fpdf2 places glyphs without shaping.
    return ImageFont.truetype(str(FONT_FILES[bold]), 1000, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=4096)
def text_width(text: str, size: float, bold: bool = True) -> float:
    """Return the width of ``text`` set in Inter at ``size`` points, in millimetres."""
    return _measuring_font(bold).getlength(text) / 1000 * size * PT


def wrap_words(text: str, size: float, width: float, bold: bool = True) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` mm where words allow."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and text_width(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def ellipsize(text: str, size: float, width: float, bold: bool = True) -> str:
    """Cut ``text`` with '…' so that it fits ``width`` mm."""
    if text_width(text, size, bold) <= width:
        return text
    # The longest prefix that fits, by halving: a few measures instead of one per
    # character dropped (a 4,000-character title took longer than a request may).
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(text[:middle] + "…", size, bold) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


@lru_cache(maxsize=512)
def fit_text(
    text: str, width: float, size: float, min_size: float, lines: int = 1, bold: bool = True
) -> tuple[float, tuple[str, ...]]:
    """Shrink, then wrap ``text`` into ``lines`` lines of ``width`` mm; cut the rest with '…'.

    Returns the size in points and the lines.
    """
    while True:
        wrapped = wrap_words(text, size, width, bold)
        fits = len(wrapped) <= lines and all(text_width(w, size, bold) <= width for w in wrapped)
        if fits or size <= min_size:
            break
        size = max(min_size, size * 0.92)
    if len(wrapped) > lines:
        wrapped[lines - 1 :] = [" ".join(wrapped[lines - 1 :])]
    return size, tuple(ellipsize(w, size, width, bold) for w in wrapped)


def line_height(size: float) -> float:
    """Return the distance between two lines of ``size`` points, in millimetres."""
    return size * PT * LEADING


@lru_cache(maxsize=256)
def qr_matrix(data: str) -> Grid:
    """Return the QR code of ``data`` as rows of modules, ``True`` where dark, no quiet zone.

    ECC M sets the version, so modules stay as large as M allows and the code reads from
    as far away; then the strongest level that fits the same version is used (Q for most
    addresses), which survives scuffs and stickers at no cost in reading distance.
    """
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    qr.add_data(data)
    version = qr.best_fit()
    for level in (ERROR_CORRECT_H, ERROR_CORRECT_Q, ERROR_CORRECT_M):
        qr.error_correction = level
        if qr.best_fit(start=version) == version:
            break
    qr.make(fit=False)
    return tuple(tuple(row) for row in qr.get_matrix())


@lru_cache(maxsize=4096)
def merged_cells(grid: Grid) -> tuple[tuple[int, int, int, int], ...]:
    """Cover the dark cells of ``grid`` with few rectangles: (column, row, width, height).

    Runs of a row become one rectangle, and a run repeated exactly on the rows below grows
    downwards: a QR code takes about a third of the rectangles of its modules.
    """
    open_runs: dict[tuple[int, int], list[int]] = {}
    done: list[tuple[int, int, int, int]] = []
    for y, row in enumerate((*grid, ())):
        runs, x = [], 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append((start, x - start))
            x += 1
        for run in list(open_runs):
            if run not in runs:
                top, height = open_runs.pop(run)
                done.append((run[0], top, run[1], height))
        for run in runs:
            if run in open_runs:
                open_runs[run][1] += 1
            else:
                open_runs[run] = [y, 1]
    return tuple(sorted(done, key=lambda r: (r[1], r[0])))


class PdfCanvas:
    """Vector pages drawn with fpdf2: filled rectangles and embedded, subset Inter text."""

    def __init__(self, size: tuple[float, float], title: str) -> None:
        # Loaded when a PDF is drawn: fpdf2 brings fontTools and cryptography, a quarter
        # of a second, which the PNGs and the web pages do without.
        from fpdf import FPDF

        self.pdf = FPDF(unit="mm", format=size)
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margin(0)
        self.pdf.set_title(title)
        self.pdf.set_creator("Invider")
        self.pdf.set_producer("Invider (fpdf2)")
        for bold, path in FONT_FILES.items():
            self.pdf.add_font("Inter", "B" if bold else "", str(path))
        self.pages = 0

    def page(self) -> None:
        """Start a new, white page."""
        self.pdf.add_page()
        self.pages += 1

    def rect(self, x: float, y: float, w: float, h: float, colour: str) -> None:
        """Fill a rectangle."""
        self.pdf.set_fill_color(*ImageColor.getrgb(colour)[:3])
        self.pdf.rect(x, y, w, h, style="F")

    def cells(self, grid: Grid, x: float, y: float, cell: float, colour: str) -> None:
        """Fill the dark cells of ``grid`` (a QR code, a sprite), ``cell`` mm each."""
        self.pdf.set_fill_color(*ImageColor.getrgb(colour)[:3])
        for col, row, w, h in merged_cells(grid):
            self.pdf.rect(x + col * cell, y + row * cell, w * cell, h * cell, style="F")

    def frame(
        self, x: float, y: float, w: float, h: float, colour: str, width: float, dash: float = 0
    ) -> None:
        """Stroke a rectangle's outline, dashed when ``dash`` is given (in mm)."""
        self.pdf.set_draw_color(*ImageColor.getrgb(colour)[:3])
        self.pdf.set_line_width(width)
        self.pdf.set_dash_pattern(dash=dash, gap=dash)
        self.pdf.rect(x, y, w, h, style="D")
        self.pdf.set_dash_pattern()

    def text(
        self,
        x: float,
        top: float,
        text: str,
        size: float,
        colour: str,
        bold: bool = True,
        align: str = "l",
    ) -> None:
        """Write one line whose line box starts at ``top``; ``align`` is l, c or r of ``x``."""
        self.pdf.set_font("Inter", "B" if bold else "", size)
        self.pdf.set_text_color(*ImageColor.getrgb(colour)[:3])
        if align != "l":
            width = self.pdf.get_string_width(text)
            x -= width / 2 if align == "c" else width
        self.pdf.text(x, top + size * PT * ASCENT, text)

    def save(self, path: Path) -> None:
        """Write the document; a half-written file never takes the place of a good one."""
        partial = path.with_name(path.name + ".part")
        try:
            self.pdf.output(str(partial))
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, path)


@lru_cache(maxsize=64)
def _image_font(size_px: int, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILES[bold]), size_px, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=48)  # enough for the lines every poster repeats; masks are large
def _text_mask(text: str, size_px: int, bold: bool, anchor: str) -> tuple[Image.Image, int, int]:
    """Return ``text`` rendered once as a bilevel mask, and its offset from the anchor.

    Titles and instructions repeat on every poster: rendering glyphs is most of the time
    spent drawing a PNG page, pasting a mask is not.
    """
    font = _image_font(size_px, bold)
    left, top, right, bottom = font.getbbox(text, anchor=anchor)
    mask = Image.new("1", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, font=font, fill=1, anchor=anchor)
    return mask, left, top


class ImageCanvas:
    """The same drawing as :class:`PdfCanvas` on one page image, for PNG files."""

    def __init__(
        self, size: tuple[float, float], dpi: int = 300, reuse: Image.Image | None = None
    ) -> None:
        self.dpi = dpi
        pixels = (self.px(size[0]), self.px(size[1]))
        if reuse is not None and reuse.size == pixels:
            # Blanking a page is cheaper than allocating 9 MB, and keeps memory flat.
            self.image = reuse
            self.image.putpalette((255, 255, 255))
            self.image.paste(0, (0, 0, *pixels))
        else:
            # A palette image: flat colours only, so PNGs stay small and edges stay sharp.
            self.image = Image.new("P", pixels, (255, 255, 255))
        self.draw = ImageDraw.Draw(self.image)

    def px(self, millimetres: float) -> int:
        """Return ``millimetres`` in pixels."""
        return round(millimetres * self.dpi / 25.4)

    def page(self) -> None:
        """The page is blank already; one image holds one page."""

    def rect(self, x: float, y: float, w: float, h: float, colour: str) -> None:
        """Fill a rectangle."""
        box = (self.px(x), self.px(y), self.px(x + w) - 1, self.px(y + h) - 1)
        self.draw.rectangle(box, fill=ImageColor.getrgb(colour)[:3])

    def cells(self, grid: Grid, x: float, y: float, cell: float, colour: str) -> None:
        """Fill the dark cells of ``grid``, ``cell`` mm each."""
        for col, row, w, h in merged_cells(grid):
            self.rect(x + col * cell, y + row * cell, w * cell, h * cell, colour)

    def frame(
        self, x: float, y: float, w: float, h: float, colour: str, width: float, dash: float = 0
    ) -> None:
        """Stroke a rectangle's outline, dashed when ``dash`` is given (in mm)."""
        ink, line = ImageColor.getrgb(colour)[:3], max(1, self.px(width))
        left, top, right, bottom = self.px(x), self.px(y), self.px(x + w), self.px(y + h)
        if not dash:
            self.draw.rectangle((left, top, right, bottom), outline=ink, width=line)
            return
        step = max(2, self.px(dash))
        for a in range(left, right, 2 * step):
            for b in (top, bottom):
                self.draw.line((a, b, min(a + step, right), b), fill=ink, width=line)
        for b in range(top, bottom, 2 * step):
            for a in (left, right):
                self.draw.line((a, b, a, min(b + step, bottom)), fill=ink, width=line)

    def text(
        self,
        x: float,
        top: float,
        text: str,
        size: float,
        colour: str,
        bold: bool = True,
        align: str = "l",
    ) -> None:
        """Write one line whose line box starts at ``top``; ``align`` is l, c or r of ``x``."""
        anchor = {"l": "ls", "c": "ms", "r": "rs"}[align]
        mask, left, up = _text_mask(text, round(size * self.dpi / 72), bold, anchor)
        xy = (self.px(x) + left, self.px(top + size * PT * ASCENT) + up)
        self.draw.bitmap(xy, mask, fill=ImageColor.getrgb(colour)[:3])

    def png(self) -> bytes:
        """Return the page as PNG, with its resolution recorded."""
        buffer = BytesIO()
        # Level 1: three times faster than the default, for a file about twice as large
        # (still about 25 kB: the page is mostly flat white). A page has a handful of
        # inks: at 4 bits a pixel there is half as much to compress, a quarter faster.
        bits = 4 if len(self.image.getpalette() or ()) <= 16 * 3 else 8
        self.image.save(buffer, "PNG", dpi=(self.dpi, self.dpi), compress_level=1, bits=bits)
        return buffer.getvalue()
