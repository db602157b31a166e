"""Thin click commands over the plain functions of the other modules.

A command imports what it uses when it runs, and the app is created only then: listing
the commands (``invider --help``) imports click alone.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from flask import Flask


def register_commands(app: Flask) -> None:
    """Attach the invider commands to ``app.cli`` (so ``flask --app invider`` has them)."""
    for command in COMMANDS.values():
        app.cli.add_command(command)


def create_app_or_exit():
    """Create the app; when a database or Redis driver is missing, say what to install, exit 2."""
    from invider import create_app
    from invider.store.database import MissingDriver

    try:
        return create_app()
    except MissingDriver as error:
        # A configuration problem, not a bug: one line, no traceback.
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)


def with_appcontext(command):
    """Run ``command`` inside the app's context, creating the app first if need be.

    Under ``flask --app invider`` Flask's script info creates it; under ``invider``,
    the factory does.
    """

    @click.pass_context
    @functools.wraps(command)
    def run(ctx: click.Context, /, *args, **kwargs):
        from flask import current_app
        from flask.cli import ScriptInfo

        if not current_app:
            info = ctx.find_object(ScriptInfo)
            if info is None:
                info = ScriptInfo(create_app=create_app_or_exit, set_debug_flag=False)
            ctx.with_resource(info.load_app().app_context())
        return ctx.invoke(command, *args, **kwargs)

    return run


def with_drawing_process(command):
    """Open a second process to draw in before the app is created, and pass it as ``helper``.

    Forked from a process that has loaded click and the printing code only, it loads the
    PDF library while this one loads the app and its database layers.
    """

    @click.pass_context
    @functools.wraps(command)
    def run(ctx: click.Context, /, *args, **kwargs):
        from invider.printing.posters import drawing_process

        helper = ctx.with_resource(drawing_process(os.cpu_count() or 1))
        return ctx.invoke(command, *args, helper=helper, **kwargs)

    return run


def fail(messages: list[str] | str) -> None:
    """Print ``messages`` to stderr and exit with status 2."""
    for message in [messages] if isinstance(messages, str) else messages:
        click.echo(message, err=True)
    sys.exit(2)


@click.command("load")
@click.argument("deck", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Validate only; write nothing.")
@with_appcontext
def load_command(deck: Path, check: bool) -> None:
    """Validate a deck (.toml, .xlsx or .csv) and upsert it into the database."""
    from invider.decks.loading import load_deck
    from invider.decks.reading import DeckError
    from invider.decks.spreadsheet import read_any_deck
    from invider.store.schema import create_schema

    try:
        parsed = read_any_deck(deck, loaded_hunt(deck))
        if check:
            click.echo(f"{deck}: ok, {len(parsed.inviders)} inviders")
            return
        create_schema()
        plan = load_deck(parsed)
    except DeckError as e:
        fail(e.messages)
    click.echo(f"{deck}: loaded {len(parsed.inviders)} inviders ({plan.summary()})")


def loaded_hunt(deck: Path) -> dict | None:
    """Return the loaded hunt's settings for a .csv deck, which holds only the inviders."""
    from invider.decks.toml_writer import data_from_db
    from invider.store.schema import create_schema

    if deck.suffix.lower() != ".csv":
        return None
    create_schema()
    data = data_from_db()
    return data["hunt"] if data else None


@click.command("export-deck")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_deck_command(file: Path) -> None:
    """Write the loaded deck as FILE.xlsx (a spreadsheet) or FILE.toml."""
    from invider.decks.toml_writer import data_from_db, dumps
    from invider.decks.workbook import workbook_bytes
    from invider.store.schema import create_schema

    if file.suffix.lower() not in (".xlsx", ".toml"):
        fail(f"Error: {file}: name a .xlsx or a .toml file")
    create_schema()
    data = data_from_db()
    if data is None:
        fail("No deck loaded yet: run `invider load DECK` first.")
    try:
        if file.suffix.lower() == ".xlsx":
            file.write_bytes(workbook_bytes(data))
        else:
            file.write_text(dumps(data), encoding="utf-8")
    except OSError as e:
        fail(f"Error: cannot write {file}: {e.strerror}")
    click.echo(f"Wrote {file}: {len(data['invider'])} inviders")


@click.command("posters")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: printables/).",
)
@click.option("--public-url", default=None, help="Address printed in the QR codes.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4")
@click.option("--allow-local", is_flag=True, help="Accept an address phones cannot reach.")
@click.option("--mono", is_flag=True, help="Black and white pages, for printers without colour.")
@with_drawing_process
@with_appcontext
def posters_command(
    out: Path | None, public_url: str | None, paper: str, allow_local: bool, mono: bool, helper
) -> None:
    """Render posters.pdf, placement.pdf and one PNG per poster."""
    from flask import current_app

    from invider.printing.deck import poster_deck
    from invider.printing.posters import PosterError, check_public_url, render_printables
    from invider.store.schema import create_schema

    create_schema()
    try:
        url = check_public_url(
            public_url or current_app.config["PUBLIC_URL"], allow_local=allow_local
        )
        deck = poster_deck()
        if deck is None:
            fail("No deck loaded yet: run `invider load questions/DECK.toml` first.")
        out = out or Path(current_app.config["PRINTABLES_DIR"])
        printed = render_printables(deck, out, url, paper=paper, mono=mono, helper=helper)
    except PosterError as e:
        fail(f"Error: {e}")
    click.echo(
        f"Wrote {len(deck.items)} posters for {url} into {printed.out_dir}/: posters.pdf, "
        "stickers.pdf, start-here.pdf, placement.pdf, placement.csv, png/"
    )


@click.command("export")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write: .xlsx for an Excel workbook, else CSV (default: CSV on standard output).",
)
@with_appcontext
def export_command(out: Path | None) -> None:
    """Write the results as CSV (UTF-8 with BOM) or, to a .xlsx file, as an Excel workbook."""
    from invider.admin.exports import results_csv, results_xlsx
    from invider.store.schema import create_schema

    create_schema()
    if out is None:
        click.echo(results_csv(), nl=False)
        return
    try:
        if out.suffix.lower() == ".xlsx":
            out.write_bytes(results_xlsx())
        else:
            out.write_text(results_csv(), encoding="utf-8", newline="")  # keep the \r\n
    except OSError as e:
        fail(f"Error: cannot write {out}: {e.strerror}")
    click.echo(f"Wrote {out}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Copy the live SQLite database into FILE, consistently, while it serves."""
    from flask import current_app

    from invider.store.backup import BackupError, backup_database

    try:
        backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], file)
    except BackupError as e:
        fail(f"Error: {e}")
    click.echo(f"Backed up the database into {file} (integrity check ok)")


@click.command("retention")
@click.option("--now", "force", is_flag=True, help="Apply it now, before its date.")
@with_appcontext
def retention_command(force: bool) -> None:
    """Anonymise names and delete per-person data once the retention date has passed."""
    from invider.hunt.discretion import privacy_floor
    from invider.learning.retention import apply_retention, retention_date
    from invider.store.models import Hunt
    from invider.store.schema import create_schema

    create_schema()  # a folder never served: nothing to retain, and no traceback
    when = retention_date(Hunt.current())
    if apply_retention(privacy_floor(), "command line", force=force):
        click.echo("names anonymised; resume secrets, confidence and echo answers deleted")
    elif when is None:
        click.echo("no retention date: needs closes_at and retention_days (30 when discreet)")
    else:
        stamp = when.isoformat(timespec="minutes")
        click.echo(f"nothing to do: retention date {stamp}, done or not yet due")


def run_due_retention() -> bool:
    """Apply the retention job if its date has passed (at server start)."""
    from invider.hunt.discretion import privacy_floor
    from invider.learning.retention import apply_retention

    return apply_retention(privacy_floor(), "serve")


@click.command("anonymise")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def anonymise_command(yes: bool) -> None:
    """Replace every display name with "Player 123", keeping every figure."""
    from invider.hunt.moderation import anonymise_players
    from invider.store.models import Hunt
    from invider.store.schema import create_schema

    create_schema()
    hunt = Hunt.current()
    if not yes and sys.stdin.isatty():
        click.confirm("Replace every player name for good?", abort=True)
    count = anonymise_players("command line", hunt.language if hunt else "en")
    click.echo(f"{count} players anonymised")


@click.command("serve")
@click.option("--host", default="0.0.0.0", help="Address to listen on.")
@click.option("--port", default=8000, type=int)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Worker processes (default: 2 per core, at least 2).",
)
@click.option(
    "--render-posters",
    is_flag=True,
    help="Render the posters again, for the address this server answers on.",
)
@with_appcontext
def serve_command(host: str, port: int, workers: int | None, render_posters: bool) -> None:
    """Prepare the database, deck, password and posters, then serve with gunicorn."""
    from flask import current_app

    from invider.admin import ensure_admin_password
    from invider.serving import StartupError, prepare_database, served_addresses
    from invider.store.models import db

    app = current_app
    try:
        loaded = prepare_database(Path(app.config["DECK_DIR"]))
        password = ensure_admin_password()
    except StartupError as e:
        fail(e.messages)
    except ValueError as e:
        fail(f"Error: {e}")
    if loaded:
        click.echo(loaded)
    if run_due_retention():
        click.echo("Retention date passed: names anonymised, per-person data deleted")
    # Shown as soon as it exists: nothing after this may lose it.
    if password:
        click.echo(f"Admin password (shown once, keep it): {password}")
    elif app.config.get("ADMIN_PASSWORD"):
        click.echo("Admin password: the one set in INVIDER_ADMIN_PASSWORD")
    else:
        click.echo("Admin password: unchanged since the first start")

    addresses = served_addresses(host, port, app.config["PUBLIC_URL"])
    for note in addresses.notes:
        click.echo(note)
    public_url = addresses.public_url
    show_posters(Path(app.config["PRINTABLES_DIR"]), public_url, render_posters)
    db.session.remove()
    # No connection may outlive the fork: every worker opens its own.
    db.engine.dispose()

    click.echo(f"Listening:   {', '.join(addresses.listening)}")
    click.echo(f"Players:     {public_url}/")
    click.echo(f"Leaderboard: {public_url}/leaderboard")
    click.echo(f"Big screen:  {public_url}/screen")
    click.echo(f"Organisers:  {public_url}/admin/")
    if app.config.get("OIDC_ENABLED"):
        # What the organiser registers at the identity provider, exactly.
        click.echo(
            f"Sign-in:     {app.config['OIDC_ISSUER']} (redirect URI "
            f"{public_url}/signin/callback, after logout {public_url}/)"
        )
    sys.stdout.flush()

    workers = workers or max(2, min(8, 2 * (os.cpu_count() or 1)))
    env = dict(
        os.environ,
        INVIDER_INSTANCE=app.instance_path,
        INVIDER_PUBLIC_URL=public_url,
        # Read by gunicorn's master, which runs the retention schedule (invider.serving).
        INVIDER_RETENTION_CHECK_MINUTES=str(app.config["RETENTION_CHECK_MINUTES"]),
    )
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:invider.serving",
        "--workers",
        str(workers),
        "--bind",
        f"{host}:{port}",
        "--access-logfile",
        "-",
        "--timeout",
        "30",
        "--graceful-timeout",
        "10",
        "--no-control-socket",
        "invider:create_app()",
    ]
    os.execvpe(sys.executable, args, env)


def show_posters(out: Path, public_url: str, render: bool) -> None:
    """Render the posters when there are none (or when asked); else say what they carry.

    Posters made with ``invider posters --public-url`` are never replaced silently.
    """
    from invider.printing.deck import poster_deck
    from invider.printing.posters import (
        PosterError,
        check_public_url,
        drawing_process,
        render_printables,
    )
    from invider.serving import poster_address, same_address

    existing = poster_address(out)
    if existing is not None and not render:
        if same_address(existing, public_url):
            click.echo(f"Posters: {out}/posters.pdf (for {existing})")
        else:
            click.echo(
                f"Warning: the posters in {out}/ carry {existing}, but this server "
                f"answers on {public_url}: phones scanning them will not reach it. "
                "Render them again with `invider serve --render-posters` or "
                "`invider posters --public-url URL`."
            )
        return
    try:
        url = check_public_url(public_url)
        with drawing_process(os.cpu_count() or 1) as helper:
            render_printables(poster_deck(), out, url, helper=helper)
        click.echo(f"Posters: {out}/posters.pdf (for {public_url})")
    except PosterError as e:
        click.echo(f"Posters not rendered: {e}")


#: The commands of ``invider`` and of ``flask --app invider``, by name.
COMMANDS = {
    command.name: command
    for command in (
        load_command,
        export_deck_command,
        posters_command,
        serve_command,
        export_command,
        backup_command,
        anonymise_command,
        retention_command,
    )
}
