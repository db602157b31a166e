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

from PIL import Image, ImageDraw

from invider.drawing import (
    BLACK,
    WHITE,
    dashed_box,
    draw_lines,
    draw_qr,
    draw_sprite,
    ellipsize,
    fit_text,
    load_font,
    px,
    wrap_words,
)
from invider.exports import neutralise
from invider.pdf import png_bytes, write_pdf
from invider.sprites import HEIGHT as SPRITE_HEIGHT
from invider.sprites import WIDTH as SPRITE_WIDTH

PAPERS = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
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


def _page(paper: str) -> Image.Image:
    if paper not in PAPERS:
        raise PosterError(f"unknown paper {paper!r}: use one of {', '.join(PAPERS)}")
    width, height = PAPERS[paper]
    return Image.new("1", (px(width), px(height)), WHITE)


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
    margin = px(12)
    width, cx = page.width - 2 * margin, page.width // 2
    font, lines = fit_text(title, width, 130, 64, lines=2)
    y = draw_lines(draw, (cx, margin), lines, font) + px(6)
    right = margin + px(14) + SPRITE_WIDTH * px(5)
    font, lines = fit_text(texts["cta"], page.width - margin - right, 80, 56, lines=3)
    draw_lines(draw, (right, y + px(17)), lines, font, anchor="la")
    small = load_font(56, bold=False)
    bottom = page.height - margin - round(small.size * 1.2)
    draw.text((cx, bottom), base.split("://", 1)[1], font=small, fill=BLACK, anchor="ma")
    font, lines = fit_text(texts["hint"], width, 56, 40, bold=False)
    bottom -= round(font.size * 1.2)
    draw_lines(draw, (cx, bottom), lines, font)
    return page, y, bottom - px(13)


def _poster(deck: PosterDeck, item: PosterItem, base: str, paper: str) -> Image.Image:
    template, y, bottom = _poster_template(deck.title, deck.language, base, paper)
    page = template.copy()
    draw = ImageDraw.Draw(page)
    margin, cell, cx = px(12), px(5), page.width // 2
    # The sprite on the left; its number (and the call to action) beside it.
    draw_sprite(draw, item.key, margin + px(4), y, cell)
    right = margin + px(14) + SPRITE_WIDTH * cell
    draw_lines(draw, (right, y - px(1)), [_label(deck, item)], load_font(150), anchor="la")
    y += SPRITE_HEIGHT * cell
    # The code above the hint; the QR code takes the space between, up to 14 cm wide.
    draw.text((cx, bottom), format_code(item.code), font=load_font(130), fill=BLACK, anchor="ma")
    draw_qr(page, poster_url(base, item.code), cx, y, bottom - y, px(140))
    return page


def _stickers(deck: PosterDeck, items: Iterable[PosterItem], base: str,
              paper: str) -> Image.Image:
    """Lay out up to six small posters, 2 by 3, with dashed cutting lines."""
    page = _page(paper)
    draw = ImageDraw.Draw(page)
    margin, pad, cell = px(11), px(4), px(1.1)
    width = (page.width - 2 * margin) // 2
    height = (page.height - 2 * margin) // 3
    code_font = load_font(60)
    for index, item in enumerate(items):
        left = margin + (index % 2) * width
        top = margin + (index // 2) * height
        dashed_box(draw, left, top, left + width, top + height)
        draw_sprite(draw, item.key, left + pad, top + pad, cell)
        draw.text((left + pad + (SPRITE_WIDTH + 2) * cell, top + pad), _label(deck, item),
                  font=load_font(72), fill=BLACK)
        head = top + pad + SPRITE_HEIGHT * cell
        code_top = top + height - pad - round(code_font.size * 1.2)
        draw.text((left + width // 2, code_top), format_code(item.code), font=code_font,
                  fill=BLACK, anchor="ma")
        draw_qr(page, poster_url(base, item.code), left + width // 2, head,
                 code_top - head, width)
    return page


def _start_here(deck: PosterDeck, base: str, paper: str) -> Image.Image:
    texts = TEXTS[deck.language]
    page = _page(paper)
    draw = ImageDraw.Draw(page)
    margin = px(15)
    width, cx = page.width - 2 * margin, page.width // 2
    font, lines = fit_text(deck.title, width, 150, 64, lines=3)
    y = draw_lines(draw, (cx, margin), lines, font) + px(4)
    y = draw_lines(draw, (cx, y), [texts["start"]], load_font(110, bold=False)) + px(8)
    cell, gap = px(3), px(12)
    keys = [item.key for item in deck.items[:3]]
    x = cx - (len(keys) * (SPRITE_WIDTH * cell + gap) - gap) // 2
    for key in keys:
        draw_sprite(draw, key, x, y, cell)
        x += SPRITE_WIDTH * cell + gap
    y += SPRITE_HEIGHT * cell + px(10)
    # One size for the three steps, the largest at which each fits on a line, and the
    # block centred as a whole so that the numbers stay aligned.
    steps = [f"{number}. {line}" for number, line in enumerate(texts["how"], 1)]
    size = min(fit_text(step, width, 80, 48, bold=False)[0].size for step in steps)
    font = load_font(size, False)
    lines = [line for step in steps for line in wrap_words(step, font, width)]
    y = draw_lines(draw, (cx - int(max(map(font.getlength, lines))) // 2, y), lines, font, "la")
    url_font = load_font(90)
    bottom = page.height - margin - round(url_font.size * 1.2)
    draw.text((cx, bottom), base.split("://", 1)[1], font=url_font, fill=BLACK, anchor="ma")
    draw_qr(page, f"{base}/", cx, y, bottom - y, px(120))
    return page


def _placement(deck: PosterDeck, paper: str) -> Iterator[Image.Image]:
    """Yield the organisers' checklist: a row per poster, with a box to tick once it is up."""
    texts = TEXTS[deck.language]
    margin, row_h, box = px(12), px(15), px(7)
    widths = [px(w) for w in (16, 16, 20, 50, 58, 26)]
    bold, small = load_font(44), load_font(34, bold=False)
    per_page = (_page(paper).height - 2 * margin - px(32)) // row_h
    chunks = [deck.items[i : i + per_page] for i in range(0, len(deck.items), per_page)]
    for page_no, chunk in enumerate(chunks, 1):
        page = _page(paper)
        draw = ImageDraw.Draw(page)
        heading = f"{texts['placement']} — {deck.title}"
        font, lines = fit_text(heading, page.width - 2 * margin, 64, 40)
        draw_lines(draw, (margin, margin), lines, font, anchor="la")
        draw.text((page.width - margin, page.height - margin), f"{page_no} / {len(chunks)}",
                  font=small, fill=BLACK, anchor="rd")
        y, x = margin + px(14), margin
        for title, w in zip(texts["columns"], widths, strict=True):
            draw.text((x, y), title, font=bold, fill=BLACK)
            x += w
        y += px(8)
        for item in chunk:
            draw.line((margin, y, page.width - margin, y), fill=BLACK, width=3)
            mid, x = y + row_h // 2, margin + widths[0]
            draw.rectangle((margin, mid - box // 2, margin + box, mid + box // 2),
                           outline=BLACK, width=5)
            draw.text((x, mid), _label(deck, item).split(" /")[0], font=bold, fill=BLACK,
                      anchor="lm")
            x += widths[1]
            draw_sprite(draw, item.key, x, mid - SPRITE_HEIGHT * 7, 14)
            x += widths[2]
            draw.text((x, mid - px(0.5)), ellipsize(item.key, bold, widths[3] - 30),
                      font=bold, fill=BLACK, anchor="ld")
            draw.text((x, mid + px(1)), format_code(item.code), font=small, fill=BLACK)
            x += widths[3]
            for value, w in ((item.location, widths[4]), (item.topic, widths[5])):
                font, lines = fit_text(value or "", w - 30, 40, 32, lines=2, bold=False)
                top = mid - len(lines) * round(font.size * 1.2) // 2
                draw_lines(draw, (x, top), lines, font, anchor="la")
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
