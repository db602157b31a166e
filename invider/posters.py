"""Printable posters, sticker sheets and the organisers' placement sheet.

Pages are composed at 300 dpi as bilevel images, so QR modules and text keep sharp
edges and a page weighs about 20 kB; RGB pages would become blurred JPEGs twenty
times larger. Sprites print solid black for the same reason: colour is for screens.
"""

from __future__ import annotations

import csv
import ipaddress
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_M, ERROR_CORRECT_Q

from invider.exports import neutralise
from invider.pdf import DPI, png_bytes, write_pdf
from invider.sprites import HEIGHT as SPRITE_HEIGHT
from invider.sprites import WIDTH as SPRITE_WIDTH
from invider.sprites import sprite_grid

PAPERS = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
FONTS = Path(__file__).parent / "static" / "fonts"
BLACK, WHITE = 0, 255
KEY_RE = re.compile(r"[a-z0-9-]+")
CODE_RE = re.compile(r"[a-z0-9]+")
TEXTS = {
    "fr": {
        "cta": "Scannez-moi avec l'appareil photo de votre téléphone",
        # Non-breaking spaces keep French punctuation on the line of its word.
        "hint": "Pas de QR\u00a0? Tapez ce code sur la page d'accueil",
        "start": "Commencez ici",
        "how": (
            "Trouvez les Inviders cachés dans les bureaux.",
            "Scannez chaque affiche et répondez à sa question.",
            "Découvrez le message révélé et grimpez au classement\u00a0!",
        ),
        "placement": "Plan de pose",
        "columns": ("Posé", "N°", "Invider", "Clé / code", "Emplacement", "Thème"),
    },
    "en": {
        "cta": "Scan me with your phone camera",
        "hint": "No QR? Type this code on the home page",
        "start": "Start here",
        "how": (
            "Find the Inviders hidden around the office.",
            "Scan each poster and answer its question.",
            "Read the message it reveals and climb the leaderboard!",
        ),
        "placement": "Placement checklist",
        "columns": ("Done", "No.", "Invider", "Key / code", "Location", "Topic"),
    },
}


class PosterError(ValueError):
    """Input the organiser must fix, with a one-line message saying how."""


@dataclass(frozen=True)
class PosterItem:
    number: int
    key: str
    code: str
    location: str | None = None
    topic: str | None = None


@dataclass(frozen=True)
class PosterDeck:
    title: str
    language: str
    items: tuple[PosterItem, ...]


@dataclass(frozen=True)
class Printables:
    out_dir: Path
    posters_pdf: Path
    stickers_pdf: Path
    placement_pdf: Path
    placement_csv: Path
    start_here_pdf: Path
    start_here_png: Path
    pngs: tuple[Path, ...]
    poster_pages: int
    sticker_pages: int
    placement_pages: int


def check_public_url(url: str | None, *, allow_local: bool = False) -> str:
    """Return the base URL for QR codes, or raise PosterError if phones cannot use it."""
    if url is None or not url.strip():
        raise PosterError(
            "no public URL: pass --public-url or set INVIDER_PUBLIC_URL to the address"
            " phones will open, e.g. http://192.168.1.20:8000"
        )
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or any(c.isspace() for c in url):
        raise PosterError(f"public URL must be an http:// or https:// address, not {url!r}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise PosterError(f"public URL has an invalid port: {url!r}") from None
    if not host or "@" in parts.netloc or parts.query or parts.fragment:
        raise PosterError(f"public URL must be like http://192.168.1.20:8000, not {url!r}")
    if not allow_local and _is_local(host):
        raise PosterError(
            f"phones cannot reach {host}; use the laptop's LAN address or pass --allow-local"
        )
    scheme = parts.scheme.lower()
    netloc = f"[{host}]" if ":" in host else host
    # A default port only makes the QR code denser.
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        netloc += f":{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def _is_local(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_unspecified


def poster_url(public_url: str, code: str) -> str:
    """Return the URL that a poster's QR code opens."""
    return f"{public_url.rstrip('/')}/i/{code}"


def format_code(code: str) -> str:
    """Group a code in fours for typing, the last group taking up to five characters."""
    groups = [code[i : i + 4] for i in range(0, len(code), 4)]
    if len(groups) > 1 and len(groups[-1]) == 1:
        groups[-2:] = [groups[-2] + groups[-1]]
    return "-".join(groups)


def _px(millimetres: float) -> int:
    return round(millimetres * DPI / 25.4)


@lru_cache(maxsize=64)
def _font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    # Shipped in the package, so posters look the same on every organiser's laptop.
    name = "Inter-Bold.otf" if bold else "Inter-Regular.otf"
    return ImageFont.truetype(str(FONTS / name), size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split(" "):
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _ellipsize(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


@lru_cache(maxsize=512)
def _fit(
    text: str, width: int, size: int, min_size: int, lines: int = 1, bold: bool = True
) -> tuple[ImageFont.FreeTypeFont, tuple[str, ...]]:
    """Shrink, then wrap ``text`` into ``lines`` lines of ``width``; cut the rest with '…'."""
    while True:
        font = _font(size, bold)
        wrapped = _wrap(text, font, width)
        fits = len(wrapped) <= lines and all(font.getlength(w) <= width for w in wrapped)
        if fits or size <= min_size:
            break
        size = max(min_size, size * 9 // 10)
    if len(wrapped) > lines:
        wrapped[lines - 1 :] = [" ".join(wrapped[lines - 1 :])]
    return font, tuple(_ellipsize(w, font, width) for w in wrapped)


def _text(draw: ImageDraw.ImageDraw, xy: tuple[int, int], lines: Iterable[str],
          font: ImageFont.FreeTypeFont, anchor: str = "ma") -> int:
    """Draw lines downwards from ``xy`` and return the y just below them."""
    x, y = xy
    for line in lines:
        draw.text((x, y), line, font=font, fill=BLACK, anchor=anchor)
        y += round(font.size * 1.2)
    return y


@lru_cache(maxsize=256)
def _qr_image(data: str) -> Image.Image:
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


def _draw_qr(page: Image.Image, data: str, centre_x: int, top: int, height: int,
             largest: int) -> None:
    """Centre a QR code and its 4-module quiet zone in ``height`` pixels below ``top``."""
    small = _qr_image(data)
    count = small.width
    # Whole pixels per module, so that every module prints at the same width.
    module = min(height // (count + 8), largest // count)
    code = small.resize((count * module, count * module), Image.Resampling.NEAREST)
    page.paste(code, (centre_x - code.width // 2, top + (height - code.height) // 2))


def _draw_sprite(draw: ImageDraw.ImageDraw, key: str, x: int, y: int, cell: int) -> None:
    for row, cells in enumerate(sprite_grid(key)):
        for col, filled in enumerate(cells):
            if filled:
                left, top = x + col * cell, y + row * cell
                draw.rectangle((left, top, left + cell - 1, top + cell - 1), fill=BLACK)


def _page(paper: str) -> Image.Image:
    if paper not in PAPERS:
        raise PosterError(f"unknown paper {paper!r}: use one of {', '.join(PAPERS)}")
    width, height = PAPERS[paper]
    return Image.new("1", (_px(width), _px(height)), WHITE)


def _label(deck: PosterDeck, item: PosterItem) -> str:
    width = len(str(max([len(deck.items), *(i.number for i in deck.items)])))
    return f"#{item.number:0{width}d} / {len(deck.items)}"


@lru_cache(maxsize=4)
def _poster_template(
    title: str, language: str, base: str, paper: str
) -> tuple[Image.Image, int, int]:
    """Draw the text all posters of a deck share; return it, the sprite's and code's tops."""
    texts = TEXTS[language]
    page = _page(paper)
    draw = ImageDraw.Draw(page)
    margin = _px(12)
    width, cx = page.width - 2 * margin, page.width // 2
    font, lines = _fit(title, width, 130, 64, lines=2)
    y = _text(draw, (cx, margin), lines, font) + _px(6)
    right = margin + _px(14) + SPRITE_WIDTH * _px(5)
    font, lines = _fit(texts["cta"], page.width - margin - right, 80, 56, lines=3)
    _text(draw, (right, y + _px(17)), lines, font, anchor="la")
    small = _font(56, bold=False)
    bottom = page.height - margin - round(small.size * 1.2)
    draw.text((cx, bottom), base.split("://", 1)[1], font=small, fill=BLACK, anchor="ma")
    font, lines = _fit(texts["hint"], width, 56, 40, bold=False)
    bottom -= round(font.size * 1.2)
    _text(draw, (cx, bottom), lines, font)
    return page, y, bottom - _px(13)


def _poster(deck: PosterDeck, item: PosterItem, base: str, paper: str) -> Image.Image:
    template, y, bottom = _poster_template(deck.title, deck.language, base, paper)
    page = template.copy()
    draw = ImageDraw.Draw(page)
    margin, cell, cx = _px(12), _px(5), page.width // 2
    # The sprite on the left; its number (and the call to action) beside it.
    _draw_sprite(draw, item.key, margin + _px(4), y, cell)
    right = margin + _px(14) + SPRITE_WIDTH * cell
    _text(draw, (right, y - _px(1)), [_label(deck, item)], _font(150), anchor="la")
    y += SPRITE_HEIGHT * cell
    # The code above the hint; the QR code takes the space between, up to 14 cm wide.
    draw.text((cx, bottom), format_code(item.code), font=_font(130), fill=BLACK, anchor="ma")
    _draw_qr(page, poster_url(base, item.code), cx, y, bottom - y, _px(140))
    return page


def _dashed_box(draw: ImageDraw.ImageDraw, left: int, top: int, right: int,
                bottom: int) -> None:
    for x in range(left, right, 40):
        for y in (top, bottom):
            draw.line((x, y, min(x + 20, right), y), fill=BLACK, width=2)
    for y in range(top, bottom, 40):
        for x in (left, right):
            draw.line((x, y, x, min(y + 20, bottom)), fill=BLACK, width=2)


def _stickers(deck: PosterDeck, items: Iterable[PosterItem], base: str,
              paper: str) -> Image.Image:
    """Lay out up to six small posters, 2 by 3, with dashed cutting lines."""
    page = _page(paper)
    draw = ImageDraw.Draw(page)
    margin, pad, cell = _px(11), _px(4), _px(1.1)
    width = (page.width - 2 * margin) // 2
    height = (page.height - 2 * margin) // 3
    code_font = _font(60)
    for index, item in enumerate(items):
        left = margin + (index % 2) * width
        top = margin + (index // 2) * height
        _dashed_box(draw, left, top, left + width, top + height)
        _draw_sprite(draw, item.key, left + pad, top + pad, cell)
        draw.text((left + pad + (SPRITE_WIDTH + 2) * cell, top + pad), _label(deck, item),
                  font=_font(72), fill=BLACK)
        head = top + pad + SPRITE_HEIGHT * cell
        code_top = top + height - pad - round(code_font.size * 1.2)
        draw.text((left + width // 2, code_top), format_code(item.code), font=code_font,
                  fill=BLACK, anchor="ma")
        _draw_qr(page, poster_url(base, item.code), left + width // 2, head,
                 code_top - head, width)
    return page


def _start_here(deck: PosterDeck, base: str, paper: str) -> Image.Image:
    texts = TEXTS[deck.language]
    page = _page(paper)
    draw = ImageDraw.Draw(page)
    margin = _px(15)
    width, cx = page.width - 2 * margin, page.width // 2
    font, lines = _fit(deck.title, width, 150, 64, lines=3)
    y = _text(draw, (cx, margin), lines, font) + _px(4)
    y = _text(draw, (cx, y), [texts["start"]], _font(110, bold=False)) + _px(8)
    cell, gap = _px(3), _px(12)
    keys = [item.key for item in deck.items[:3]]
    x = cx - (len(keys) * (SPRITE_WIDTH * cell + gap) - gap) // 2
    for key in keys:
        _draw_sprite(draw, key, x, y, cell)
        x += SPRITE_WIDTH * cell + gap
    y += SPRITE_HEIGHT * cell + _px(10)
    # One size for the three steps, the largest at which each fits on a line, and the
    # block centred as a whole so that the numbers stay aligned.
    steps = [f"{number}. {line}" for number, line in enumerate(texts["how"], 1)]
    font = _font(min(_fit(step, width, 80, 48, bold=False)[0].size for step in steps), False)
    lines = [line for step in steps for line in _wrap(step, font, width)]
    y = _text(draw, (cx - int(max(map(font.getlength, lines))) // 2, y), lines, font, "la")
    url_font = _font(90)
    bottom = page.height - margin - round(url_font.size * 1.2)
    draw.text((cx, bottom), base.split("://", 1)[1], font=url_font, fill=BLACK, anchor="ma")
    _draw_qr(page, f"{base}/", cx, y, bottom - y, _px(120))
    return page


def _placement(deck: PosterDeck, paper: str) -> Iterator[Image.Image]:
    """Yield the organisers' checklist: a row per poster, with a box to tick once it is up."""
    texts = TEXTS[deck.language]
    margin, row_h, box = _px(12), _px(15), _px(7)
    widths = [_px(w) for w in (16, 16, 20, 50, 58, 26)]
    bold, small = _font(44), _font(34, bold=False)
    per_page = (_page(paper).height - 2 * margin - _px(32)) // row_h
    chunks = [deck.items[i : i + per_page] for i in range(0, len(deck.items), per_page)]
    for page_no, chunk in enumerate(chunks, 1):
        page = _page(paper)
        draw = ImageDraw.Draw(page)
        heading = f"{texts['placement']} — {deck.title}"
        font, lines = _fit(heading, page.width - 2 * margin, 64, 40)
        _text(draw, (margin, margin), lines, font, anchor="la")
        draw.text((page.width - margin, page.height - margin), f"{page_no} / {len(chunks)}",
                  font=small, fill=BLACK, anchor="rd")
        y, x = margin + _px(14), margin
        for title, w in zip(texts["columns"], widths, strict=True):
            draw.text((x, y), title, font=bold, fill=BLACK)
            x += w
        y += _px(8)
        for item in chunk:
            draw.line((margin, y, page.width - margin, y), fill=BLACK, width=3)
            mid, x = y + row_h // 2, margin + widths[0]
            draw.rectangle((margin, mid - box // 2, margin + box, mid + box // 2),
                           outline=BLACK, width=5)
            draw.text((x, mid), _label(deck, item).split(" /")[0], font=bold, fill=BLACK,
                      anchor="lm")
            x += widths[1]
            _draw_sprite(draw, item.key, x, mid - SPRITE_HEIGHT * 7, 14)
            x += widths[2]
            draw.text((x, mid - _px(0.5)), _ellipsize(item.key, bold, widths[3] - 30),
                      font=bold, fill=BLACK, anchor="ld")
            draw.text((x, mid + _px(1)), format_code(item.code), font=small, fill=BLACK)
            x += widths[3]
            for value, w in ((item.location, widths[4]), (item.topic, widths[5])):
                font, lines = _fit(value or "", w - 30, 40, 32, lines=2, bold=False)
                top = mid - len(lines) * round(font.size * 1.2) // 2
                _text(draw, (x, top), lines, font, anchor="la")
                x += w
            y += row_h
        draw.line((margin, y, page.width - margin, y), fill=BLACK, width=3)
        yield page


def _check(deck: PosterDeck, paper: str) -> None:
    if deck.language not in TEXTS:
        raise PosterError(f"unknown poster language {deck.language!r}: use 'fr' or 'en'")
    _page(paper)
    if not deck.items:
        raise PosterError("the deck has no inviders: nothing to print")
    for item in deck.items:
        if not KEY_RE.fullmatch(item.key):
            raise PosterError(f"invider key {item.key!r} may only use a-z, 0-9 and '-'")
        if not CODE_RE.fullmatch(item.code):
            raise PosterError(f"poster code {item.code!r} of {item.key!r} is not valid")


def render_poster_png(
    deck: PosterDeck, item: PosterItem, public_url: str, *, paper: str = "a4"
) -> bytes:
    """Return one poster as a black and white PNG at 300 dpi."""
    _check(deck, paper)
    return png_bytes(_poster(deck, item, check_public_url(public_url, allow_local=True), paper))


def render_printables(
    deck: PosterDeck, out_dir: Path, public_url: str, *, paper: str = "a4"
) -> Printables:
    """Write posters, stickers, placement sheet and start-here poster into ``out_dir``.

    ``public_url`` is only normalised here: refusing local addresses is the caller's
    decision, taken with :func:`check_public_url`.
    """
    _check(deck, paper)
    base = check_public_url(public_url, allow_local=True)
    out = Path(out_dir)
    (out / "png").mkdir(parents=True, exist_ok=True)
    # Posters of inviders since removed from the deck must not be printed by mistake.
    for stale in (out / "png").glob("*.png"):
        stale.unlink()
    width = len(str(max([len(deck.items), *(item.number for item in deck.items)])))
    pngs = tuple(out / "png" / f"{i.number:0{width}d}-{i.key}.png" for i in deck.items)
    six = [deck.items[i : i + 6] for i in range(0, len(deck.items), 6)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        write_pdf(out / "start-here.pdf", [(_start_here(deck, base, paper),
                                              out / "start-here.png")], deck.title, pool)
        posters = (
            (_poster(deck, i, base, paper), p) for i, p in zip(deck.items, pngs, strict=True)
        )
        poster_pages = write_pdf(out / "posters.pdf", posters, deck.title, pool)
        stickers = ((_stickers(deck, items, base, paper), None) for items in six)
        sticker_pages = write_pdf(out / "stickers.pdf", stickers, deck.title, pool)
        placement = ((page, None) for page in _placement(deck, paper))
        placement_pages = write_pdf(out / "placement.pdf", placement, deck.title, pool)
    with open(out / "placement.csv", "w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["number", "key", "code", "location", "topic", "url"])
        for item in deck.items:
            writer.writerow([item.number, neutralise(item.key), item.code,
                             neutralise(item.location), neutralise(item.topic),
                             poster_url(base, item.code)])
    return Printables(
        out_dir=out, posters_pdf=out / "posters.pdf", stickers_pdf=out / "stickers.pdf",
        placement_pdf=out / "placement.pdf", placement_csv=out / "placement.csv",
        start_here_pdf=out / "start-here.pdf", start_here_png=out / "start-here.png",
        pngs=pngs, poster_pages=poster_pages, sticker_pages=sticker_pages,
        placement_pages=placement_pages,
    )
