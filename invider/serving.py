"""What ``invider serve`` does before gunicorn takes over, and gunicorn's settings.

Gunicorn reads this module as its configuration (``--config python:invider.serving``):
only the names of its settings (``worker_class``, ``keepalive``, ``post_worker_init``,
``logconfig_dict``, ``access_log_format`` ...) and of its server hooks (``when_ready``) are
read.
"""

from __future__ import annotations

import csv
import ipaddress
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from gunicorn.glogging import Logger
from sqlalchemy.exc import IntegrityError

from invider.decks.loading import load_deck
from invider.decks.reading import DeckError, read_deck
from invider.store.models import Hunt, db
from invider.store.schema import startup_lock, upgrade_schema


class StartupError(Exception):
    """A server that cannot start, with the messages saying why."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def find_deck(folder: Path) -> Path | None:
    """Return the one deck in ``folder``, None without one; StartupError if several."""
    decks = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    if len(decks) > 1:
        raise StartupError(
            [f"Several decks in {folder}/: load one with `invider load {decks[0]}`."]
        )
    return decks[0] if decks else None


def has_hunt() -> bool:
    """Tell whether a deck was loaded into this database."""
    found = db.session.execute(db.select(Hunt.id).limit(1)).first() is not None
    db.session.rollback()
    return found


def prepare_database(deck_dir: Path) -> str | None:
    """Migrate the database and load the deck of ``deck_dir`` if it has no hunt yet.

    Servers started together take turns (``startup_lock``), and each checks for a
    hunt only once it holds the lock, so exactly one loads the deck and the others
    use its hunt. Returns a line saying what was loaded, or None.
    """
    with startup_lock():
        upgrade_schema()
        if has_hunt():
            return None
        deck = find_deck(deck_dir)
        if deck is None:
            raise StartupError([f"No deck: put one in {deck_dir}/ or run `invider load DECK`."])
        try:
            plan = load_deck(read_deck(deck))
        except DeckError as e:
            raise StartupError(e.messages) from None
        except IntegrityError:
            # A server that does not take the lock (an older release) won the race:
            # the database allows one hunt, so use that one.
            db.session.rollback()
            if has_hunt():
                return None
            raise
        return f"Loaded {deck} ({plan.summary()})"


def lan_address() -> str:
    """Return this machine's address on the local network, or 127.0.0.1 without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # no packet is sent for UDP connect
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """Tell whether ``host`` is an address only this machine can reach."""
    ip = _ip(host)
    return host == "localhost" or (ip is not None and ip.is_loopback)


def url_host(host: str) -> str:
    """Return ``host`` as written in a URL (IPv6 in brackets)."""
    ip = _ip(host)
    return f"[{ip}]" if ip is not None and ip.version == 6 else host


@dataclass
class Addresses:
    """Where this server answers, and the address phones and posters should use."""

    public_url: str
    listening: list[str]
    notes: list[str] = field(default_factory=list)


def served_addresses(host: str, port: int, public_url: str | None) -> Addresses:
    """Work out the addresses to print: only ones this server actually answers on.

    ``public_url`` is INVIDER_PUBLIC_URL (the address the operator says phones use,
    a reverse proxy perhaps); without it, the address comes from ``host``.
    """
    notes = []
    wildcard = _ip(host) is not None and _ip(host).is_unspecified
    if wildcard:
        lan = lan_address()
        listening = [f"http://127.0.0.1:{port}"]
        if lan != "127.0.0.1":
            listening.append(f"http://{lan}:{port}")
        guessed = listening[-1]
        if lan == "127.0.0.1":
            notes.append("No network found: only this machine can reach the server.")
    else:
        guessed = f"http://{url_host(host)}:{port}"
        listening = [guessed]
        if is_loopback(host):
            notes.append(
                f"Listening on {host} only: phones cannot reach this server"
                + (
                    f" except through a reverse proxy at {public_url}."
                    if public_url
                    else ". Use --host 0.0.0.0 to serve the office network."
                )
            )
    if public_url:
        return Addresses(public_url.rstrip("/"), listening, notes)
    if wildcard and len(listening) > 1:
        notes.append(f"INVIDER_PUBLIC_URL is not set: using this machine's LAN address {guessed}")
    return Addresses(guessed, listening, notes)


def poster_address(out_dir: Path) -> str | None:
    """Return the address the posters in ``out_dir`` carry, or None when there are none.

    It is read from ``placement.csv``, written with the posters, whose ``url`` column
    holds each poster's full address.
    """
    if not (out_dir / "posters.pdf").is_file():
        return None
    try:
        with open(out_dir / "placement.csv", encoding="utf-8-sig", newline="") as file:
            for row in csv.DictReader(file):
                url = row.get("url") or ""
                path = urlsplit(url).path
                if "/i/" in path:
                    return url[: url.rindex("/i/")]
    except (OSError, csv.Error, UnicodeDecodeError):
        pass
    return "an unknown address"


def same_address(a: str, b: str) -> bool:
    """Tell whether two base URLs name the same place (case and trailing slash aside)."""
    return a.rstrip("/").lower() == b.rstrip("/").lower()


# Slow connections. A sync worker reads each request itself, so eight connections
# trickling their headers held every worker until gunicorn killed them all. A gevent
# worker reads every connection in a greenlet of its own: a slow one costs a socket and
# a little memory, never a worker. Headers must arrive whole within HEADER_TIMEOUT
# seconds (gevent's worker applies ``keepalive`` to every request's headers), and
# ``read_body_first`` reads a POST body whole, within BODY_TIMEOUT seconds, before Flask
# sees the request: a trickling body never holds a database connection or a lock.
HEADER_TIMEOUT = 5
BODY_TIMEOUT = 20
#: Open connections per worker; 4 workers hold 4,000 before new ones queue.
CONNECTIONS = 1000
#: Requests a worker runs through Flask at once, their bodies read. A request may hold
#: two database connections (its session, and a rate-limit count committed on its own):
#: 7 x 2 stays within SQLAlchemy's pool of 15, so requests never wait for each other's
#: connections (more at once deadlocked the pool). Slow clients never take a place.
ACTIVE = 7


class BodyTooSlow(Exception):
    """A request body that did not arrive within BODY_TIMEOUT seconds."""


def _read_all(stream, length: int, deadline: float) -> bytes:
    import gevent

    chunks, left = [], length
    with gevent.Timeout(max(0.0, deadline - time.monotonic()), BodyTooSlow):
        while left > 0:
            chunk = stream.read(min(left, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    return b"".join(chunks)


def read_body_first(app, limit: int, timeout: float = BODY_TIMEOUT):
    """Wrap a WSGI app so that it sees only requests whose body has arrived whole,
    at most ACTIVE at once, each after the worker's other connections had their turn.

    A body longer than ``limit`` (Flask's MAX_CONTENT_LENGTH) is left to Flask, which
    refuses it with 413 without reading it; one that takes longer than ``timeout``
    gets 408 and the connection is closed.
    """

    gate = []  # made in the worker, once gevent has patched it

    def buffered(environ, start_response):
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked:
            length = limit + 1  # read to the end, or one byte past the limit
        if 0 < length <= limit + chunked:
            try:
                body = _read_all(environ["wsgi.input"], length, time.monotonic() + timeout)
            except BodyTooSlow:
                start_response(
                    "408 Request Timeout",
                    [("Content-Type", "text/plain; charset=utf-8"), ("Connection", "close")],
                )
                return [b"The request took too long to arrive.\n"]
            if len(body) > limit:
                start_response("413 Payload Too Large", [("Connection", "close")])
                return [b"The request is too large.\n"]
            environ["wsgi.input"] = BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        if not gate:
            from gevent.lock import BoundedSemaphore

            gate.append(BoundedSemaphore(ACTIVE))
        # A connection whose next request has already arrived is served without a switch
        # to gevent's hub, so under steady load a few connections kept a worker for
        # seconds while its others waited. Each request first lets the others run
        # (gevent's sleep, in the workers: a switch to the hub).
        time.sleep(0)
        # Held while Flask runs the request (its teardown returns the connections), not
        # while a slow phone reads the response.
        with gate[0]:
            return app(environ, start_response)

    return buffered


def post_worker_init(worker) -> None:
    """Gunicorn hook: read request bodies whole before the app, in every worker."""
    limit = int(getattr(worker.wsgi, "config", {}).get("MAX_CONTENT_LENGTH") or 1024 * 1024)
    worker.wsgi = read_body_first(worker.wsgi, limit)


worker_class = "gevent"
worker_connections = CONNECTIONS
keepalive = HEADER_TIMEOUT

#: A resume link's token in a path: it logs a player in, so no log may hold it.
_TOKEN_PATH = re.compile(r"(/resume/)[^\s/?\"]+")


def redact(text: str) -> str:
    """Return ``text`` with every resume token replaced by an ellipsis."""
    return _TOKEN_PATH.sub(r"\1…", text)


class RedactTokens(logging.Filter):
    """A log filter that removes resume tokens from every line (access and errors)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message without tokens; keep every record.

        The message is kept formatted, so the handler's formatter does not format it again.
        """
        message = record.getMessage()
        record.msg, record.args = (redact(message) if "/resume/" in message else message), None
        return True


#: The atoms of gunicorn's access log format that AccessLog works out itself.
_ACCESS_ATOMS = frozenset("hrsbMfa")
_ATOM_NAME = re.compile(r"%\(([^)]*)\)")


class AccessLog(Logger):
    """Gunicorn's logger, working out only the atoms the access log format names.

    Gunicorn's own works out every atom it knows for each request (each request and
    response header and each environ entry among them) and escapes them all: a sixth of
    a worker's time on a JSON poll. The line written is the same; a format naming other
    atoms (``GUNICORN_CMD_ARGS="--access-logformat ..."``) gets gunicorn's own atoms.
    """

    def setup(self, cfg) -> None:
        super().setup(cfg)
        self.own_atoms = set(_ATOM_NAME.findall(cfg.access_log_format)) <= _ACCESS_ATOMS

    def atoms(self, resp, req, environ, request_time) -> dict:
        if not self.own_atoms:
            return super().atoms(resp, req, environ, request_time)
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        return {  # as gunicorn.glogging.Logger.atoms works each of them out
            "h": environ.get("REMOTE_ADDR", "-"),
            "r": f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}",
            "s": status,
            "b": str(sent) if sent is not None else "-",
            "M": request_time.seconds * 1000 + int(request_time.microseconds / 1000),
            "f": environ.get("HTTP_REFERER", "-"),
            "a": environ.get("HTTP_USER_AGENT", "-"),
        }


# Gunicorn settings (read by gunicorn from this module, see the module docstring).
# Every line gets a timestamp: gunicorn's, the access log's and the app's own loggers'.
_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"
_DATE = "[%Y-%m-%d %H:%M:%S %z]"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "stamped": {"format": _FORMAT, "datefmt": _DATE},
        "access": {"format": "%(asctime)s %(message)s", "datefmt": _DATE},
    },
    "filters": {"tokens": {"()": RedactTokens}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "stamped",
            "stream": "ext://sys.stderr",
            "filters": ["tokens"],
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "stream": "ext://sys.stdout",
            "filters": ["tokens"],
        },
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
}
# The default format without its own time (the line starts with one) and with the duration.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
logger_class = AccessLog


def when_ready(server) -> None:
    """Start the retention schedule in gunicorn's master process (a gunicorn server hook).

    The retention job never runs on a page view: a running server applies it within
    ``RETENTION_CHECK_MINUTES`` of its date, as ``invider serve`` does at start.
    """
    minutes = float(os.environ.get("INVIDER_RETENTION_CHECK_MINUTES") or 60)
    if minutes > 0:
        threading.Thread(
            target=retention_schedule, args=(minutes * 60, server.log), daemon=True
        ).start()


def retention_schedule(period: float, log) -> None:
    """Run ``invider retention`` every ``period`` seconds, each time in a process of its own.

    A process of its own keeps the master free of database connections, which every
    worker forked later would otherwise share. The command does nothing before the date
    and once it has run, and several servers running it at once apply it once.
    """
    while True:
        time.sleep(period)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "invider", "retention"],
                capture_output=True,
                text=True,
                timeout=max(60.0, period),
            )
        except subprocess.TimeoutExpired:
            log.error("retention check: no answer within %.0f s", max(60.0, period))
            continue
        if done.returncode != 0:
            log.error("retention check failed: %s", (done.stderr or done.stdout).strip())
        elif not done.stdout.startswith(("nothing to do", "no retention date")):
            log.info("retention: %s", done.stdout.strip())
