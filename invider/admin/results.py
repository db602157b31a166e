"""Results from the control room: CSV exports, the report, anonymise, backup and reset."""

from __future__ import annotations

import tempfile
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

from invider.admin.access import actor, admin_required, bp
from invider.admin.backups import backup_before_reset
from invider.admin.exports import XLSX_TYPE, inviders_csv, results_csv, results_xlsx, topics_csv
from invider.admin.report import results_report
from invider.hunt.discretion import is_discreet, privacy_floor
from invider.hunt.moderation import anonymise_players, reset_hunt
from invider.hunt.schedule import echo_rounds
from invider.learning.topics import learning_figures
from invider.store.backup import BackupError, backup_database, timestamped_name
from invider.store.models import Hunt, utcnow


def download(data: bytes, name: str, suffix: str, mimetype: str):
    """Return ``data`` as a file to save, named after the export and the time."""
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return current_app.response_class(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}-{stamp}.{suffix}"',
            "Cache-Control": "no-store",
        },
    )


def csv_response(text: str, name: str):
    """Return CSV text as a download."""
    return download(text.encode("utf-8"), name, "csv", "text/csv")


def backups_dir() -> Path:
    """Return the folder of automatic backups (taken before a reset)."""
    return Path(current_app.instance_path) / "backups"


@bp.get("/results")
@admin_required
def results():
    """Offer the exports, the report, and the end-of-hunt actions."""
    return render_template("admin/results.html", hunt=Hunt.current(), floor=privacy_floor())


@bp.get("/results/players.csv")
@admin_required
def players_csv():
    """Download the players' results as CSV (UTF-8 with BOM, formulas neutralised)."""
    if is_discreet(Hunt.current()):
        abort(403, description=_("Discreet standings: no per-person results leave the server."))
    return csv_response(results_csv(), "players")


@bp.get("/results/players.xlsx")
@admin_required
def players_xlsx():
    """Download the results as an Excel workbook (players and inviders; names as text)."""
    return download(results_xlsx(), "results", "xlsx", XLSX_TYPE)


@bp.get("/results/inviders.csv")
@admin_required
def inviders_csv_view():
    """Download every invider's answers and share of right answers as CSV."""
    return csv_response(inviders_csv(), "inviders")


@bp.get("/results/report")
@admin_required
def report():
    """Show the one-page results report for leadership, ready to print."""
    floor = privacy_floor()
    return render_template(
        "admin/report.html",
        hunt=Hunt.current(),
        report=results_report(floor),
        learning=learning_figures(floor),
        rounds=echo_rounds(Hunt.current()),
        now=utcnow(),
    )


@bp.get("/results/topics.csv")
@admin_required
def topics_csv_view():
    """Download the learning figures per topic as CSV: groups only, never a person."""
    return csv_response(topics_csv(privacy_floor()), "topics")


@bp.post("/anonymise")
@admin_required
def anonymise():
    """Replace every display name with "Player 123", keeping every figure."""
    hunt = Hunt.current()
    if request.form.get("confirm", "").strip().casefold() != "anonymise":
        flash(_("Type ANONYMISE to confirm."), "error")
        return redirect(url_for("admin.results"))
    count = anonymise_players(actor(), hunt.language if hunt else "en")
    flash(_("%(count)d player names were anonymised.", count=count), "ok")
    # Older backups still hold the names: the backups page says which, and deletes them.
    return redirect(url_for("admin.backups"))


@bp.post("/backup")
@admin_required
def backup():
    """Download a consistent copy of the live database."""
    name = timestamped_name("invider")
    with tempfile.TemporaryDirectory(prefix="invider-backup-") as folder:
        try:
            path = backup_database(
                current_app.config["SQLALCHEMY_DATABASE_URI"], Path(folder) / name
            )
        except BackupError as e:
            flash(_("No backup: %(error)s", error=str(e)), "error")
            return redirect(url_for("admin.results"))
        data = path.read_bytes()
    return send_file(
        BytesIO(data), as_attachment=True, download_name=name, mimetype="application/vnd.sqlite3"
    )


@bp.post("/reset")
@admin_required
def reset():
    """Delete every player and answer after a backup; the deck and poster codes stay."""
    hunt = Hunt.current()
    typed = " ".join(request.form.get("title", "").split())
    if hunt is None or typed != " ".join(hunt.title.split()):
        flash(_("Type the hunt title exactly to reset the hunt."), "error")
        return redirect(url_for("admin.results"))
    try:
        path = backup_before_reset()
    except BackupError as e:
        flash(
            _("The hunt was not reset, since no backup could be taken: %(error)s", error=str(e)),
            "error",
        )
        return redirect(url_for("admin.results"))
    count = reset_hunt(actor(), str(path))
    flash(
        _(
            "The hunt was reset: %(count)d players removed. Backup: %(path)s",
            count=count,
            path=str(path),
        ),
        "ok",
    )
    return redirect(url_for("admin.results"))
