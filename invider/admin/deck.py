"""Deck and posters from the control room: upload (TOML or spreadsheet), preview, apply;
printable downloads. The editor of single inviders is in ``deck_editor``.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import shutil
import time
from io import BytesIO
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.utils import secure_filename

from invider.admin import deck_editor  # noqa: F401  (registers the editor's views)
from invider.admin.access import actor, admin_required, bp
from invider.decks import toml_writer
from invider.decks.loading import load_deck, plan_deck
from invider.decks.reading import DeckError
from invider.decks.spreadsheet import SHEET_SUFFIXES, read_any_deck
from invider.hunt.moderation import audit
from invider.printing.deck import poster_deck
from invider.printing.posters import (
    STAMP,
    PosterError,
    printables_stamp,
    render_poster_png,
    render_printables,
)
from invider.store.database import begin_write
from invider.store.models import AuditEntry, Hunt, Invider, db
from invider.web.i18n import page_translations

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
DECK_SUFFIXES = (".toml", *SHEET_SUFFIXES)
STASH_HOURS = 2  # a preview left open longer is uploaded again
PRINTABLES = {
    "posters.pdf": "posters_pdf",
    "stickers.pdf": "stickers_pdf",
    "placement.pdf": "placement_pdf",
    "placement.csv": "placement_csv",
    "start-here.pdf": "start_here_pdf",
}


def stash_dir() -> Path:
    """Return the folder where uploaded decks wait for confirmation."""
    return Path(current_app.instance_path) / "deck-uploads"


def stash(data: bytes, filename: str) -> tuple[str, Path]:
    """Keep an uploaded deck under a random token until the organiser confirms it."""
    prune_stash()
    token = secrets.token_urlsafe(18)
    folder = stash_dir() / token
    folder.mkdir(parents=True)
    suffix = Path(filename).suffix.lower()
    name = secure_filename(filename)
    if not (suffix and name.lower().endswith(suffix)):
        name = f"deck{suffix or '.toml'}"  # a name made only of accents loses its letters
    path = folder / name
    path.write_bytes(data)
    return token, path


def prune_stash(max_age: float = STASH_HOURS * 3600) -> None:
    """Delete the uploads whose preview was left without Apply or Cancel."""
    folder = stash_dir()
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.is_dir() and time.time() - entry.stat().st_mtime > max_age:
            shutil.rmtree(entry, ignore_errors=True)


def unstash(path: Path) -> None:
    """Delete a stashed upload once applied, cancelled or refused."""
    if path.parent.parent == stash_dir():
        shutil.rmtree(path.parent, ignore_errors=True)


def stashed(token: str) -> Path | None:
    """Return the deck stashed under ``token``, or None."""
    if not TOKEN_RE.match(token or ""):
        return None
    files = sorted((stash_dir() / token).glob("*")) if (stash_dir() / token).is_dir() else []
    return files[0] if files else None


def deck_messages(error: DeckError, path: Path) -> list[str]:
    """Return the deck's problems in the page's language, naming the file, not its stash."""
    translate = page_translations().ugettext
    shown = []
    for problem in error.problems:
        if problem.where.file == str(path):
            where = dataclasses.replace(problem.where, file=path.name)
            problem = dataclasses.replace(problem, where=where)
        shown.append(problem.located(translate))
    return shown


def deck_files() -> list[Path]:
    """Return the decks in the deck folder, which the page offers to reload."""
    folder = Path(current_app.config["DECK_DIR"])
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in DECK_SUFFIXES)


def read_upload(path: Path):
    """Read a deck of any form; a .csv takes the loaded hunt's settings."""
    data = toml_writer.data_from_db()
    return read_any_deck(path, data["hunt"] if data else None)


def preview(path: Path, token: str | None):
    """Validate the deck at ``path`` and render what loading it would change."""
    try:
        deck = read_upload(path)
    except DeckError as e:
        unstash(path)  # a deck with errors is never applied: keep nothing of it
        return render_template(
            "admin/deck.html", errors=deck_messages(e, path), name=path.name, **deck_page()
        ), 400
    except BaseException:
        unstash(path)  # nor of one that failed to read
        raise
    plan = plan_deck(deck)
    db.session.rollback()
    return render_template(
        "admin/deck.html", plan=plan, deck=deck, token=token, name=path.name, **deck_page()
    )


def deck_page() -> dict:
    """Return what every rendering of the deck page shows."""
    inviders = db.session.execute(db.select(Invider).order_by(Invider.number)).scalars().all()
    recent = (
        db.session.execute(
            db.select(AuditEntry)
            .where(AuditEntry.action.like("deck.%"))
            .order_by(AuditEntry.id.desc())
            .limit(10)
        )
        .scalars()
        .all()
    )
    return {"hunt": Hunt.current(), "inviders": inviders, "files": deck_files(), "audit": recent}


@bp.get("/deck")
@admin_required
def deck():
    """Show the loaded deck, the upload form, and the printable downloads."""
    return render_template("admin/deck.html", **deck_page())


@bp.post("/deck/upload")
@admin_required
def deck_upload():
    """Validate an uploaded deck and preview its changes; nothing is loaded yet."""
    upload = request.files.get("deck")
    if upload is None or not upload.filename:
        flash(_("Choose a deck file (.toml, .xlsx or .csv) to upload."), "error")
        return redirect(url_for("admin.deck"))
    if Path(upload.filename).suffix.lower() not in DECK_SUFFIXES:
        flash(_("A deck is a .toml, .xlsx or .csv file."), "error")
        return redirect(url_for("admin.deck"))
    token, path = stash(upload.read(), upload.filename)
    return preview(path, token)


@bp.post("/deck/reload")
@admin_required
def deck_reload():
    """Validate a deck from the deck folder and preview its changes."""
    chosen = request.form.get("file", "")
    path = next((p for p in deck_files() if p.name == chosen), None)
    if path is None:
        flash(_("That deck file is not in the deck folder."), "error")
        return redirect(url_for("admin.deck"))
    token, copy = stash(path.read_bytes(), path.name)
    return preview(copy, token)


@bp.post("/deck/apply")
@admin_required
def deck_apply():
    """Load the previewed deck, keeping every poster code and answer."""
    token = request.form.get("token", "")
    path = stashed(token)
    if path is None:
        flash(_("That preview has expired; upload the deck again."), "error")
        return redirect(url_for("admin.deck"))
    try:
        plan = load_deck(read_upload(path))
    except DeckError as e:
        return render_template(
            "admin/deck.html", errors=deck_messages(e, path), name=path.name, **deck_page()
        ), 400
    finally:
        unstash(path)
    # load_deck committed the deck; the audit entry follows in its own transaction.
    begin_write()
    audit(actor(), "deck.load", f"{path.name}: {plan.summary()}")
    db.session.commit()
    flash(
        _("Deck loaded: %(summary)s. Print the posters of new inviders.", summary=plan.summary()),
        "ok",
    )
    return redirect(url_for("admin.deck"))


@bp.post("/deck/cancel")
@admin_required
def deck_cancel():
    """Drop a previewed upload without loading it."""
    path = stashed(request.form.get("token", ""))
    if path is not None:
        unstash(path)
    flash(_("Nothing was loaded."), "ok")
    return redirect(url_for("admin.deck"))


def public_url() -> str:
    """Return the address printed in QR codes: the configured one, else this page's host."""
    return (current_app.config.get("PUBLIC_URL") or request.url_root).rstrip("/")


def off_the_event_loop(function, *args, **kwargs):
    """Run seconds of drawing in a real thread when the worker is an event loop (gevent).

    The worker's other connections, and its heartbeat to gunicorn, go on meanwhile;
    elsewhere (tests, the development server) the function simply runs.
    """
    try:
        from gevent import get_hub, monkey
    except ImportError:
        return function(*args, **kwargs)
    if not monkey.is_module_patched("socket"):
        return function(*args, **kwargs)
    return get_hub().threadpool.apply(function, args, kwargs)


def printables_dir(mono: bool = False) -> Path:
    """Return the folder of rendered printables for the current deck and address.

    Files are rendered on first download and reused until the deck or the address
    changes: rendering is a cache, not a change of state. The folder is made absolute
    here, from the working folder as the command line does: ``send_file`` would resolve
    a relative one against the installed package.
    """
    deck = poster_deck()
    if deck is None or not deck.items:
        abort(404)
    out = Path(current_app.config["PRINTABLES_DIR"]).resolve()
    out = out / "mono" if mono else out
    marker = out / STAMP
    if not marker.is_file() or marker.read_text() != printables_stamp(
        deck, public_url(), mono=mono
    ):
        off_the_event_loop(render_printables, deck, out, public_url(), mono=mono)
    return out


@bp.get("/posters/<name>")
@admin_required
def printable(name: str):
    """Download posters.pdf, the sticker sheet, the placement sheet or the start poster.

    ``?ink=mono`` gives the black and white pages.
    """
    if name not in PRINTABLES:
        abort(404)
    mono = request.args.get("ink") == "mono"
    try:
        folder = printables_dir(mono)
    except PosterError as e:
        flash(_("Posters could not be rendered: %(error)s", error=str(e)), "error")
        return redirect(url_for("admin.deck"))
    download = name.replace(".", "-mono.", 1) if mono else name
    return send_file(folder / name, as_attachment=True, download_name=download)


@bp.get("/posters/poster/<key>.png")
@admin_required
def poster_png(key: str):
    """Download the poster of one invider as a PNG, to reprint a torn one."""
    deck = poster_deck()
    item = next((i for i in deck.items if i.key == key), None) if deck else None
    if item is None:
        abort(404)
    mono = request.args.get("ink") == "mono"
    png = off_the_event_loop(render_poster_png, deck, item, public_url(), mono=mono)
    name = f"{item.number:02d}-{item.key}{'-mono' if mono else ''}.png"
    return send_file(BytesIO(png), mimetype="image/png", as_attachment=True, download_name=name)
