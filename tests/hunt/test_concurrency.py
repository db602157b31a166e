"""Under load, over real HTTP: ``invider serve`` with 4 workers, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from databases import assert_scores_add_up, codes_of, engine_for, postgres_schema, rows, scalar
from loadrun import generated_deck, run, verdict
from server import Phone, Server, folder_with_deck

# Slow (real servers under load): left out of `pytest -m "not slow"`, run by CI.
pytestmark = pytest.mark.slow

TRIALS = 50


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory):
    """One server with a 60-poster deck for the whole module, then its database."""
    workdir = tmp_path_factory.mktemp(f"served-{request.param}")
    folder_with_deck(workdir, generated_deck(60))
    with postgres_schema() if request.param == "postgresql" else nullcontext() as db_url:
        env = {"INVIDER_DATABASE_URL": db_url} if db_url else {}
        server = Server(workdir, workers=4, env=env).start(timeout=90)
        engine = engine_for(workdir, db_url)
        try:
            yield server, engine
        finally:
            server.stop()
            engine.dispose()
        assert "database is locked" not in server.output()


class nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def burst(phone: Phone, code: str, token: str, choices: list[str]) -> list[requests.Response]:
    """Send one POST per choice from separate connections, all released at once."""
    barrier = threading.Barrier(len(choices))

    def send(choice: str) -> requests.Response:
        http = requests.Session()
        http.cookies.update(phone.http.cookies)
        barrier.wait()
        return http.post(
            f"{phone.url}/i/{code}", data={"csrf_token": token, "choice": choice}, timeout=60
        )

    with ThreadPoolExecutor(len(choices)) as pool:
        return list(pool.map(send, choices))


def score_shown(html: str) -> int:
    return int(re.search(r"Score</span> <strong>(\d+)", html).group(1))


def test_twenty_identical_answers_at_once_store_one_and_count_once(served):
    server, engine = served
    codes = list(codes_of(engine).items())
    for trial in range(TRIALS):
        key, code = codes[trial % len(codes)]
        phone = Phone(server.url)
        assert phone.join(f"Twin {trial}", "Red").status_code == 200
        responses = burst(phone, code, phone.token_for(code), ["Right"] * 20)
        assert [r.status_code for r in responses] == [200] * 20, trial
        assert {verdict(r.text) for r in responses} == {"right"}
        points = scalar(engine, "select points from invider where key = :k", k=key)
        assert {score_shown(r.text) for r in responses} == {points}
        stored = rows(
            engine,
            """select a.given, a.points, p.score, p.found from answer a
                                 join player p on p.id = a.player_id where p.name = :n""",
            n=f"Twin {trial}",
        )
        assert stored == [("Right", points, points, 1)]
    assert_scores_add_up(engine)


def test_two_different_choices_at_once_store_one_and_both_report_it(served):
    server, engine = served
    codes = list(codes_of(engine).items())
    outcomes = set()
    for trial in range(20):
        key, code = codes[-1 - trial]
        phone = Phone(server.url)
        phone.join(f"Hesitant {trial}", "Blue")
        responses = burst(phone, code, phone.token_for(code), ["Right", "Wrong"])
        assert [r.status_code for r in responses] == [200, 200]
        given = rows(
            engine,
            """select a.given from answer a join player p on p.id = a.player_id
                                where p.name = :n""",
            n=f"Hesitant {trial}",
        )
        assert len(given) == 1
        expected = "right" if given[0][0] == "Right" else "wrong: Wrong"
        assert [verdict(r.text) for r in responses] == [expected, expected]
        outcomes.add(expected)
        # Asking again later shows the same stored result.
        assert verdict(phone.http.get(f"{server.url}/i/{code}", timeout=10).text) == expected
    assert_scores_add_up(engine)


def test_a_bounded_load_run_loses_and_doubles_nothing(served, tmp_path):
    """200 players walk a whole 6-poster deck with think time while 20 phones poll the board."""
    server, engine = served
    workdir = tmp_path
    folder_with_deck(workdir, generated_deck(6))
    db_url = None if engine.dialect.name == "sqlite" else str(engine.url.render_as_string(False))
    players = 200
    with postgres_schema() if db_url else nullcontext() as db_url:
        env = {"INVIDER_DATABASE_URL": db_url} if db_url else {}
        server = Server(workdir, workers=4, env=env).start(timeout=90)
        engine = engine_for(workdir, db_url)
        try:
            tally, elapsed = run(
                server.url,
                codes_of(engine),
                players=players,
                pollers=20,
                seconds=100,
                think=(1.0, 3.0),
                ramp=10,
            )
        finally:
            server.stop()
        requests_done = sum(tally.statuses.values())
        print(
            f"\nload run ({engine.dialect.name}): {requests_done} requests in {elapsed:.1f} s "
            f"({requests_done / elapsed:.0f}/s), p50 {tally.percentile(0.5) * 1000:.0f} ms, "
            f"p99 {tally.percentile(0.99) * 1000:.0f} ms, statuses {dict(tally.statuses)}"
        )
        assert tally.errors == []
        assert tally.server_errors == 0
        assert set(tally.statuses) <= {200, 304}
        stored = rows(
            engine,
            """select p.name, i.key, a.correct, a.given from answer a
                                 join player p on p.id = a.player_id
                                 join invider i on i.id = a.invider_id""",
        )
        in_db = {
            (name, key): "right" if correct else f"wrong: {given}"
            for name, key, correct, given in stored
        }
        # Every player walked the whole deck; the database holds exactly what clients were told.
        assert len(tally.acknowledged) == players * 6
        assert in_db == tally.acknowledged
        assert_scores_add_up(engine)
        assert "database is locked" not in server.output()
        engine.dispose()
