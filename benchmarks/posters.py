"""Render a 100-invider deck and check time, posters.pdf size and memory against targets.

Run with ``python benchmarks/posters.py``; exits non-zero when a target is missed.
"""

from __future__ import annotations

import hashlib
import resource
import sys
import tempfile
import time
from pathlib import Path

from invider.printing.posters import PosterDeck, PosterItem, render_printables

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
INVIDERS = 100
TARGET_SECONDS = 2.0
TARGET_PDF_MB = 2.0
TARGET_RSS_MB = 150.0


def make_deck(count: int = INVIDERS) -> PosterDeck:
    """Return a French deck of ``count`` inviders with realistic keys and codes."""
    items = []
    for number in range(1, count + 1):
        digest = hashlib.sha256(f"bench-{number}".encode()).digest()
        code = "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:13])
        items.append(
            PosterItem(
                number=number,
                key=f"message-strategique-{number}",
                code=code,
                location=f"Étage {number % 7}, couloir {number % 3 + 1}, salle B{number}",
                topic=("Emploi Store", "Données ouvertes", "Agilité")[number % 3],
            )
        )
    return PosterDeck("La chasse aux Inviders", "fr", tuple(items))


def main() -> int:
    """Render the deck into a temporary folder and print each figure against its target."""
    deck = make_deck()
    with tempfile.TemporaryDirectory() as tmp:
        start, cpu = time.perf_counter(), time.process_time()
        printed = render_printables(deck, Path(tmp), "https://invider.example.org")
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        pdf_mb = printed.posters_pdf.stat().st_size / 1e6
        pdfs_mb = sum(p.stat().st_size for p in Path(tmp).glob("*.pdf")) / 1e6
        pngs_mb = sum(p.stat().st_size for p in printed.pngs) / 1e6
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6
    rows = [
        ("total time", seconds, TARGET_SECONDS, "s"),
        ("posters.pdf", pdf_mb, TARGET_PDF_MB, "MB"),
        ("peak RSS", rss_mb, TARGET_RSS_MB, "MB"),
    ]
    print(
        f"{INVIDERS} inviders, {printed.poster_pages} poster pages,"
        f" {printed.sticker_pages} sticker pages, {printed.placement_pages} placement pages"
    )
    # CPU time tells a slow machine from a busy one: wall time alone varies with the load.
    print(f"CPU time {cpu:.2f} s; all PDFs {pdfs_mb:.2f} MB; png/ {pngs_mb:.1f} MB")
    failed = False
    for name, value, target, unit in rows:
        ok = value <= target
        failed |= not ok
        print(
            f"{name:12} {value:8.2f} {unit:2} target <= {target:g} {unit:2} "
            f"{'pass' if ok else 'FAIL'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
