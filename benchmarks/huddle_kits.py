"""Time the huddle kits: computing them and drawing their PDF, at the size of a big hunt.

Run with ``python benchmarks/huddle_kits.py``. It fills a SQLite database in a temporary
folder with 2,000 players in 20 teams, 30 posters in 10 topics and 60,000 answers (with
confidences), then computes the kits and draws their PDF twice and prints the times. A
kit page or the PDF is one such computation; they are organiser pages, opened a few
times after the hunt, so the target is that both stay under 5 s.

Exits non-zero when the target is missed.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime

TARGET_SECONDS = 5.0


def main() -> int:
    """Fill a database, time compute_kits and huddle_pdf, print the figures."""
    os.chdir(tempfile.mkdtemp(prefix="invider-kits-"))
    from invider import create_app
    from invider.learning.kits import compute_kits
    from invider.printing.huddle import huddle_pdf
    from invider.store.models import Answer, Hunt, Invider, Player, db, utcnow
    from invider.store.schema import create_schema

    app = create_app({"PUBLIC_URL": "http://192.168.1.20:8000"})
    teams = [f"Team {i}" for i in range(20)]
    worst = 0.0
    with app.app_context():
        create_schema()
        db.session.add(Hunt(id=1, title="Bench", language="en", teams=teams))
        for n in range(1, 31):
            db.session.add(
                Invider(
                    key=f"k{n}",
                    code=f"c{n:012d}",
                    number=n,
                    question=f"Question {n}?",
                    choices=["a", "b"],
                    answer="a",
                    fact=f"Fact {n}.",
                    topic=f"Topic {n % 10}",
                    points=10,
                )
            )
        db.session.commit()
        now, rng = utcnow(), random.Random(1)
        db.session.execute(
            db.insert(Player),
            [
                {"name": f"P{i}", "name_key": f"p{i}", "team": teams[i % 20], "found": 30}
                for i in range(2000)
            ],
        )
        ids = db.session.execute(db.select(Player.id)).scalars().all()
        db.session.execute(
            db.insert(Answer),
            [
                {
                    "player_id": p,
                    "invider_id": n,
                    "given": "a",
                    "correct": rng.random() < 0.6,
                    "points": 10,
                    "created_at": now,
                    "confidence": rng.choice(["sure", "unsure", "guess"]),
                }
                for p in ids
                for n in range(1, 31)
            ],
        )
        db.session.commit()
        for _ in range(2):
            start = time.perf_counter()
            kits = compute_kits(5)
            computed = time.perf_counter() - start
            start = time.perf_counter()
            pdf = huddle_pdf(kits, "Bench", "en", 5, datetime.now(UTC))
            drawn = time.perf_counter() - start
            worst = max(worst, computed + drawn)
            print(
                f"compute_kits: {computed * 1000:.0f} ms; PDF of {len(kits['teams']) + 1} "
                f"pages: {drawn * 1000:.0f} ms, {len(pdf) / 1024:.0f} kB"
            )
    print(f"target: under {TARGET_SECONDS:.0f} s per kit page or PDF; worst {worst:.2f} s")
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
