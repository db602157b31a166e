"""The clean references: a Flask hello world and a minimal Flask page, apps of their own.

They import nothing from ``invider`` (not even its gunicorn settings, whose import
would bring the product's engine listeners into the reference): their gunicorn
configuration is a copy of the product's settings, written beside them.
"""

from __future__ import annotations

import os
import signal
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

# The settings of ``invider serve`` (invider/serving.py), copied, not imported: the
# worker class and its keep-alive (a gevent worker keeps a connection open between
# requests, a sync worker pays a new connection for each), and the logging: every line
# timestamped, and an access log line per request, which is part of what each request
# costs. tests/test_benchmarks.py checks that the copy matches the product.
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
        log = (self.workdir / f"{self.name}.log").open("ab")
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
