"""Printable posters, sticker sheets, the start poster and the organisers' placement sheet.

Every sheet is a vector PDF drawn with fpdf2: QR modules and sprite pixels are filled
rectangles and the text is Inter, embedded and subset, so pages stay sharp at any size
and 100 posters weigh well under 2 MB. Each poster is also written as a PNG from the same
layout, to reprint a torn one.
"""

from __future__ import annotations

import hashlib
import ipaddress
import multiprocessing
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from babel.dates import format_datetime
from PIL import Image

from invider.decks.cells import write_csv
from invider.printing import sheets
from invider.printing.drawing import Grid, ImageCanvas, PdfCanvas, qr_matrix
from invider.printing.sheets import MONO, Inks, Sheet, format_code

LAYOUT = 3  # changes when the sheets change, so that files rendered before are redrawn
STAMP = ".rendered-for"
# Posters a process draws as PNGs at a time when two share the work (see _render_all).
PNG_BATCH = 4
PAPERS = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
KEY_RE = re.compile(r"[a-z0-9-]+")
CODE_RE = re.compile(r"[a-z0-9]+")
TEXTS = {
    "fr": {
        # Non-breaking spaces keep French punctuation on the line of its word.
        "scan": "Scannez-moi\u00a0!",
        "camera": "avec l'appareil photo de votre téléphone",
        "hint": "Pas de QR\u00a0? Tapez ce code sur la page d'accueil de",
        "start": "Commencez ici",
        "how": (
            "Trouvez les Inviders cachés dans les bureaux.",
            "Scannez chaque affiche et répondez à sa question.",
            "Découvrez le message révélé et grimpez au classement\u00a0!",
        ),
        "echo": "Une semaine après, l'écho\u00a0: quelques questions pour voir ce qui est resté.",
        "echo_when": "Ouvert dès le {when}, sur le même téléphone\u00a0: scannez ce code.",
        "echo_rounds": "Ouvert les {dates}, sur le même téléphone\u00a0: scannez ce code.",
        "and": "et",
        "placement": "Plan de pose",
        "columns": ("Posé", "N°", "Invider", "Clé / code", "Emplacement", "Thème"),
    },
    "en": {
        "scan": "Scan\u00a0me!",
        "camera": "with your phone's camera",
        "hint": "No QR? Type this code on the home page of",
        "start": "Start here",
        "how": (
            "Find the Inviders hidden around the office.",
            "Scan each poster and answer its question.",
            "Read the message it reveals and climb the leaderboard!",
        ),
        "echo": "A week later, the echo: a few questions to see what stayed.",
        "echo_when": "Open from {when}, on the same phone: scan this code.",
        "echo_rounds": "Open on {dates}, on the same phone: scan this code.",
        "and": "and",
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
    # When the echo opens, in the office's time zone: the start poster announces it.
    echo_opens: datetime | None = None
    # When each echo round opens, when a deck schedules more than one (same zone).
    echo_rounds: tuple[datetime, ...] = ()


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


def printables_stamp(
    deck: PosterDeck, public_url: str, *, paper: str = "a4", mono: bool = False
) -> str:
    """Return a digest of what a folder of printables is rendered from.

    :func:`render_printables` writes it into ``.rendered-for``, so the control room knows
    whether the files in the folder, from the command line or its own, are still current.
    """
    base = check_public_url(public_url, allow_local=True)
    return hashlib.sha256(repr((LAYOUT, deck, base, paper, mono)).encode()).hexdigest()


def echo_sentence(deck: PosterDeck) -> str | None:
    """Return the start poster's line saying when the echo opens, in the deck's language."""
    if len(deck.echo_rounds) > 1:
        # Several rounds: their days, the time of day being the close's every time.
        days = [
            format_datetime(d, "d MMMM y", tzinfo=d.tzinfo, locale=deck.language)
            for d in deck.echo_rounds
        ]
        texts = TEXTS[deck.language]
        dates = f"{', '.join(days[:-1])} {texts['and']} {days[-1]}"
        return texts["echo_rounds"].format(dates=dates)
    if deck.echo_opens is None:
        return None
    pattern = "d MMMM y 'à' H' h 'mm" if deck.language == "fr" else "d MMMM y, h:mm a"
    when = format_datetime(
        deck.echo_opens, pattern, tzinfo=deck.echo_opens.tzinfo, locale=deck.language
    )
    return TEXTS[deck.language]["echo_when"].format(when=when)


def _sheet(deck: PosterDeck, base: str, paper: str, inks: Inks) -> Sheet:
    total = max([len(deck.items), *(item.number for item in deck.items)])
    texts = TEXTS[deck.language]
    return Sheet(deck.title, texts, PAPERS[paper], base, inks, total, echo=echo_sentence(deck))


def _draw_poster(canvas, sheet: Sheet, item: PosterItem) -> None:
    url = poster_url(sheet.base, item.code)
    sheets.poster(canvas, sheet, item.number, item.key, url, format_code(item.code))


def _check(deck: PosterDeck, paper: str) -> None:
    if deck.language not in TEXTS:
        raise PosterError(f"unknown poster language {deck.language!r}: use 'fr' or 'en'")
    if paper not in PAPERS:
        raise PosterError(f"unknown paper {paper!r}: use one of {', '.join(PAPERS)}")
    if not deck.items:
        raise PosterError("the deck has no inviders: nothing to print")
    for item in deck.items:
        if not KEY_RE.fullmatch(item.key):
            raise PosterError(f"invider key {item.key!r} may only use a-z, 0-9 and '-'")
        if not CODE_RE.fullmatch(item.code):
            raise PosterError(f"poster code {item.code!r} of {item.key!r} is not valid")


def _write_posters(sheet: Sheet, items: Sequence[PosterItem], path: Path) -> int:
    """Write posters.pdf, one poster a page."""
    posters = PdfCanvas(sheet.size, sheet.title)
    for item in items:
        _draw_poster(posters, sheet, item)
    posters.save(path)
    return posters.pages


def _write_pngs(
    sheet: Sheet,
    items: Sequence[PosterItem],
    pngs: Sequence[Path],
    claim: Callable[[int], bool] | None = None,
) -> int:
    """Write each poster's PNG, drawn by the same layout as posters.pdf.

    With ``claim``, each batch of ``PNG_BATCH`` posters is drawn only if ``claim(index of
    its first poster)`` is true; the first refusal ends the drawing.
    """
    # PNG encoding releases the GIL: the next poster is drawn while one is encoded, and
    # memory holds two page images, not the deck.
    pages: list[Image.Image | None] = [None, None]
    written = 0
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: Future[int] | None = None
        for index, (item, png) in enumerate(zip(items, pngs, strict=True)):
            if claim is not None and index % PNG_BATCH == 0 and not claim(index):
                break
            image = ImageCanvas(sheet.size, reuse=pages[index % 2])
            pages[index % 2] = image.image
            _draw_poster(image, sheet, item)
            if pending is not None:
                pending.result()
            pending = pool.submit(_write_png, image, png)
            written += 1
        if pending is not None:
            pending.result()
    return written


def _write_png(canvas: ImageCanvas, path: Path) -> int:
    return path.write_bytes(canvas.png())


def _write_stickers(sheet: Sheet, items: Sequence[PosterItem], path: Path) -> int:
    stickers = PdfCanvas(sheet.size, sheet.title)
    for start in range(0, len(items), 6):
        rows = [
            (i.number, i.key, poster_url(sheet.base, i.code), format_code(i.code))
            for i in items[start : start + 6]
        ]
        sheets.sticker_sheet(stickers, sheet, rows)
    stickers.save(path)
    return stickers.pages


def _write_sheets(sheet: Sheet, items: Sequence[PosterItem], out: Path) -> tuple[int, int, int]:
    """Write every PDF and the placement CSV; return the poster, sticker and placement pages."""
    poster_pages = _write_posters(sheet, items, out / "posters.pdf")
    sticker_pages = _write_stickers(sheet, items, out / "stickers.pdf")
    _write_start_here(sheet, [item.key for item in items[:3]], out)
    placement_pages = _write_placement(sheet, items, out / "placement.pdf")
    _write_csv(sheet, items, out / "placement.csv")
    return poster_pages, sticker_pages, placement_pages


def _render_all(
    sheet: Sheet,
    items: Sequence[PosterItem],
    out: Path,
    pngs: Sequence[Path],
    helper: ProcessPoolExecutor | None,
) -> tuple[int, int, int]:
    """Write the PDFs and the PNGs, sharing the work with ``helper`` when there is one."""
    if helper is None:
        counts = _write_sheets(sheet, items, out)
        _write_pngs(sheet, items, pngs)
        return counts
    # The QR codes are a third of the work and both drawings need them: each process
    # computes half and hands it to the other, in the sheet.
    urls = [poster_url(sheet.base, item.code) for item in items]
    half = len(urls) // 2
    theirs = helper.submit(qr_codes, urls[half:])
    sheet.qr_codes.update(qr_codes(urls[:half]))
    sheet.qr_codes.update(theirs.result())
    # The helper writes the PDFs, then draws PNGs from the last poster backwards, while
    # this process draws them from the first. A batch this process takes is cancelled
    # there, which succeeds only while the helper has not yet picked it up: where a
    # cancel fails the two have met, and every batch is drawn once.
    sheets_written = helper.submit(_write_sheets, sheet, items, out)
    batches = [slice(start, start + PNG_BATCH) for start in range(0, len(items), PNG_BATCH)]
    queued = {}
    for batch in reversed(batches):
        # Each batch carries only its own QR codes: the whole deck's would be pickled again.
        own = replace(sheet, qr_codes={url: sheet.qr_codes[url] for url in urls[batch]})
        queued[batch.start] = helper.submit(_write_pngs, own, items[batch], pngs[batch])
    _write_pngs(sheet, items, pngs, claim=lambda index: queued[index].cancel())
    for future in queued.values():
        if not future.cancelled():
            future.result()
    return sheets_written.result()


def _write_start_here(sheet: Sheet, keys: list[str], out: Path) -> None:
    pdf, image = PdfCanvas(sheet.size, sheet.title), ImageCanvas(sheet.size)
    for canvas in (pdf, image):
        sheets.start_here(canvas, sheet, keys)
    pdf.save(out / "start-here.pdf")
    (out / "start-here.png").write_bytes(image.png())


def _write_placement(sheet: Sheet, items: Sequence[PosterItem], path: Path) -> int:
    placement = PdfCanvas(sheet.size, sheet.title)
    per_page = sheets.placement_rows_per_page(sheet.size)
    chunks = [items[i : i + per_page] for i in range(0, len(items), per_page)]
    for page_no, chunk in enumerate(chunks, 1):
        sheets.placement_page(placement, sheet, chunk, page_no, len(chunks))
    placement.save(path)
    return placement.pages


def _write_csv(sheet: Sheet, items: Sequence[PosterItem], path: Path) -> None:
    columns = ["number", "key", "code", "location", "topic", "url"]
    rows = [
        [
            item.number,
            item.key,
            item.code,
            item.location,
            item.topic,
            poster_url(sheet.base, item.code),
        ]
        for item in items
    ]
    # The exports' writer: a BOM for Excel, and no cell a spreadsheet would run as a formula.
    path.write_text(write_csv(rows, columns), encoding="utf-8", newline="")


def qr_codes(urls: Sequence[str]) -> dict[str, Grid]:
    """Return the QR code of each of ``urls``, by address."""
    return {url: qr_matrix(url) for url in urls}


def _load_pdf_library() -> None:
    import fpdf  # noqa: F401  (a quarter of a second: fpdf2 loads fontTools and cryptography)


@contextmanager
def drawing_process(processes: int) -> Iterator[ProcessPoolExecutor | None]:
    """Yield a second process to draw in when ``processes`` allows it and fork exists, else None.

    The process is forked at once and loads the PDF library, while this one goes on
    (the command line opens it before the app and its database layers are loaded): the
    PDFs are written there, so this process never loads fpdf2. Where there is no fork
    (Windows), everything is drawn here.
    """
    if processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as helper:
        helper.submit(_load_pdf_library)
        yield helper


def render_poster_png(
    deck: PosterDeck, item: PosterItem, public_url: str, *, paper: str = "a4", mono: bool = False
) -> bytes:
    """Return one poster as a PNG at 300 dpi, the same page as in posters.pdf."""
    _check(deck, paper)
    sheet = _sheet(
        deck, check_public_url(public_url, allow_local=True), paper, MONO if mono else Inks()
    )
    canvas = ImageCanvas(sheet.size)
    _draw_poster(canvas, sheet, item)
    return canvas.png()


def render_printables(
    deck: PosterDeck,
    out_dir: Path,
    public_url: str,
    *,
    paper: str = "a4",
    mono: bool = False,
    helper: ProcessPoolExecutor | None = None,
) -> Printables:
    """Write posters, stickers, placement sheet and start-here poster into ``out_dir``.

    ``public_url`` is only normalised here: refusing local addresses is the caller's
    decision, taken with :func:`check_public_url`. ``mono`` prints every ink in black.
    With a ``helper`` process from :func:`drawing_process` (the command line), the work
    is shared with it.
    """
    _check(deck, paper)
    sheet = _sheet(
        deck, check_public_url(public_url, allow_local=True), paper, MONO if mono else Inks()
    )
    out = Path(out_dir)
    (out / "png").mkdir(parents=True, exist_ok=True)
    # Posters of inviders since removed from the deck must not be printed by mistake.
    for stale in (out / "png").glob("*.png"):
        stale.unlink()
    width = len(str(sheet.total))
    pngs = tuple(out / "png" / f"{i.number:0{width}d}-{i.key}.png" for i in deck.items)

    poster_pages, sticker_pages, placement_pages = _render_all(sheet, deck.items, out, pngs, helper)
    (out / STAMP).write_text(printables_stamp(deck, public_url, paper=paper, mono=mono))
    return Printables(
        out_dir=out,
        posters_pdf=out / "posters.pdf",
        stickers_pdf=out / "stickers.pdf",
        placement_pdf=out / "placement.pdf",
        placement_csv=out / "placement.csv",
        start_here_pdf=out / "start-here.pdf",
        start_here_png=out / "start-here.png",
        pngs=pngs,
        poster_pages=poster_pages,
        sticker_pages=sticker_pages,
        placement_pages=placement_pages,
    )
