"""Drawing on bilevel 300 dpi pages: millimetres, fitted text, QR codes and sprites."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_M, ERROR_CORRECT_Q

from invider.pdf import DPI
from invider.sprites import sprite_grid

FONTS = Path(__file__).parent / "static" / "fonts"
BLACK, WHITE = 0, 255


def px(millimetres: float) -> int:
    """Return ``millimetres`` in pixels at the print resolution."""
    return round(millimetres * DPI / 25.4)


@lru_cache(maxsize=64)
def load_font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    # Shipped in the package, so posters look the same on every organiser's laptop.
    name = "Inter-Bold.otf" if bold else "Inter-Regular.otf"
    return ImageFont.truetype(str(FONTS / name), size)


def wrap_words(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` where words allow."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def ellipsize(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """Cut ``text`` with '…' so that it fits ``width``."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


@lru_cache(maxsize=512)
def fit_text(
    text: str, width: int, size: int, min_size: int, lines: int = 1, bold: bool = True
) -> tuple[ImageFont.FreeTypeFont, tuple[str, ...]]:
    """Shrink, then wrap ``text`` into ``lines`` lines of ``width``; cut the rest with '…'."""
    while True:
        font = load_font(size, bold)
        wrapped = wrap_words(text, font, width)
        fits = len(wrapped) <= lines and all(font.getlength(w) <= width for w in wrapped)
        if fits or size <= min_size:
            break
        size = max(min_size, size * 9 // 10)
    if len(wrapped) > lines:
        wrapped[lines - 1 :] = [" ".join(wrapped[lines - 1 :])]
    return font, tuple(ellipsize(w, font, width) for w in wrapped)


def draw_lines(draw: ImageDraw.ImageDraw, xy: tuple[int, int], lines: Iterable[str],
          font: ImageFont.FreeTypeFont, anchor: str = "ma") -> int:
    """Draw lines downwards from ``xy`` and return the y just below them."""
    x, y = xy
    for line in lines:
        draw.text((x, y), line, font=font, fill=BLACK, anchor=anchor)
        y += round(font.size * 1.2)
    return y


@lru_cache(maxsize=256)
def qr_image(data: str) -> Image.Image:
    """Return the QR code of ``data``, one pixel a module, without quiet zone.

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
    matrix = qr.get_matrix()
    image = Image.new("1", (len(matrix), len(matrix)), WHITE)
    image.putdata([BLACK if dark else WHITE for row in matrix for dark in row])
    return image


def draw_qr(page: Image.Image, data: str, centre_x: int, top: int, height: int,
             largest: int) -> None:
    """Centre a QR code and its 4-module quiet zone in ``height`` pixels below ``top``."""
    small = qr_image(data)
    count = small.width
    # Whole pixels per module, so that every module prints at the same width.
    module = min(height // (count + 8), largest // count)
    code = small.resize((count * module, count * module), Image.Resampling.NEAREST)
    page.paste(code, (centre_x - code.width // 2, top + (height - code.height) // 2))


def draw_sprite(draw: ImageDraw.ImageDraw, key: str, x: int, y: int, cell: int) -> None:
    """Draw the invader of ``key`` in black, ``cell`` pixels a sprite pixel."""
    for row, cells in enumerate(sprite_grid(key)):
        for col, filled in enumerate(cells):
            if filled:
                left, top = x + col * cell, y + row * cell
                draw.rectangle((left, top, left + cell - 1, top + cell - 1), fill=BLACK)


def dashed_box(draw: ImageDraw.ImageDraw, left: int, top: int, right: int,
               bottom: int) -> None:
    """Draw a dashed rectangle: the cutting line around a sticker."""
    for x in range(left, right, 40):
        for y in (top, bottom):
            draw.line((x, y, min(x + 20, right), y), fill=BLACK, width=2)
    for y in range(top, bottom, 40):
        for x in (left, right):
            draw.line((x, y, x, min(y + 20, bottom)), fill=BLACK, width=2)
