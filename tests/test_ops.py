"""The organisation-wide setup survives its own parts failing (issue 13).

Real parts only: ``invider serve`` processes, a private ``redis-server``, PostgreSQL reached
through a TCP proxy this test can cut (as a database restart or outage looks to the app),
and the SQLite file itself for what anonymising leaves behind.
"""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from conftest import SMALL_DECK, csrf_token
from databases import engine_for, postgres_schema, rows, scalar
from loadrun import generated_deck
from requirements import need_postgres, require
from server import Phone, Server, folder_with_deck, free_port

from invider.store.backup import backup_sqlite
from invider.store.models import Player, db

# Slow (real servers, PostgreSQL and Redis outages): left out of `pytest -m "not slow"`, run by CI.
pytestmark = pytest.mark.slow

ADMIN = "a long organiser password"


def workdir_with(path: Path, deck: str = SMALL_DECK) -> Path:
    return folder_with_deck(path, deck)


def codes(url: str) -> dict[str, str]:
    engine = engine_for(None, url)
    try:
        return dict(rows(engine, "select key, code from invider"))
    finally:
        engine.dispose()


# --- Several servers started at once on one empty PostgreSQL schema (13.1) --------------


@pytest.mark.parametrize("round_", range(3))
def test_servers_started_together_make_exactly_one_hunt(tmp_path, round_):
    need_postgres()
    with postgres_schema() as url:
        env = {
            "INVIDER_DATABASE_URL": url,
            "INVIDER_SECRET_KEY": "shared-secret",
            "INVIDER_ADMIN_PASSWORD": ADMIN,
        }
        servers = [Server(workdir_with(tmp_path / f"s{i}"), workers=1, env=env) for i in range(3)]
        try:
            with ThreadPoolExecutor(len(servers)) as pool:
                started = list(pool.map(lambda s: s.start(timeout=90), servers))
            engine = engine_for(None, url)
            assert scalar(engine, "select count(*) from hunt") == 1
            assert scalar(engine, "select count(*) from invider") == 3
            engine.dispose()
            outputs = [s.output() for s in started]
            assert sum("Loaded questions/deck.toml" in o for o in outputs) == 1, outputs
            assert not any("Traceback" in o for o in outputs), outputs
            # Every server reads the same hunt: closing it on one closes it everywhere.
            organiser = requests.Session()
            page = organiser.get(f"{started[0].url}/admin/login", timeout=10)
            organiser.post(
                f"{started[0].url}/admin/login",
                timeout=10,
                data={"password": ADMIN, "csrf_token": token_of(page.text)},
            )
            page = organiser.get(f"{started[0].url}/admin/", timeout=10)
            closed = organiser.post(
                f"{started[0].url}/admin/status",
                timeout=10,
                data={"action": "close", "csrf_token": token_of(page.text)},
            )
            assert closed.status_code == 200
            time.sleep(2.5)  # the public standings may be up to 2 s old
            for server in started:
                board = requests.get(f"{server.url}/leaderboard.json", timeout=10).json()
                assert board["hunt"]["status"] == "closed"
        finally:
            for server in servers:
                server.stop()


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# --- Redis lost, frozen and back (13.2) --------------------------------------------------


@contextmanager
def private_redis(port: int):
    """Run a throwaway redis-server on ``port``; yield its process."""
    program = shutil.which("redis-server")
    require(program, "needs redis-server (apt-get install redis-server)")
    process = subprocess.Popen(
        [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port, socket_connect_timeout=0.5)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.RedisError:
                time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


class Load:
    """Phones joining, scanning and answering in threads, each request's time and status kept."""

    def __init__(self, url: str, codes: list[str], threads: int = 6):
        self.url, self.codes, self.threads = url, codes, threads
        self.results: list[tuple[float, str, int]] = []  # (started, what, status)
        self.errors: list[str] = []
        self.lock, self.stop = threading.Lock(), threading.Event()
        self.workers = [threading.Thread(target=self.phone, args=(i,)) for i in range(threads)]

    def record(self, what: str, call, *args, **kwargs):
        started = time.monotonic()
        try:
            response = call(*args, timeout=30, **kwargs)
        except requests.RequestException as e:
            with self.lock:
                self.errors.append(f"{what}: {e!r}")
            return None
        with self.lock:
            self.results.append((started, what, response.status_code))
        return response

    def phone(self, i: int) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            phone = Phone(self.url)
            page = self.record("join form", phone.http.get, f"{self.url}/join")
            if page is None or page.status_code != 200:
                time.sleep(0.2)
                continue
            joined = self.record(
                "join",
                phone.http.post,
                f"{self.url}/join",
                data={
                    "name": f"Load {i}-{n}",
                    "next": "/me",
                    "team": "Red",
                    "csrf_token": token_of(page.text),
                },
            )
            if joined is None or joined.status_code != 200:
                time.sleep(0.2)
                continue
            for code in self.codes[:4]:
                if self.stop.is_set():
                    return
                scan = self.record("scan", phone.http.get, f"{self.url}/i/{code}")
                if scan is None or scan.status_code != 200 or "csrf_token" not in scan.text:
                    continue
                self.record(
                    "answer",
                    phone.http.post,
                    f"{self.url}/i/{code}",
                    data={"choice": "Right", "csrf_token": token_of(scan.text)},
                )
            self.record("unknown code", phone.http.get, f"{self.url}/i/zzzzzzzzzz")

    def __enter__(self) -> Load:
        for worker in self.workers:
            worker.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for worker in self.workers:
            worker.join(timeout=60)

    def statuses(self, since: float = 0.0, what: str | None = None) -> list[int]:
        with self.lock:
            return [s for t, w, s in self.results if t >= since and (what is None or w == what)]


def test_a_redis_outage_never_stops_the_hunt(tmp_path):
    import redis

    port = free_port()
    prefix = f"test:{tmp_path.name}:"
    with private_redis(port) as first:
        workdir = workdir_with(tmp_path, generated_deck(8))
        env = {"INVIDER_REDIS_URL": f"redis://127.0.0.1:{port}/0", "INVIDER_REDIS_PREFIX": prefix}
        server = Server(workdir, workers=2, env=env).start()
        try:
            poster_codes = list(codes(f"sqlite:///{workdir}/instance/invider.db").values())
            with Load(server.url, poster_codes) as load:
                time.sleep(2)
                first.send_signal(signal.SIGSTOP)  # frozen: every call would hang
                frozen_at = time.monotonic()
                time.sleep(3)
                first.send_signal(signal.SIGCONT)
                time.sleep(1)
                first.kill()  # lost
                lost_at = time.monotonic()
                time.sleep(4)
                back_at = time.monotonic()
                with private_redis(port):  # back on the same address
                    time.sleep(8)
                    load.stop.set()
                    load.__exit__()
                    statuses = load.statuses()
                    assert statuses and not [s for s in statuses if s >= 500], load.results[-20:]
                    assert not load.errors, load.errors[:5]
                    # Play went on while Redis was frozen and while it was gone.
                    frozen = [
                        s
                        for t, w, s in load.results
                        if frozen_at <= t < frozen_at + 3 and w == "answer"
                    ]
                    gone = [
                        s for t, w, s in load.results if lost_at <= t < back_at and w == "answer"
                    ]
                    assert 200 in frozen and 200 in gone, (
                        frozen,
                        gone,
                        Counter_of([(w, s) for _, w, s in load.results]),
                    )
                    # The limits count in Redis again: a guesser is stopped, counted there.
                    phone = Phone(server.url)
                    assert phone.join("Guesser", "Red").status_code == 200
                    guesses = [
                        phone.http.get(f"{server.url}/i/nope{n:06d}", timeout=10).status_code
                        for n in range(11)
                    ]
                    assert guesses[:10] == [404] * 10 and guesses[10] == 429
                    client = redis.Redis(port=port)
                    assert client.keys(prefix + "*"), "no count reached Redis after its return"
            assert "Redis unreachable" in server.output()
        finally:
            server.stop()


# --- PostgreSQL unreachable, then restarted (13.3, 13.4), through a proxy we can cut -------


class Proxy:
    """A TCP proxy to PostgreSQL: ``cut`` drops every connection and refuses new ones."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, free_port()
        self.lock, self.sockets = threading.Lock(), set()
        self.listening = threading.Event()
        self.resume()

    def resume(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(0.1)
        self.listening.set()
        threading.Thread(target=self.accept, args=(listener,), daemon=True).start()

    def accept(self, listener: socket.socket) -> None:
        with listener:
            while self.listening.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                except OSError:
                    client.close()
                    continue
                client.settimeout(None)
                upstream.settimeout(None)
                with self.lock:
                    self.sockets |= {client, upstream}
                for a, b in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self.pump, args=(a, b), daemon=True).start()

    def pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        """Refuse new connections and drop every open one, as a stopped server does."""
        self.listening.clear()
        time.sleep(0.3)  # the listener closes within its accept timeout
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.sockets.clear()


@pytest.fixture
def proxied_postgres():
    """A fresh PostgreSQL schema, reached through a Proxy; yields (url, proxy)."""
    need_postgres()
    with postgres_schema() as url:
        match = re.match(r"(postgresql\+psycopg://[^@]*@)([^:/]+):(\d+)(/.*)", url)
        proxy = Proxy((match.group(2), int(match.group(3))))
        try:
            yield f"{match.group(1)}127.0.0.1:{proxy.port}{match.group(4)}", proxy, url
        finally:
            proxy.cut()


PAUSED = re.compile(r"(The hunt is paused for a moment|La chasse fait une courte pause)")
ERROR_ID = re.compile(r"<code>[0-9a-f]{8,}</code>")


def test_while_the_database_is_unreachable_phones_get_the_friendly_page(tmp_path, proxied_postgres):
    """Needs the lead's core change (13.3): the 503 page rendered without the database."""
    url, proxy, direct = proxied_postgres
    server = Server(workdir_with(tmp_path), workers=2, env={"INVIDER_DATABASE_URL": url}).start()
    try:
        code = codes(direct)["launch"]
        phone = Phone(server.url)
        assert phone.join("Alice", "Red").status_code == 200
        token = phone.token_for(code)
        proxy.cut()
        pages = ["/", f"/i/{code}", "/me", "/join", "/leaderboard", "/healthz"]
        seen = []
        for _ in range(3):
            for path in pages:
                seen.append((path, phone.http.get(server.url + path, timeout=30)))
            seen.append(
                (
                    "answer",
                    phone.http.post(
                        f"{server.url}/i/{code}",
                        timeout=30,
                        data={"choice": "July 2015", "csrf_token": token},
                    ),
                )
            )
        for path, response in seen:
            assert "Internal Server Error" not in response.text, path
            assert response.status_code in (200, 503), (path, response.status_code)
            if response.status_code == 503:
                assert PAUSED.search(response.text) and ERROR_ID.search(response.text), path
        assert sum(r.status_code == 503 for _, r in seen) >= len(seen) // 2
        proxy.resume()
        time.sleep(0.5)
        for path in pages:
            assert phone.http.get(server.url + path, timeout=30).status_code == 200, path
    finally:
        server.stop()


def test_an_idle_database_restart_costs_no_request(tmp_path, proxied_postgres):
    """Needs the lead's core change (13.4): connections checked before use."""
    url, proxy, direct = proxied_postgres
    server = Server(workdir_with(tmp_path), workers=2, env={"INVIDER_DATABASE_URL": url}).start()
    try:
        code = codes(direct)["launch"]
        phones = [Phone(server.url) for _ in range(4)]
        for i, phone in enumerate(phones):
            assert phone.join(f"Idle {i}", "Red").status_code == 200
        for _ in range(30):  # every worker holds pooled connections now
            for phone in phones:
                phone.http.get(f"{server.url}/i/{code}", timeout=30)
        proxy.cut()
        time.sleep(1)
        proxy.resume()
        statuses = [
            phone.http.get(f"{server.url}{path}", timeout=30).status_code
            for _ in range(10)
            for phone in phones
            for path in (f"/i/{code}", "/me", "/leaderboard")
        ]
        assert statuses == [200] * len(statuses)
    finally:
        server.stop()


def test_a_database_restart_under_load_gives_no_error_once_it_is_back(tmp_path, proxied_postgres):
    """Needs the lead's core change (13.4): pre-ping and one retry on a fresh connection."""
    url, proxy, direct = proxied_postgres
    workdir = workdir_with(tmp_path, generated_deck(8))
    server = Server(workdir, workers=2, env={"INVIDER_DATABASE_URL": url}).start()
    try:
        with Load(server.url, list(codes(direct).values())) as load:
            time.sleep(3)
            proxy.cut()
            time.sleep(2)
            proxy.resume()
            back_at = time.monotonic()
            time.sleep(6)
        after = load.statuses(since=back_at)
        assert after and [s for s in after if s >= 500] == [], Counter_of(after)
        # Every answer acknowledged is stored.
        acknowledged = len(load.statuses(what="answer"))
        engine = engine_for(None, direct)
        stored = scalar(engine, "select count(*) from answer")
        engine.dispose()
        assert stored >= sum(1 for s in load.statuses(what="answer") if s == 200)
        assert acknowledged > 0
    finally:
        server.stop()


def Counter_of(values):  # noqa: N802  (reads as the collections.Counter it returns)
    from collections import Counter

    return Counter(values)


# --- Reset on PostgreSQL, with a backup first (13.5) --------------------------------------


@pytest.fixture
def db_url(request):
    """SQLite, unless a test asks for PostgreSQL with ``parametrize(..., indirect=True)``."""
    if getattr(request, "param", None) != "postgresql":
        yield None
        return
    need_postgres()
    with postgres_schema() as url:
        yield url


def admin_login(app):
    app.config["ADMIN_PASSWORD"] = ADMIN
    client = app.test_client()
    token = csrf_token(client, "/admin/login")
    assert (
        client.post("/admin/login", data={"password": ADMIN, "csrf_token": token}).status_code
        == 302
    )
    return client


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("with_pg_dump", [True, False])
def test_reset_works_on_postgresql_after_a_backup(app, play, db_url, monkeypatch, with_pg_dump):
    if with_pg_dump:
        require(shutil.which("pg_dump"), "needs pg_dump (apt-get install postgresql-client)")
    else:
        monkeypatch.setenv("PATH", "/nonexistent")  # no pg_dump: the rows are exported
    assert play.join("Rehearsal Rita").status_code == 302
    assert play.answer("launch", choice="July 2015").status_code == 200
    with app.app_context():
        old_id = db.session.execute(db.select(Player.id)).scalar_one()
    organiser = admin_login(app)
    response = organiser.post(
        "/admin/reset",
        follow_redirects=True,
        data={"title": "Test hunt", "csrf_token": csrf_token(organiser, "/admin/results")},
    )
    assert response.status_code == 200 and "The hunt was reset" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Player.id))).scalar_one() == 0
    (backup,) = (Path(app.instance_path) / "backups").iterdir()
    assert backup.suffix == (".sql" if with_pg_dump else ".json")
    assert "Rehearsal Rita" in backup.read_text(encoding="utf-8")
    # A new player never gets the id of a deleted one.
    newcomer = app.test_client()
    token = csrf_token(newcomer, "/join")
    newcomer.post(
        "/join", data={"name": "Real Day", "csrf_token": token, "next": "/me", "team": "Red"}
    )
    with app.app_context():
        assert db.session.execute(db.select(Player.id)).scalar_one() > old_id


# --- Anonymise leaves no old name in the SQLite file (12.8) -------------------------------


def test_anonymise_leaves_no_old_name_in_the_database_files(app, play, client):
    names = ["Zebulon Quixote", "Wilhelmina Vexby"]
    for name in names:
        phone = app.test_client()
        token = csrf_token(phone, "/join")
        assert (
            phone.post(
                "/join", data={"name": name, "csrf_token": token, "next": "/me", "team": "Red"}
            ).status_code
            == 302
        )
    organiser = admin_login(app)
    organiser.post(
        "/admin/players/1/rename",
        data={"name": "Renamed Once", "csrf_token": csrf_token(organiser, "/admin/players")},
    )
    backups = Path(app.instance_path) / "backups"
    database = Path(app.instance_path) / "invider.db"
    backup_sqlite(database, backups / "before-anonymise.db")
    response = organiser.post(
        "/admin/anonymise",
        follow_redirects=True,
        data={"confirm": "ANONYMISE", "csrf_token": csrf_token(organiser, "/admin/results")},
    )
    page = response.get_data(as_text=True)
    assert "player names were anonymised" in page
    # Read while the app's connections stay open, as a running server's would.
    stored = b"".join(p.read_bytes() for p in database.parent.glob("invider.db*"))
    for name in [*names, "Renamed Once"]:
        for form in (name, name.casefold()):
            assert form.encode() not in stored, f"{form!r} is still readable in the database"
    # The page says which backup still holds names, and deletes it on request.
    assert "before-anonymise.db" in page and "holds names" in page
    response = organiser.post(
        "/admin/backups/delete",
        follow_redirects=True,
        data={"confirm": "yes", "csrf_token": csrf_token(organiser, "/admin/backups")},
    )
    assert not (backups / "before-anonymise.db").exists()
    assert "1 backup file(s) holding names were deleted" in response.get_data(as_text=True)


# --- A flood of junk players, seen and removed in one action (12.5) -----------------------


def test_a_flood_of_idle_players_is_seen_and_removed_at_once(app, play):
    assert play.join("Real Colleague").status_code == 302
    assert play.answer("launch", choice="July 2015").status_code == 200
    for n in range(25):
        junk = app.test_client()
        token = csrf_token(junk, "/join")
        junk.post(
            "/join", data={"name": f"Junk {n}", "csrf_token": token, "next": "/me", "team": "Red"}
        )
    organiser = admin_login(app)
    players_page = organiser.get("/admin/players").get_data(as_text=True)
    assert "25 players joined in the last hour and have answered nothing yet" in players_page
    page = organiser.get("/admin/newcomers?minutes=10").get_data(as_text=True)
    assert "Junk 24" in page and "Real Colleague" not in page
    since = re.search(r'name="since" value="([^"]+)"', page).group(1)
    response = organiser.post(
        "/admin/newcomers/remove",
        follow_redirects=True,
        data={
            "minutes": "10",
            "since": since,
            "confirm": "yes",
            "csrf_token": csrf_token(organiser, "/admin/newcomers"),
        },
    )
    assert "25 player(s) who had answered nothing were removed" in response.get_data(as_text=True)
    with app.app_context():
        left = db.session.execute(db.select(Player.name)).scalars().all()
    assert left == ["Real Colleague"]
    log = organiser.get("/admin/players").get_data(as_text=True)
    assert "Idle players removed" in log


# --- serve: posters kept, addresses it answers on, timestamped logs (12.10, 12.11, 13.8) ---


def test_serve_keeps_posters_made_for_another_address_and_says_so(tmp_path):
    workdir = workdir_with(tmp_path)
    first = Server(workdir).start()
    first.stop()
    pdf = workdir / "printables" / "posters.pdf"
    made = pdf.stat().st_mtime_ns
    moved = Server(workdir)
    moved.env["INVIDER_PUBLIC_URL"] = "http://10.1.2.3:8000"
    moved.start()
    try:
        output = moved.output()
        assert pdf.stat().st_mtime_ns == made  # not rendered again
        assert (
            f"the posters in printables/ carry http://192.168.1.20:{first.port}, but this "
            "server answers on http://10.1.2.3:8000"
        ) in output
    finally:
        moved.stop()


def test_serve_on_loopback_prints_only_addresses_it_answers_on(tmp_path):
    workdir = workdir_with(tmp_path)
    server = Server(workdir)
    server.env.pop("INVIDER_PUBLIC_URL")
    server.start()
    try:
        output = server.output()
        assert "Listening on 127.0.0.1 only: phones cannot reach this server" in output
        printed = set(re.findall(r"https?://[\w.\[\]:]+", output))
        assert printed == {f"http://127.0.0.1:{server.port}"}, printed
        for line in output.splitlines():
            if line.startswith(("Players:", "Leaderboard:", "Big screen:", "Organisers:")):
                address = line.split()[-1]
                assert requests.get(address, timeout=10).status_code == 200
    finally:
        server.stop()


STAMP = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] ")


def test_every_log_line_of_the_server_has_a_timestamp(tmp_path):
    workdir = workdir_with(tmp_path)
    server = Server(workdir).start()
    try:
        requests.get(server.url + "/", timeout=10)
        requests.get(server.url + "/i/unknown", timeout=10)
        poll = requests.get(
            server.url + "/leaderboard.json?limit=3",
            headers={"Referer": "http://wall/poster", "User-Agent": 'Phone "quoted"'},
            timeout=10,
        )
        log_start = server.output().index("Organisers:")
        server.stop()
        after = server.output()[log_start:].splitlines()[1:]
        assert after, "no log line"
        unstamped = [line for line in after if line.strip() and not STAMP.match(line)]
        assert unstamped == []
    finally:
        server.stop()
    # The access line: who asked, what, the status, the bytes, the time, the referrer and
    # the browser, with its quotes escaped.
    (access,) = [line for line in after if "/leaderboard.json" in line]
    assert re.fullmatch(
        STAMP.pattern + r'127\.0\.0\.1 "GET /leaderboard\.json\?limit=3 HTTP/1\.1" 200 '
        rf'{len(poll.content)} \d+ms "http://wall/poster" "Phone \\"quoted\\""',
        access,
    ), access
