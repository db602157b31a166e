"""The clean references: a Flask hello world and a minimal Flask page, apps of their own.

They import nothing from ``invider`` (not even its gunicorn settings, whose import
would bring the product's engine listeners into the reference): their gunicorn
configuration is a copy of the product's settings, written beside them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

HELLO_APP = """\
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
"""

# The minimal page: what any Flask page that reads one row and renders costs. Its
# template is a file, compiled once, as Flask's own templates are.
MINIMAL_APP = """\
import os

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Player(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    score: Mapped[int]


app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.environ["BENCH_DB"]
db.init_app(app)


@app.get("/<int:player_id>")
def page(player_id):
    return render_template("minimal.html", player=db.get_or_404(Player, player_id))
"""
MINIMAL_TEMPLATE = """\
<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ player.name }}</title></head><body><main><h1>{{ player.name }}</h1>
<p>Score {{ player.score }}</p></main></body></html>
"""

# The scan done plainly: the work of the product's scan page in a small Flask app of its
# own, on the product's database, cookies, templates and catalog. Flask's signed session
# (the product's cookie and secret key) and one statement reading the player, checked
# against their secret, the guessing counter and the stored answer; the deck read once
# per worker, as the product's worker keeps a copy; the product's question page rendered
# with Flask-Babel's own helpers and Flask-WTF's token; the same security headers. It
# shows what plain Flask code reaches for the same page, in the same run.
PLAIN_SCAN_APP = """\
import hashlib
import json
import os
import secrets
import time
from pathlib import Path

from flask import Blueprint, Flask, abort, g, render_template, request, session
from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from markupsafe import Markup
from sqlalchemy import text

instance = Path(os.environ["BENCH_INSTANCE"])
app = Flask(__name__, template_folder=os.environ["BENCH_TEMPLATES"])
app.config.update(
    SECRET_KEY=(instance / "secret_key").read_text().strip(),
    SESSION_COOKIE_NAME="invider",
    SESSION_REFRESH_EACH_REQUEST=False,  # as the product: no new cookie on every page
    SQLALCHEMY_DATABASE_URI="sqlite:///" + str(instance / "invider.db"),
    BABEL_TRANSLATION_DIRECTORIES=os.environ["BENCH_TRANSLATIONS"],
)
db = SQLAlchemy(app)
CSRFProtect(app)
SPRITES = json.loads(Path("sprites.json").read_text())
HEADERS = json.loads(Path("headers.json").read_text())

with app.app_context():  # the deck, read once, as each worker of the product keeps it
    HUNT = db.session.execute(
        text("SELECT title, language, confidence, confidence_points, shuffle_choices FROM hunt")
    ).one()._asdict()
    INVIDERS = {
        r.code: {**r._asdict(), "choices": json.loads(r.choices)}
        for r in db.session.execute(
            text(
                "SELECT id, key, code, number, question, choices, points, shuffle_choices"
                " FROM invider"
            )
        )
    }
    db.session.remove()
    db.engine.dispose()  # no connection crosses gunicorn's fork

Babel(app, locale_selector=lambda: session.get("lang") or HUNT["language"])
app.jinja_env.globals.update(
    page_language=lambda: session.get("lang") or HUNT["language"],
    programme_news=lambda: {"messages": [], "stretch": None},
    sprite=lambda key: Markup(SPRITES[key]),
)

VISIT = text(
    "SELECT p.name, p.session_secret, a.id AS answer_id,"
    " coalesce((SELECT count FROM rate_count WHERE key = :key AND window = :window), 0)"
    " AS misses"
    " FROM player p LEFT JOIN answer a ON a.player_id = p.id AND a.invider_id = :invider"
    " WHERE p.id = :player"
)

play, board, privacy = Blueprint("play", __name__), Blueprint("board", __name__), Blueprint(
    "privacy", __name__
)
for bp, rule, name in [
    (play, "/", "home"), (play, "/me", "me"), (play, "/lang", "set_language"),
    (board, "/leaderboard", "leaderboard"), (privacy, "/privacy", "privacy"),
]:
    bp.add_url_rule(rule, name, lambda: "")


@play.get("/i/<code>")
def scan(code):
    invider = INVIDERS.get(code)
    player_id, secret = session.get("player_id"), session.get("player_secret")
    if invider is None or not isinstance(player_id, int):
        abort(404)
    row = db.session.execute(
        VISIT,
        {"player": player_id, "invider": invider["id"],
         "key": f"miss:p:{player_id}", "window": int(time.time() // 300)},
    ).first()
    if row is None or not secrets.compare_digest(row.session_secret, secret or ""):
        abort(403)
    if row.misses >= 10 or row.answer_id is not None:
        abort(409)
    g.player_name = row.name
    choices = invider["choices"]
    own = invider["shuffle_choices"]
    if HUNT["shuffle_choices"] if own is None else own:  # each player's own order
        choices = sorted(choices, key=lambda c: hashlib.sha256(
            f"{player_id}\\0{code}\\0{c}".encode()).digest())
    return render_template(
        "play/question.html", hunt=HUNT, invider=invider, choices=choices,
        total=len(INVIDERS), found=True,
    )


play.add_url_rule("/i/<code>", "answer", scan, methods=["POST"])
for bp in (play, board, privacy):
    app.register_blueprint(bp)


@app.context_processor
def page_context():
    return {"player_name": g.get("player_name"), "return_path": request.path}


@app.after_request
def security_headers(response):
    response.headers.extend(HEADERS.items())
    response.headers["Cache-Control"] = "no-store"
    return response
"""


# The settings of ``invider serve`` (invider/serving.py), copied, not imported: the
# worker class and its keep-alive (a gevent worker keeps a connection open between
# requests, a sync worker pays a new connection for each), and the logging: every line
# timestamped, and an access log line per request, which is part of what each request
# costs. tests/test_benchmarks.py checks that the copy matches the product. The product's
# own logger class (invider.serving.AccessLog, which writes the same line with less work)
# is product code and is not copied: a plain Flask app logs with gunicorn's own.
GUNICORN_SETTINGS = """\
worker_class = "gevent"
worker_connections = 1000
keepalive = 5
_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"
_DATE = "[%Y-%m-%d %H:%M:%S %z]"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "stamped": {"format": _FORMAT, "datefmt": _DATE},
        "access": {"format": "%(asctime)s %(message)s", "datefmt": _DATE},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "stamped",
                   "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "access",
                   "stream": "ext://sys.stdout"},
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
}
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
"""


class Reference:
    """A small Flask app (``source``) under the same gunicorn settings as ``invider serve``."""

    def __init__(
        self,
        workdir: Path,
        name: str,
        source: str,
        port: int,
        workers: int,
        env: dict | None = None,
        probe: str = "/",
    ):
        self.workdir, self.port, self.name, self.probe = workdir, port, name, probe
        self.workers = workers
        self.url = f"http://127.0.0.1:{self.port}"
        (workdir / f"{name}.py").write_text(source)
        (workdir / "reference_gunicorn.py").write_text(GUNICORN_SETTINGS)
        # Only the workdir on the path: nothing of the product can be imported by name.
        self.env = dict(os.environ, PYTHONPATH=str(workdir), **(env or {}))
        self.process: subprocess.Popen | None = None

    def start(self) -> Reference:
        """Start gunicorn and wait until the probe answers."""
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:reference_gunicorn",
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--access-logfile",
            "-",
            "--timeout",
            "30",
            "--graceful-timeout",
            "10",
            "--no-control-socket",
            f"{self.name}:app",
        ]
        with (self.workdir / f"{self.name}.log").open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.workdir,
                stdout=log,
                env=self.env,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        for _ in range(300):
            try:
                if requests.get(self.url + self.probe, timeout=5).ok:
                    return self
            except requests.RequestException:  # still starting
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not start")

    @property
    def session(self) -> int:
        """Return the session id of gunicorn and its workers (for their CPU time)."""
        return self.process.pid

    def stop(self) -> None:
        """Stop gunicorn and its workers."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def hello(workdir: Path, port: int, workers: int) -> Reference:
    """Return the hello world reference (not started)."""
    return Reference(workdir, "hello", HELLO_APP, port, workers)


def minimal(workdir: Path, database: Path, port: int, workers: int) -> Reference:
    """Return the minimal page reference on ``database`` (not started)."""
    (workdir / "templates").mkdir(exist_ok=True)
    (workdir / "templates" / "minimal.html").write_text(MINIMAL_TEMPLATE)
    env = {"BENCH_DB": str(database)}
    return Reference(workdir, "minimal", MINIMAL_APP, port, workers, env, "/1")


def plain_scan(workdir: Path, instance: Path, port: int, workers: int) -> Reference:
    """Return the scan done plainly on the product's ``instance`` (not started).

    The product's templates, catalog, sprites and security headers are handed over as
    files: the app itself imports nothing from ``invider``.
    """
    from invider.art.sprites import sprite_svg
    from invider.web.security import HEADERS

    package = Path(importlib.util.find_spec("invider").submodule_search_locations[0])
    workdir.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(instance / "invider.db") as database:
        keys = [key for (key,) in database.execute("SELECT key FROM invider")]
    (workdir / "sprites.json").write_text(json.dumps({key: sprite_svg(key) for key in keys}))
    (workdir / "headers.json").write_text(json.dumps(HEADERS))
    env = {
        "BENCH_INSTANCE": str(instance),
        "BENCH_TEMPLATES": str(package / "templates"),
        "BENCH_TRANSLATIONS": str(package / "translations"),
    }
    return Reference(workdir, "plain_scan", PLAIN_SCAN_APP, port, workers, env, "/privacy")
