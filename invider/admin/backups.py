"""The backups folder from the control room: which copies still hold names, and deleting them."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from invider.admin.access import actor, admin_required, bp
from invider.hunt.moderation import audit
from invider.store.backup import backup_files
from invider.store.database import begin_write
from invider.store.models import Answer, Hunt, Player, db


def backups_dir() -> Path:
    """Return the folder of automatic backups (taken before a reset)."""
    return Path(current_app.instance_path) / "backups"


@bp.get("/backups")
@admin_required
def backups():
    """List the backups kept on this machine, marking those that still hold names."""
    files = backup_files(backups_dir())
    return render_template(
        "admin/backups.html",
        hunt=Hunt.current(),
        files=files,
        with_names=[f for f in files if f.holds_names],
        folder=backups_dir(),
    )


@bp.post("/backups/delete")
@admin_required
def delete_backups():
    """Delete every backup that still holds players' names, after confirmation."""
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm."), "error")
        return redirect(url_for("admin.backups"))
    deleted = []
    for backup in backup_files(backups_dir()):
        if backup.holds_names:
            backup.path.unlink(missing_ok=True)
            deleted.append(backup.path.name)
    begin_write()
    audit(actor(), "backups.delete", ", ".join(deleted) or "none")
    db.session.commit()
    flash(_("%(count)d backup file(s) holding names were deleted.", count=len(deleted)), "ok")
    return redirect(url_for("admin.backups"))


def backup_before_reset() -> Path:
    """Keep what a reset deletes in the backups folder; raise BackupError when impossible."""
    from invider.store.backup import backup_before_reset as keep

    return keep(
        current_app.config["SQLALCHEMY_DATABASE_URI"],
        backups_dir(),
        db.engine,
        [Player.__table__, Answer.__table__],
    )
