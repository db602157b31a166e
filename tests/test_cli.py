"""The `invider` command line: export, posters, and the installed console script."""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from server import console

from invider import create_app
from invider.decks.loading import load_deck
from invider.decks.reading import read_deck
from invider.store import schema
from invider.store.models import Invider, db
from invider.store.schema import create_schema


def other_phone(app, play):
    """Return play actions for a second phone."""
    return type(play)(app, app.test_client())


def test_export_writes_excel_csv_in_rank_order(app, runner, play, tmp_path):
    play.join("Alice", "Red")
    play.answer("launch", choice="July 2015")
    play.answer("services", answer="133")
    bob = other_phone(app, play)
    bob.join('=HYPERLINK("http://x")', "Blue")
    bob.answer("partners", choice="72")
    bob.answer("launch", choice="March 2016")
    other_phone(app, play).join("Carol", "Blue")
    out = tmp_path / "results.csv"

    result = runner.invoke(args=["export", "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\r\n" not in raw
    header, *rows = csv.reader(raw.decode("utf-8-sig").splitlines())
    assert header[:6] == ["rank", "name", "team", "score", "found", "correct"]
    assert [row[:6] for row in rows] == [
        ["1", "Alice", "Red", "30", "2", "2"],
        ["2", '\'=HYPERLINK("http://x")', "Blue", "10", "2", "1"],
        ["3", "Carol", "Blue", "0", "0", "0"],
    ]


def test_export_to_standard_output(app, runner, play):
    play.join("Alice", "Red")
    result = runner.invoke(args=["export"])
    assert result.exit_code == 0
    assert result.stdout.startswith("\ufeffrank,name,team,score,found,correct")
    assert "\n1,Alice,Red,0,0,0," in result.stdout


@pytest.fixture
def bare_app(tmp_path: Path, deck_file: Path, monkeypatch):
    """An app with no public URL configured anywhere."""
    monkeypatch.delenv("INVIDER_PUBLIC_URL", raising=False)
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE": str(tmp_path / "bare-instance"),
            "SECRET_KEY": "test-secret",
            "PUBLIC_URL": None,
            "PRINTABLES_DIR": str(tmp_path / "printables"),
        }
    )
    with app.app_context():
        create_schema()
        load_deck(read_deck(deck_file))
    yield app
    with app.app_context():
        db.engine.dispose()


def test_posters_without_public_url_says_how_to_set_one(bare_app, tmp_path):
    out = tmp_path / "out"
    result = bare_app.test_cli_runner().invoke(args=["posters", "--out", str(out)])
    assert result.exit_code == 2
    assert "INVIDER_PUBLIC_URL" in result.stderr and "--public-url" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    "url", ["http://localhost:8000", "http://127.0.0.1:8000", "http://0.0.0.0:8000"]
)
def test_posters_refuse_an_address_phones_cannot_reach(bare_app, tmp_path, url):
    out = tmp_path / "out"
    result = bare_app.test_cli_runner().invoke(
        args=["posters", "--out", str(out), "--public-url", url]
    )
    assert result.exit_code == 2
    assert "--allow-local" in result.stderr
    assert not out.exists()


@pytest.mark.slow  # renders every printable PDF
def test_posters_with_a_lan_address(bare_app, tmp_path):
    out = tmp_path / "out"
    result = bare_app.test_cli_runner().invoke(
        args=["posters", "--out", str(out), "--public-url", "http://192.168.1.20:8000"]
    )
    assert result.exit_code == 0, result.output
    assert "http://192.168.1.20:8000" in result.output
    assert (out / "posters.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "placement.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in (out / "png").iterdir()) == [
        "1-launch.png",
        "2-services.png",
        "3-partners.png",
    ]
    assert (out / "png" / "1-launch.png").read_bytes().startswith(b"\x89PNG")

    import pypdfium2

    pdf = pypdfium2.PdfDocument(out / "posters.pdf")
    try:
        assert len(pdf) == 3
    finally:
        pdf.close()


def test_posters_qr_code_opens_the_poster_page(bare_app, tmp_path):
    import zxingcpp
    from PIL import Image

    out = tmp_path / "out"
    result = bare_app.test_cli_runner().invoke(
        args=[
            "posters",
            "--out",
            str(out),
            "--public-url",
            "http://localhost:8000",
            "--allow-local",
        ]
    )
    assert result.exit_code == 0, result.output
    with bare_app.app_context():
        code = db.session.execute(
            db.select(Invider.code).where(Invider.key == "services")
        ).scalar_one()
    with Image.open(out / "png" / "2-services.png") as image:
        texts = {b.text for b in zxingcpp.read_barcodes(image.convert("L"))}
    assert any(t.endswith(code) and t.startswith("http://localhost:8000/") for t in texts), texts


@pytest.mark.slow  # a console-script process
def test_console_script_lists_its_commands(tmp_path):
    result = console("--help", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    for command in ("load", "posters", "serve", "export"):
        assert f"  {command} " in result.stdout


@pytest.mark.slow  # console-script processes
def test_console_script_loads_and_refuses_decks(tmp_path, deck_file):
    result = console("load", str(deck_file), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "loaded 3 inviders (3 added, 0 changed, 0 removed, 0 unchanged)" in result.stdout
    assert (tmp_path / "instance" / "invider.db").exists()

    broken = tmp_path / "broken.toml"
    broken.write_text(deck_file.read_text().replace('language = "en"', 'language = "de"'))
    result = console("load", "--check", str(broken), tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f'{broken}:3: language must be "fr" or "en"\n'


def test_listing_the_commands_creates_no_app(tmp_path):
    # `invider --help` answers without Flask, SQLAlchemy or the deck readers: each
    # command imports what it uses when it runs.
    script = (
        "import sys\n"
        "sys.argv = ['invider', '--help']\n"
        "from invider.__main__ import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('flask', 'sqlalchemy', 'invider.store.models', 'invider.decks.reading')\n"
        "print('loaded:', [name for name in heavy if name in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "  posters " in result.stdout
    assert result.stdout.splitlines()[-1] == "loaded: []"
    assert not (tmp_path / "instance").exists()


def test_the_app_starts_without_the_sign_in_spreadsheet_and_migration_libraries(tmp_path):
    # Every command and every server start creates the app and checks the schema:
    # Authlib (with requests and the JOSE libraries) loads only where sign-in is set up,
    # openpyxl only in the views and commands that read or write a workbook, Alembic and
    # Flask-Migrate only when the database lacks a revision.
    script = (
        "import sys\n"
        "from invider import create_app\n"
        "from invider.store.schema import create_schema\n"
        "with create_app().app_context():\n"
        "    create_schema()\n"
        "heavy = ('authlib', 'joserfc', 'requests', 'openpyxl', 'alembic', 'flask_migrate')\n"
        "print('loaded:', [name for name in heavy if name in sys.modules])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INVIDER_", "FLASK_"))}

    def start() -> str:
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()[-1]

    assert start() == "loaded: ['alembic', 'flask_migrate']"  # a new database: migrated
    assert start() == "loaded: []"  # then current
    with sqlite3.connect(tmp_path / "instance" / "invider.db") as database:
        assert database.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (schema.HEAD,)
        ]


def test_the_schema_head_is_the_latest_revision(app):
    from alembic.script import ScriptDirectory

    with app.app_context():
        heads = ScriptDirectory.from_config(schema.alembic_config()).get_heads()
    assert heads == [schema.HEAD]


def test_console_script_runs_flask_and_migration_commands(tmp_path, deck_file):
    assert console("load", str(deck_file), tmp_path=tmp_path).returncode == 0
    result = console("db", "current", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "(head)" in result.stdout
    result = console("routes", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "/i/<code>" in result.stdout
    result = console("no-such-command", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "No such command 'no-such-command'" in result.stderr


def test_retention_in_a_folder_never_served_says_there_is_no_date(tmp_path):
    done = console("retention", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no retention date" in done.stdout and "Traceback" not in done.stderr
