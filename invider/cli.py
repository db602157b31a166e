"""Thin click commands over the plain functions of the other modules."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from invider.decks import DeckError, load_deck, poster_deck, read_deck
from invider.models import Hunt, close_thread_connections, create_schema, db


def register_commands(app: Flask) -> None:
    """Attach the invider commands to ``app.cli`` (so ``flask --app invider`` has them)."""
    for command in (load_command, posters_command, serve_command, export_command,
                    backup_command, anonymise_command):  # fmt: skip
        app.cli.add_command(command)


def main() -> None:
    """Run the ``invider`` console script."""
    from invider import create_app

    FlaskGroup(create_app=create_app, add_version_option=False,
               help="Invider: an office treasure hunt with QR posters.")()  # fmt: skip


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
    """Validate a deck and upsert it into the database."""
    try:
        parsed = read_deck(deck)
        if check:
            click.echo(f"{deck}: ok, {len(parsed.inviders)} inviders")
            return
        create_schema()
        plan = load_deck(parsed)
    except DeckError as e:
        fail(e.messages)
    click.echo(f"{deck}: loaded {len(parsed.inviders)} inviders ({plan.summary()})")


@click.command("posters")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: printables/).")
@click.option("--public-url", default=None, help="Address printed in the QR codes.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4")
@click.option("--allow-local", is_flag=True, help="Accept an address phones cannot reach.")
@with_appcontext
def posters_command(out: Path | None, public_url: str | None, paper: str,
                    allow_local: bool) -> None:  # fmt: skip
    """Render posters.pdf, placement.pdf and one PNG per poster."""
    from invider.posters import PosterError, check_public_url, render_printables

    create_schema()
    try:
        url = check_public_url(public_url or current_app.config["PUBLIC_URL"],
                               allow_local=allow_local)  # fmt: skip
        deck = poster_deck()
        if deck is None:
            fail("No deck loaded yet: run `invider load questions/DECK.toml` first.")
        out = out or Path(current_app.config["PRINTABLES_DIR"])
        printed = render_printables(deck, out, url, paper=paper)
    except PosterError as e:
        fail(f"Error: {e}")
    click.echo(f"Wrote {len(deck.items)} posters for {url} into {printed.out_dir}/: posters.pdf, "
               "stickers.pdf, start-here.pdf, placement.pdf, placement.csv, png/")


@click.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV file to write (default: standard output).")
@with_appcontext
def export_command(out: Path | None) -> None:
    """Write the results as CSV (UTF-8 with BOM, opens in Excel)."""
    from invider.exports import results_csv

    create_schema()
    text = results_csv()
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8", newline="")  # keep the CSV's \r\n as is
        click.echo(f"Wrote {out}")



@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Copy the live SQLite database into FILE, consistently, while it serves."""
    from invider.backup import BackupError, backup_database

    try:
        backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], file)
    except BackupError as e:
        fail(f"Error: {e}")
    click.echo(f"Backed up the database into {file} (integrity check ok)")


@click.command("anonymise")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def anonymise_command(yes: bool) -> None:
    """Replace every display name with "Player 123", keeping every figure."""
    from invider.moderation import anonymise_players

    create_schema()
    hunt = db.session.execute(db.select(Hunt).limit(1)).scalar_one_or_none()
    if not yes and sys.stdin.isatty():
        click.confirm("Replace every player name for good?", abort=True)
    count = anonymise_players("command line", hunt.language if hunt else "en")
    click.echo(f"{count} players anonymised")

def lan_address() -> str:
    """Return this machine's address on the local network, or 127.0.0.1 without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # no packet is sent for UDP connect
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def find_deck(folder: Path) -> Path | None:
    """Return the one deck in ``folder``; exit with a message if there are several."""
    decks = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    if len(decks) > 1:
        fail(f"Several decks in {folder}/: load one with `invider load {decks[0]}`.")
    return decks[0] if decks else None


@click.command("serve")
@click.option("--host", default="0.0.0.0", help="Address to listen on.")
@click.option("--port", default=8000, type=int)
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Worker processes (default: 2 per core, at least 2).")
@with_appcontext
def serve_command(host: str, port: int, workers: int | None) -> None:
    """Prepare the database, deck, password and posters, then serve with gunicorn."""
    from invider.admin import ensure_admin_password
    from invider.posters import PosterError, check_public_url, render_printables

    app = current_app
    create_schema()
    if db.session.execute(db.select(Hunt).limit(1)).scalar_one_or_none() is None:
        deck = find_deck(Path(app.config["DECK_DIR"]))
        if deck is None:
            fail(f"No deck: put one in {app.config['DECK_DIR']}/ or run `invider load DECK`.")
        try:
            plan = load_deck(read_deck(deck))
        except DeckError as e:
            fail(e.messages)
        click.echo(f"Loaded {deck} ({plan.summary()})")
    try:
        password = ensure_admin_password()
    except ValueError as e:
        fail(f"Error: {e}")
    # Shown as soon as it exists: nothing after this may lose it.
    if password:
        click.echo(f"Admin password (shown once, keep it): {password}")
    elif app.config.get("ADMIN_PASSWORD"):
        click.echo("Admin password: the one set in INVIDER_ADMIN_PASSWORD")
    else:
        click.echo("Admin password: unchanged since the first start")

    public_url = app.config["PUBLIC_URL"]
    if not public_url:
        public_url = f"http://{lan_address()}:{port}"
        click.echo(f"INVIDER_PUBLIC_URL is not set: using this machine's LAN address "
                   f"{public_url}")  # fmt: skip
    public_url = public_url.rstrip("/")
    try:
        out = Path(app.config["PRINTABLES_DIR"])
        render_printables(poster_deck(), out, check_public_url(public_url))
        click.echo(f"Posters: {out}/posters.pdf")
    except PosterError as e:
        click.echo(f"Posters not rendered: {e}")
    db.session.remove()
    # No connection may outlive the fork: every worker opens its own.
    close_thread_connections()
    db.engine.dispose()

    click.echo(f"Players:     {public_url}/")
    click.echo(f"Leaderboard: {public_url}/leaderboard")
    click.echo(f"Big screen:  {public_url}/screen")
    click.echo(f"Organisers:  {public_url}/admin/")
    sys.stdout.flush()

    workers = workers or max(2, min(8, 2 * (os.cpu_count() or 1)))
    env = dict(os.environ, INVIDER_INSTANCE=app.instance_path, INVIDER_PUBLIC_URL=public_url)
    args = [sys.executable, "-m", "gunicorn", "--workers", str(workers),
            "--bind", f"{host}:{port}", "--access-logfile", "-", "--timeout", "30",
            "--graceful-timeout", "10", "--no-control-socket", "invider:create_app()"]  # fmt: skip
    os.execvpe(sys.executable, args, env)
