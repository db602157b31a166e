"""Time ``invider --help`` and ``invider posters`` (100 inviders) as a user runs them.

Run with ``python benchmarks/posters.py`` (about half a minute); exits non-zero when a
target is missed. It times ``invider --help`` five times (median), loads a 100-invider
French deck into a fresh folder with ``invider load``, then runs ``invider posters``
there five times and prints the median wall time of the whole command (interpreter
start, app, database read, the five printables and the PNGs) with its CPU time across
processes; then it renders the same deck inside this process, serially, for the size of
posters.pdf and the memory peak.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
INVIDERS = 100
RUNS = 5
PUBLIC_URL = "https://invider.example.org"
TARGET_COMMAND_SECONDS = 2.5
TARGET_HELP_SECONDS = 0.3
TARGET_PDF_MB = 2.0
TARGET_RSS_MB = 150.0


def deck_text(count: int = INVIDERS) -> str:
    """Return a French deck of ``count`` inviders with realistic keys and places."""
    topics = ("Emploi Store", "Données ouvertes", "Agilité")
    lines = ["[hunt]", 'title = "La chasse aux Inviders"', 'language = "fr"', ""]
    for n in range(1, count + 1):
        lines += [
            "[[invider]]",
            f'key = "message-strategique-{n}"',
            f'question = "Question {n} ?"',
            f'choices = ["A{n}", "B{n}", "C{n}"]',
            f'answer = "A{n}"',
            f'fact = "Fait {n}."',
            f'topic = "{topics[n % 3]}"',
            f'location = "Étage {n % 7}, couloir {n % 3 + 1}, salle B{n}"',
            "",
        ]
    return "\n".join(lines)


def children_cpu() -> float:
    """Return the CPU seconds (user and system) used so far by finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_command(folder: Path) -> tuple[float, float]:
    """Run ``invider posters`` in ``folder``; return its wall and CPU seconds."""
    env = dict(os.environ, INVIDER_INSTANCE=str(folder / "instance"))
    command = [shutil.which("invider"), "posters", "--public-url", PUBLIC_URL]
    cpu, start = children_cpu(), time.perf_counter()
    subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True, timeout=120)
    return time.perf_counter() - start, children_cpu() - cpu


def make_deck(count: int = INVIDERS):
    """Return the same deck as a ``PosterDeck``, with realistic codes, without a database."""
    from invider.printing.posters import PosterDeck, PosterItem

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


def time_help(folder: Path) -> tuple[float, float]:
    """Run ``invider --help`` ``RUNS`` times; return the median wall and CPU seconds."""
    runs = []
    for _ in range(RUNS):
        cpu, start = children_cpu(), time.perf_counter()
        subprocess.run(
            [shutil.which("invider"), "--help"], cwd=folder, check=True, capture_output=True
        )
        runs.append((time.perf_counter() - start, children_cpu() - cpu))
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def in_process(folder: Path) -> dict:
    """Render the deck in this process, serially: size, time and memory peak.

    Only the printing code is imported, so the memory peak is the rendering's own.
    """
    from invider.printing.posters import render_printables

    deck = make_deck()
    out = folder / "in-process"
    start, cpu = time.perf_counter(), time.process_time()
    printed = render_printables(deck, out, PUBLIC_URL)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    return {
        "printed": printed,
        "seconds": seconds,
        "cpu": cpu,
        "pdf_mb": printed.posters_pdf.stat().st_size / 1e6,
        "pdfs_mb": sum(p.stat().st_size for p in out.glob("*.pdf")) / 1e6,
        "pngs_mb": sum(p.stat().st_size for p in printed.pngs) / 1e6,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6,
    }


def main() -> int:
    """Time the command, then the rendering in-process, and print each against its target."""
    if not shutil.which("invider"):
        sys.exit("the `invider` console script is needed: pip install -e .")
    # As installed: pip compiles a package's modules when it installs them. An editable
    # install compiles them on first use, which `invider load` below does, unless the
    # environment forbids writing them (then every timed run would compile them again).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="invider-posters-") as tmp:
        folder = Path(tmp)
        (folder / "questions").mkdir()
        (folder / "questions" / "deck.toml").write_text(deck_text(), encoding="utf-8")
        env = dict(os.environ, INVIDER_INSTANCE=str(folder / "instance"))
        subprocess.run(
            [shutil.which("invider"), "load", "questions/deck.toml"],
            cwd=folder,
            env=env,
            check=True,
            capture_output=True,
        )
        help_wall, help_cpu = time_help(folder)
        runs = [time_command(folder) for _ in range(RUNS)]
        pngs = len(list((folder / "printables" / "png").glob("*.png")))
        inside = in_process(folder)
    walls = sorted(wall for wall, _ in runs)
    wall = statistics.median(walls)
    cpu = statistics.median(cpu for _, cpu in runs)
    printed = inside["printed"]
    print(
        f"{INVIDERS} inviders: {printed.poster_pages} poster pages, {printed.sticker_pages}"
        f" sticker pages, {printed.placement_pages} placement pages, {pngs} PNGs"
    )
    print(f"`invider --help`, {RUNS} runs: median {help_wall:.2f} s wall, {help_cpu:.2f} s CPU")
    print(
        f"`invider posters`, {RUNS} runs: median {wall:.2f} s wall (from {walls[0]:.2f} to"
        f" {walls[-1]:.2f} s), {cpu:.2f} s CPU in all its processes"
    )
    # CPU time tells a slow machine from a busy one: wall time alone varies with the load.
    print(
        f"rendering in-process, serially: {inside['seconds']:.2f} s wall, {inside['cpu']:.2f} s"
        f" CPU; all PDFs {inside['pdfs_mb']:.2f} MB; png/ {inside['pngs_mb']:.1f} MB"
    )
    rows = [
        ("--help", help_wall, TARGET_HELP_SECONDS, "s"),
        ("posters", wall, TARGET_COMMAND_SECONDS, "s"),
        ("posters.pdf", inside["pdf_mb"], TARGET_PDF_MB, "MB"),
        ("peak RSS", inside["rss_mb"], TARGET_RSS_MB, "MB"),
    ]
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
