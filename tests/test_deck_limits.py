"""A deck at every limit still serves and prints in time on ``invider serve``; one past a
limit is refused with the limit named (a real server, real PDFs)."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from deck_limits import deck_at_limits
from server import Phone, Server, csrf_token
from slow_load import percentile

from invider.decks.reading import MAX_INVIDERS, DeckError, read_deck

PASSWORD = "correct horse battery"


def test_a_deck_at_every_limit_serves_and_prints_while_phones_play(tmp_path):
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "deck.toml").write_text(deck_at_limits(), encoding="utf-8")
    started = time.monotonic()
    # One worker: the phones share it with the organiser who prints.
    server = Server(tmp_path, workers=1, env={"INVIDER_ADMIN_PASSWORD": PASSWORD})
    server.start(timeout=120)
    start_seconds = time.monotonic() - started
    try:
        assert (tmp_path / "printables" / "posters.pdf").stat().st_size > 100_000
        organiser = requests.Session()
        login = organiser.get(server.url + "/admin/login", timeout=10)
        organiser.post(
            server.url + "/admin/login",
            data={"password": PASSWORD, "csrf_token": csrf_token(login.text)},
            timeout=10,
        )
        phone = Phone(server.url)
        teams = phone.http.get(server.url + "/join", timeout=10).text
        team = teams.split('<option value="', 2)[2].split('"', 1)[0]
        assert phone.join("Alice", team).status_code == 200
        timings = {}

        def timed(name, http, path):
            begin = time.monotonic()
            response = http.get(server.url + path, timeout=60)
            timings[name] = time.monotonic() - begin
            return response

        # The black-and-white set is rendered on this first download, in a thread of
        # its own: the phone keeps being served by the same worker meanwhile.
        printing = threading.Thread(
            target=lambda: timings.setdefault(
                "mono", timed("posters-mono.pdf", organiser, "/admin/posters/posters.pdf?ink=mono")
            )
        )
        printing.start()
        polls = []
        while printing.is_alive():
            begin = time.monotonic()
            assert phone.http.get(server.url + "/leaderboard", timeout=10).status_code == 200
            polls.append(time.monotonic() - begin)
            time.sleep(0.1)
        printing.join()
        assert timings["mono"].status_code == 200
        assert timings["mono"].content.startswith(b"%PDF")
        me = timed("/me", phone.http, "/me")
        deck_page = timed("/admin/deck", organiser, "/admin/deck")
        assert me.status_code == 200 and deck_page.status_code == 200
        assert "WORKER TIMEOUT" not in server.output()
        figures = (
            f"{MAX_INVIDERS} inviders at the limits: start {start_seconds:.1f} s, "
            f"mono posters {timings['posters-mono.pdf']:.1f} s, /me {timings['/me']:.2f} s "
            f"({len(me.content) >> 10} kB), /admin/deck {timings['/admin/deck']:.2f} s "
            f"({len(deck_page.content) >> 10} kB); phone polls during printing: {len(polls)}, "
            f"p99 {percentile(polls, 0.99) * 1000:.0f} ms"
        )
        assert percentile(polls, 0.99) < 5, figures
        print(figures)
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.replace('title = "000', 'title = "0000', 1), "title is 121 characters"),
        (lambda d: d.replace('fact = "000', 'fact = "0000', 1), "fact is 1,001 characters"),
        (
            lambda d: d.replace('question = "000', 'question = "0000', 1),
            "question is 301 characters",
        ),
        (lambda d: d + d.split("\n\n", 1)[1].replace("k000", "kzzz", 1), "at most 200"),
    ],
)
def test_a_deck_past_a_limit_is_refused_naming_the_limit(tmp_path, change, message):
    deck = tmp_path / "deck.toml"
    deck.write_text(change(deck_at_limits()), encoding="utf-8")
    with pytest.raises(DeckError) as error:
        read_deck(deck)
    assert any(message in m for m in error.value.messages), error.value.messages[:3]
